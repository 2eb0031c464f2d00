/*
 * ble_gateway/server/srv_history.h — the IDS history: the pump's events as IDD History Data
 * records (Reference Time, Bolus Programmed/Delivered, TBR Started/Ended, Therapy Control
 * State, Annunciation Status, Priming, Reservoir, Delivered Basal Rate, Max Bolus Amount),
 * numbered, in a bounded ring the IDD RACP reads.
 *
 * Must never: send anything (it runs inside pump calls the server makes); record a write
 * that changes nothing; let harmless writes push doses out of the ring — records a
 * collector's writes cause without changing therapy are kept at most
 * history_housekeeping_per_hour an hour (docs/ble.md "IDS history").
 * Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1, "IDD History Data" (event types, Sequence Number, Relative Offset from
 * the last Reference Time); the event data layouts are FakePump's reading where the
 * public sources are thin (docs/ble.md "IDS history").
 */
#ifndef FAKEPUMP_SRV_HISTORY_H
#define FAKEPUMP_SRV_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

enum {
	SRV_HISTORY_MAX = 512,
	SRV_HOUSEKEEPING_MAX = 64,           /* the most history_housekeeping_per_hour can be */
	SRV_REF_REASON_SET_DATE_TIME = 0x33, /* Reference Time recording reason: clock set */
};

typedef struct srv_history {
	ids_history_event records[SRV_HISTORY_MAX];
	bool phone_command; /* the pump events now come from a collector's command */
	int64_t housekeeping[SRV_HOUSEKEEPING_MAX]; /* when recent housekeeping records were made */
	size_t housekeeping_next;
	uint64_t total; /* = next sequence number */
	size_t count;
	bool has_ref;
	int64_t ref_min;
	uint8_t last_tcs;
	double last_basal_u_per_h;
	double last_max_bolus_u;
	bool tbr_active;
	int64_t tbr_start_min;
	int tbr_duration_min;
	uint8_t tbr_type;
	/* The closed loop's basal commands (PUMP_SOURCE_CONTROLLER): its TBR is the one in
	 * force, and the minute of its last accepted temp basal or cancel; a basal rate change
	 * they cause carries the Basal Delivery Context "AP controller". */
	bool tbr_by_controller;
	int64_t controller_basal_min;
} srv_history;

/* Empty, starting from the pump's present state. */
void srv_history_init(ble_server *srv);
/* A record a collector's write causes without changing therapy: true when the hourly
 * budget has room (and it is taken), false when it is to be skipped (counted). */
bool srv_history_housekeeping_take(ble_server *srv, int64_t now);
/* Record a Reference Time event for minute t (reason: SRV_REF_REASON_*). */
void srv_history_reference_time(ble_server *srv, int64_t t_min, uint8_t reason);

#endif
