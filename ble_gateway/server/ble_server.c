/*
 * ble_server.c — the GATT server bound to the pump (ble_server.h): its lifetime, and the
 * dispatch of the three ATT requests a transport hands it — read, write, CCCD write — plus
 * the minute's tick. What each request then does lives in a module of its own:
 *   srv_links.c       links, link classes, budgets, drops (docs/ble.md "Availability")
 *   srv_controller.c  one controller (A8, A9)
 *   srv_audit.c       audit events, flood aggregation
 *   srv_io.c          the E2E stage of writes, sealing and sending values
 *   srv_values.c      reads, change indications, the Current Time write
 *   srv_history.c     the IDS history from pump events
 *   srv_ids_ccp.c     IDD Command Control Point (one function per op code)
 *   srv_ids_srcp.c    IDD Status Reader Control Point, the insulin totals
 *   srv_racp.c        both Record Access Control Points
 *   srv_cgms.c        the CGM session, records, notifications, SOCP, Session Start Time
 *   srv_faults.c      faults shown to a phone: which are on, the decisions links and I/O ask
 *   srv_fault_effects.c  what a fault does to a value leaving; the values a delay holds
 *   srv_fault_inject.c   faults started, cleared, timed out; disconnect and time_jump act
 * BlueZ keeps its services out of src/shared/gatt-server.c the same way.
 *
 * Must never: allocate after ble_server_new; read past a length; answer a control-point
 * write with silence; let a refused write reach the pump.
 *
 * The order of a write's checks (docs/ble.md "How a request is answered"): connection and
 * the budgets of an untrusted link, handle, write budget, writable, write type and offset,
 * link level, one controller, length, the control point's own indication (0xFD); then the
 * control point's module: E2E tail, counter, CRC, the procedure. Radio cost: one
 * pump_radio_event per request received, per value sent and per connection, and the
 * connection events of every link each minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_internal.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown" /* set by meson.build */
#endif

/* A write to one characteristic, past the ATT checks of ble_server_write. */
typedef uint8_t (*srv_writer)(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                              size_t len);

/* The writable characteristics and their modules. */
static const struct {
	gatt_char_id id;
	srv_writer write;
} writers[] = {
    {GATT_IDD_COMMAND_CP, srv_ids_ccp_write},
    {GATT_IDD_STATUS_READER_CP, srv_ids_srcp_write},
    {GATT_IDD_RACP, srv_ids_racp_write},
    {GATT_CGM_SOCP, srv_cgm_socp_write},
    {GATT_CGM_RACP, srv_cgm_racp_write},
    {GATT_CGM_SESSION_START_TIME, srv_cgm_session_start_write},
    {GATT_CTS_CURRENT_TIME, srv_cts_write},
};

static srv_writer writer_of(gatt_char_id id)
{
	for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
		if (writers[i].id == id)
			return writers[i].write;
	return NULL;
}

const char *ble_profile_name(ble_profile p)
{
	return p == BLE_PROFILE_LEGACY_VULNERABLE ? "legacy-vulnerable" : "hardened";
}

bool ble_profile_from_name(const char *name, ble_profile *out)
{
	if (!name)
		return false;
	if (strcmp(name, "hardened") == 0)
		*out = BLE_PROFILE_HARDENED;
	else if (strcmp(name, "legacy-vulnerable") == 0 || strcmp(name, "legacy_vulnerable") == 0)
		*out = BLE_PROFILE_LEGACY_VULNERABLE;
	else
		return false;
	return true;
}

