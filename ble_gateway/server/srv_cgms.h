/*
 * ble_gateway/server/srv_cgms.h — the CGM side of the server: the session and its records
 * (a bounded history of readings by time offset), CGM Measurement notifications at the
 * communication interval, the CGM Specific Ops Control Point and the Session Start Time a
 * collector writes.
 *
 * Must never: notify faster than the communication interval a collector set (0xFF and
 * anything faster clamp to cgm_min_interval_min: row V2 of docs/ble-threats.md); report a
 * reading outside 40 … 400 mg/dL as a number (it is sent at the bound with the device-range
 * annunciation). Private to ble_gateway/server/.
 *
 * Follows CGMS 1.0.1 (CGM Measurement, Status, Session Start / Run Time, CGM Specific Ops
 * Control Point).
 */
#ifndef FAKEPUMP_SRV_CGMS_H
#define FAKEPUMP_SRV_CGMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "cgms.h"

enum { SRV_CGM_MAX = 2880 }; /* two days of one-minute readings */

typedef struct srv_cgm_record {
	uint16_t offset_min;
	bool has_trend;
	float mgdl;
	float trend_mgdl_per_min;
	uint32_t ssa;
} srv_cgm_record;

typedef struct srv_cgm {
	srv_cgm_record records[SRV_CGM_MAX];
	uint64_t total;
	size_t count;
	bool session_running;
	int64_t session_start_min;
	bool has_session_start_time;
	cgms_session_start_time session_start_time;
	int interval_min;
	bool has_last;
	int64_t last_min;
	bool has_reading; /* any CGM reading at all, session or not (T8) */
	int64_t last_reading_min;
	double last_mgdl;
	uint16_t last_offset_min;
	bool has_calibration;
	cgms_calibration calibration;
	double alert_level[6]; /* patient high, low, hypo, hyper, decrease, increase */
} srv_cgm;

typedef struct srv_link srv_link;

/* The session and interval of cfg; the default alert levels. */
void srv_cgm_init(ble_server *srv);
/* Minutes since the session started, 0 … 65535. */
uint16_t srv_cgm_session_offset(const ble_server *srv, int64_t now);
/* The Session Start Time a collector wrote, or the wall clock of the session's start. */
cgms_session_start_time srv_cgm_session_start_time(const ble_server *srv);
/* One record as a CGM Measurement notification to one link. */
void srv_cgm_send_record(ble_server *srv, srv_link *ls, int64_t now, const srv_cgm_record *c);
/* Writes that passed the ATT checks: 0, or the ATT error of the E2E stage, of an empty
 * write, or of a malformed Session Start Time (0x0D, 0xFF). */
uint8_t srv_cgm_socp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                           size_t len);
uint8_t srv_cgm_session_start_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                                    size_t len);

#endif
