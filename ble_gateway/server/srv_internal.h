/*
 * ble_gateway/server/srv_internal.h — the state the modules of the GATT server share, and
 * the helpers every module uses. Private to ble_gateway/server/: nothing else includes it.
 *
 * struct ble_server is one object. Each module owns a part of it — its state type is in
 * its own header (srv_links.h, srv_controller.h, srv_history.h, srv_cgms.h, srv_ids_ccp.h,
 * srv_ids_srcp.h, srv_values.h, srv_faults.h, srv_fault_effects.h) — and the other modules
 * read that part, or change it through the owner's functions.
 *
 * Must never: allocate (the object is allocated once, by ble_server_new).
 */
#ifndef FAKEPUMP_SRV_INTERNAL_H
#define FAKEPUMP_SRV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "calendar.h"
#include "cgms.h"
#include "e2e.h"
#include "ids_ccp.h"
#include "ids_racp.h"
#include "ids_srcp.h"
#include "srv_audit.h"
#include "srv_cgms.h"
#include "srv_controller.h"
#include "srv_fault_effects.h"
#include "srv_fault_inject.h"
#include "srv_faults.h"
#include "srv_history.h"
#include "srv_ids_ccp.h"
#include "srv_ids_srcp.h"
#include "srv_io.h"
#include "srv_links.h"
#include "srv_racp.h"
#include "srv_values.h"

enum {
	SRV_LISTENERS_MAX = 8,
	SRV_HEX_MAX = BLE_ATT_MAX_VALUE * 3 + 1,
	SRV_OUT_MAX = 64, /* the longest value the server encodes, tail included */
	SRV_DAY_MIN = CALENDAR_MIN_PER_DAY,
};

_Static_assert(GATT_CHAR_COUNT <= 32, "one subscription bit per characteristic");

/* The active bolus as a collector programmed it (fast/extended split for the Status
 * Reader; the pump keeps only the total). */
typedef struct srv_bolus {
	bool valid;
	uint16_t id;
	uint8_t type;
	double fast_u, extended_u;
	uint16_t duration_min;
} srv_bolus;

struct ble_server {
	pump *p;
	ble_server_config cfg;
	char dis[6][BLE_DIS_STRING_MAX + 1];
	ids_server_profile profile;
	int64_t base_epoch_min; /* wall clock of t = 0, minutes since 1970 */
	int64_t cts_adjust_min; /* a collector's Current Time write (srv_values.c) */

	srv_link links[BLE_SERVER_MAX_LINKS]; /* srv_links.c */
	srv_rate_window connects;
	srv_rate_window stranger_connects, stranger_requests;
	srv_flood connect_flood;
	uint64_t opened_total;
	ble_link_action_fn link_fn;
	void *link_user_data;
	struct {
		ble_notify_fn fn;
		void *user_data;
	} listeners[SRV_LISTENERS_MAX];

	srv_controller ctl;              /* srv_controller.c */
	srv_history hist;                /* srv_history.c */
	srv_bolus bolus;                 /* srv_history.c, srv_ids_ccp.c */
	srv_duplicates dup;              /* srv_ids_ccp.c */
	srv_cgm cgm;                     /* srv_cgms.c */
	srv_totals totals;               /* srv_ids_srcp.c */
	srv_snapshot snap;               /* srv_values.c */
	srv_faults faults;               /* srv_faults.c, srv_fault_inject.c */
	srv_fault_effects fault_effects; /* srv_fault_effects.c */

	ble_server_stats stats;
	char hex[SRV_HEX_MAX]; /* an audit event's raw bytes */
	char detail[200];      /* an audit event's detail */
};

static inline bool srv_legacy(const ble_server *srv)
{
	return srv->cfg.profile == BLE_PROFILE_LEGACY_VULNERABLE;
}

/* The level a request needs here: legacy-vulnerable accepts any encryption (Just Works). */
static inline gatt_security srv_required_level(const ble_server *srv, gatt_security s)
{
	if (srv_legacy(srv) && s > GATT_SEC_ENCRYPTED)
		return GATT_SEC_ENCRYPTED;
	return s;
}

static inline uint32_t srv_bit(gatt_char_id id)
{
	return 1u << (unsigned)id;
}

/* Has this link enabled notifications/indications of `id`? */
static inline bool srv_subscribed(const srv_link *ls, gatt_char_id id)
{
	return (ls->subscribed & srv_bit(id)) != 0;
}

/* CGMS values carry their E2E-CRC when E2E is on (CGM Feature b12). */
static inline bool srv_cgm_crc(const ble_server *srv)
{
	return srv->cfg.e2e;
}

/* The wall clock at run minute t (seconds 0), as a collector set it. */
static inline ble_date_time srv_date_at(const ble_server *srv, int64_t t_min, uint8_t *day_of_week)
{
	return calendar_date_time(srv->base_epoch_min + t_min + srv->cts_adjust_min, day_of_week);
}

#endif