void ble_server_config_defaults(ble_server_config *cfg, ble_profile profile)
{
	bool hardened = profile == BLE_PROFILE_HARDENED;
	*cfg = (ble_server_config){
	    .profile = profile,
	    .e2e = true,
	    .manufacturer_name = "FakePump HIL",
	    .model_number = "FP-1",
	    .serial_number = "FP1-000001",
	    .hardware_revision = "sim",
	    .firmware_revision = FAKEPUMP_VERSION,
	    .software_revision = FAKEPUMP_VERSION,
	    .system_id_manufacturer = 0x0000000001u,
	    .system_id_oui = 0x000000u,
	    .pnp_id = {.vendor_id_source = 2,
	               .vendor_id = 0xFFFF,
	               .product_id = 0x0001,
	               .product_version = 0x0001},
	    .duplicate_window_min = 15,
	    .max_writes_per_min = hardened ? 30 : 0,
	    .max_reads_per_min = hardened ? 120 : 0,
	    .max_cccd_writes_per_min = hardened ? 20 : 0,
	    .max_connects_per_min = hardened ? 6 : 0,
	    .max_stranger_links = hardened ? 2 : 0,
	    .max_stranger_connects_per_min = hardened ? 2 : 0,
	    .max_untrusted_requests_per_link = hardened ? 30 : 0,
	    .max_stranger_requests_per_min = hardened ? 60 : 0,
	    .cgm_interval_min = 1,
	    .cgm_min_interval_min = 1,
	    .cgm_session_run_time_h = 240,
	    .cgm_session_running = true,
	    .racp_records_per_burst = 128,
	    .ap_cgm_max_age_min = hardened ? 15 : 0,
	    .ap_tbr_max_min = hardened ? 30 : 0,
	    .history_housekeeping_per_hour = hardened ? 12 : 0,
	};
}

static void copy_dis(char *dst, const char *src)
{
	snprintf(dst, BLE_DIS_STRING_MAX + 1, "%s", src ? src : "");
}

ble_server *ble_server_new(pump *p, const ble_server_config *cfg)
{
	if (!p || !cfg || cfg->cgm_min_interval_min < 1 || cfg->cgm_interval_min < 0 ||
	    cfg->cgm_interval_min > 255 || cfg->cgm_min_interval_min > 255 ||
	    cfg->racp_records_per_burst < 1 || cfg->duplicate_window_min < 0 ||
	    cfg->ap_cgm_max_age_min < 0 || cfg->ap_tbr_max_min < 0 ||
	    cfg->history_housekeeping_per_hour < 0 ||
	    cfg->history_housekeeping_per_hour > SRV_HOUSEKEEPING_MAX)
		return NULL;
	ble_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return NULL;
	srv->p = p;
	srv->cfg = *cfg;
	copy_dis(srv->dis[0], cfg->manufacturer_name);
	copy_dis(srv->dis[1], cfg->model_number);
	copy_dis(srv->dis[2], cfg->serial_number);
	copy_dis(srv->dis[3], cfg->hardware_revision);
	copy_dis(srv->dis[4], cfg->firmware_revision);
	copy_dis(srv->dis[5], cfg->software_revision);
	/* The caller's strings are not kept. */
	srv->cfg.manufacturer_name = srv->cfg.model_number = srv->cfg.serial_number = NULL;
	srv->cfg.hardware_revision = srv->cfg.firmware_revision = srv->cfg.software_revision = NULL;

	ids_server_profile_defaults(&srv->profile);
	if (!cfg->e2e)
		srv->profile.features &= ~(uint32_t)IDS_FEAT_E2E;

	const pump_config *pc = pump_get_config(p);
	if (cfg->start_date_time.year == 0 || ble_date_time_check(&cfg->start_date_time) != BLE_OK)
		srv->base_epoch_min =
		    calendar_days_from_civil(2024, 1, 1) * SRV_DAY_MIN + pc->start_min_of_day;
	else
		srv->base_epoch_min = calendar_epoch_min(&cfg->start_date_time);

	srv_history_init(srv);
	srv_cgm_init(srv);
	srv_totals_init(&srv->totals);
	srv->connects.window_min = INT64_MIN;
	srv->stranger_connects.window_min = srv->stranger_requests.window_min = INT64_MIN;
	srv->snap = srv_snapshot_take(srv);
	return srv;
}

void ble_server_free(ble_server *srv)
{
	free(srv);
}

const ids_server_profile *ble_server_ids_profile(const ble_server *srv)
{
	return &srv->profile;
}

bool ble_server_e2e(const ble_server *srv)
{
	return srv->cfg.e2e;
}

ble_profile ble_server_profile(const ble_server *srv)
{
	return srv->cfg.profile;
}

bool ble_server_add_listener(ble_server *srv, ble_notify_fn fn, void *user_data)
{
	for (size_t i = 0; i < SRV_LISTENERS_MAX; i++)
		if (!srv->listeners[i].fn) {
			srv->listeners[i].fn = fn;
			srv->listeners[i].user_data = user_data;
			return true;
		}
	return false;
}

void ble_server_remove_listener(ble_server *srv, ble_notify_fn fn, void *user_data)
{
	for (size_t i = 0; i < SRV_LISTENERS_MAX; i++)
		if (srv->listeners[i].fn == fn && srv->listeners[i].user_data == user_data)
			srv->listeners[i].fn = NULL;
}

void ble_server_get_stats(const ble_server *srv, ble_server_stats *out)
{
	*out = srv->stats;
}

uint8_t ble_server_read(ble_server *srv, const ble_link *link_in, int64_t now_min, gatt_char_id id,
                        uint8_t *out, size_t cap, size_t *len)
{
	const ble_link l = srv_safe_link(link_in), *link = &l;
	srv->stats.reads++;
	*len = 0;
	srv_link *ls = srv_link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	const char *why = NULL;
	if (!ls)
		return srv_not_connected(srv); /* the refused connection is audited (aggregated) */
	pump_radio_event(srv->p, now_min);
	if (!srv_link_charge(srv, ls, now_min, &why))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_READ, id,
		                  ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", NULL, 0);
	if (!def)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_INVALID_HANDLE,
		                  "no such characteristic", NULL, NULL, 0);
	if (!srv_budget_take(&ls->reads, srv->cfg.max_reads_per_min, now_min))
		return srv_over_budget(srv, link, now_min, &ls->read_flood, BLE_AUDIT_READ, id,
		                       NULL, 0);
	if (!(def->properties & GATT_PROP_READ))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_READ, id,
		                  ATT_ERR_READ_NOT_PERMITTED, "not readable", NULL, NULL, 0);
	if (!gatt_security_met(srv_required_level(srv, def->security), link->security))
		return srv_refuse(
		    srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_INSUFFICIENT_AUTHENTICATION,
		    "insufficient authentication", ble_link_security_name(link->security), NULL, 0);
	uint8_t denied = srv_controller_check(srv, link, def, &why);
	if (denied)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_READ, id, denied, why, NULL, NULL,
		                  0);
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (srv_encode_value(srv, ls, now_min, id, buf, sizeof buf, &n) != BLE_OK || n > cap)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_UNLIKELY,
		                  "value could not be encoded", NULL, NULL, 0);
	memcpy(out, buf, n);
	*len = n;
	return ATT_OK;
}

uint8_t ble_server_write(ble_server *srv, const ble_link *link_in, int64_t now_min, gatt_char_id id,
                         const uint8_t *bytes, size_t len, const ble_write_options *opts)
{
	const ble_link l = srv_safe_link(link_in), *link = &l;
	srv->stats.writes++;
	if (!bytes)
		len = 0;
	srv_link *ls = srv_link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	/* The audit shows at most one attribute value of what was sent. */
	size_t shown = len < BLE_ATT_MAX_VALUE ? len : BLE_ATT_MAX_VALUE;
	const char *why = NULL;
	if (!ls)
		return srv_not_connected(srv);
	pump_radio_event(srv->p, now_min);
	if (!srv_link_charge(srv, ls, now_min, &why))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", bytes,
		                  shown);
	if (!def)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_INVALID_HANDLE,
		                  "no such characteristic", NULL, bytes, shown);
	if (!srv_budget_take(&ls->writes, srv->cfg.max_writes_per_min, now_min))
		return srv_over_budget(srv, link, now_min, &ls->write_flood, BLE_AUDIT_WRITE, id,
		                       bytes, shown);
	if (!(def->properties & GATT_PROP_WRITE))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_WRITE_NOT_PERMITTED, "not writable", NULL, bytes, shown);
	if (opts && opts->command)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_REQUEST_NOT_SUPPORTED,
		                  "write without response on a characteristic that needs a request",
		                  NULL, bytes, shown);
	if (opts && opts->offset)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_INVALID_OFFSET,
		                  "offset write", NULL, bytes, shown);
	if (!gatt_security_met(srv_required_level(srv, def->security), link->security))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_INSUFFICIENT_AUTHENTICATION,
		                  "insufficient authentication",
		                  ble_link_security_name(link->security), bytes, shown);
	uint8_t denied = srv_controller_check(srv, link, def, &why);
	if (denied)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, denied, why, NULL, bytes,
		                  shown);
	if (srv_fault_write_too_long(srv, now_min, len)) {
		srv->stats.faults_applied++;
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_INVALID_VALUE_LENGTH, "fault: mtu_23",
		                  "longer than a 23-octet ATT_MTU carries", bytes, shown);
	}
	if (len > BLE_ATT_MAX_VALUE)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_INVALID_VALUE_LENGTH, "longer than an attribute value",
		                  NULL, bytes, shown);
	if ((def->properties & GATT_PROP_INDICATE) && !(ls->subscribed & srv_bit(id)))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_CCCD_IMPROPERLY_CONFIGURED,
		                  "control point indications not enabled", NULL, bytes, shown);
	const srv_writer write = writer_of(id);
	if (!write)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_WRITE_NOT_PERMITTED, "not writable", NULL, bytes, shown);
	const uint8_t r = write(srv, ls, now_min, bytes, len);
	srv_publish_changes(srv, now_min);
	return r;
}

uint8_t ble_server_subscribe(ble_server *srv, const ble_link *link_in, int64_t now_min,
                             gatt_char_id id, bool on)
{
	const ble_link l = srv_safe_link(link_in), *link = &l;
	srv->stats.subscriptions++;
	srv_link *ls = srv_link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	uint8_t v[2] = {on ? (def && (def->properties & GATT_PROP_INDICATE) ? 0x02 : 0x01) : 0, 0};
	const char *why = NULL;
	if (!ls)
		return srv_not_connected(srv);
	pump_radio_event(srv->p, now_min);
	if (!srv_link_charge(srv, ls, now_min, &why))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id,
		                  ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", v, 2);
	if (!def || def->descriptor_count == 0)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id,
		                  ATT_ERR_INVALID_HANDLE, "no CCCD", NULL, v, 2);
	if (!srv_budget_take(&ls->cccd, srv->cfg.max_cccd_writes_per_min, now_min))
		return srv_over_budget(srv, link, now_min, &ls->storm, BLE_AUDIT_SUBSCRIBE, id, v,
		                       2);
	if (!gatt_security_met(srv_required_level(srv, def->descriptors[0].write_security),
	                       link->security))
		return srv_refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id,
		                  ATT_ERR_INSUFFICIENT_AUTHENTICATION,
		                  "insufficient authentication",
		                  ble_link_security_name(link->security), v, 2);
	uint8_t denied = srv_controller_check(srv, link, def, &why);
	if (denied)
		return srv_refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id, denied, why, NULL, v,
		                  2);
	if (on)
		ls->subscribed |= srv_bit(id);
	else
		ls->subscribed &= ~srv_bit(id);
	ble_audit_event ev = ble_audit_make(link, now_min, BLE_AUDIT_SUBSCRIBE, id);
	ev.reason = on ? "subscribed" : "unsubscribed";
	srv_audit_emit(srv, &ev, v, 2);
	return ATT_OK;
}

void ble_server_tick(ble_server *srv, int64_t now_min, const pump_delivery *delivered)
{
	srv_totals_tick(srv, now_min, delivered);
	unsigned connected = 0;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		srv_link *ls = &srv->links[i];
		if (!ls->used)
			continue;
		connected++;
		srv_link_flush(srv, ls, now_min, false);
		srv_racp_continue(srv, ls, now_min);
	}
	/* The connection events of every link up this minute (the radio's standing cost). */
	if (connected)
		pump_radio_link_minutes(srv->p, now_min, connected);
	if (srv->connect_flood.active) {
		ble_link none = ble_link_make("*", GATT_SEC_NONE, false);
		srv_flood_flush(srv, &none, &srv->connect_flood, BLE_AUDIT_FLOOD, now_min, false);
	}
	srv_publish_changes(srv, now_min);
	srv_faults_tick(srv, now_min);
}

void ble_server_publish(ble_server *srv, int64_t now_min)
{
	srv_publish_changes(srv, now_min);
}

void ble_server_set_serial_number(ble_server *srv, const char *serial)
{
	copy_dis(srv->dis[2], serial);
}

void ble_server_continue_reports(ble_server *srv, int64_t now_min)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used && srv->links[i].racp.active)
			srv_racp_continue(srv, &srv->links[i], now_min);
}

void ble_server_flush_audit(ble_server *srv, int64_t now_min)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used)
			srv_link_flush(srv, &srv->links[i], now_min, true);
	if (srv->connect_flood.active) {
		ble_link none = ble_link_make("*", GATT_SEC_NONE, false);
		srv_flood_flush(srv, &none, &srv->connect_flood, BLE_AUDIT_FLOOD, now_min, true);
	}
}
