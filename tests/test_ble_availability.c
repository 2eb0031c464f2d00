/*
 * test_ble_availability.c — what an unauthenticated central costs the pump
 * (docs/ble-threats.md V1, V3, V7), with numbers: the GATT server bound to a real pump, the
 * in-process virtual phones at the fastest rate a BlueZ central has (virtual_phone.h:
 * 7.5 ms a request, back 1.28 s after a drop).
 *
 * The battery in these tests drains by the radio alone (idle and motor drain set to 0), so
 * the battery's fall is the radio's cost, in % of a full charge.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "virtual_phone.h"

#include "ble_support.h"

static struct {
	ble_test_rig rig;     /* the pump, the server, the minute */
	virtual_phone *phone; /* the bonded phone */
	size_t audits, aggregated, drops;
	size_t audits_by_minute[128];
} H;

static void on_audit(const ble_audit_event *ev, void *ud)
{
	(void)ud;
	H.audits++;
	if (ev->t_min >= 0 && ev->t_min < 128)
		H.audits_by_minute[ev->t_min]++;
	if (ev->kind == BLE_AUDIT_FLOOD || ev->kind == BLE_AUDIT_STORM)
		H.aggregated++;
	if (ev->kind == BLE_AUDIT_CONNECTION && strcmp(ev->reason, "dropped") == 0)
		H.drops++;
}

static void setup(ble_profile profile)
{
	memset(&H, 0, sizeof H);
	pump_config pc;
	pump_config_defaults(&pc);
	pc.battery.drain_pct_per_h = 0.0; /* the radio alone */
	pc.battery.drain_pct_per_u = 0.0;
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, profile);
	cfg.on_audit = on_audit;
	ble_test_rig_open(&H.rig, &pc, &cfg);
	H.phone = virtual_phone_new(
	    H.rig.srv, ble_link_make("/org/bluez/hci0/dev_PHONE", GATT_SEC_SECURE, true));
	cr_assert_not_null(H.phone);
}

static void teardown(void)
{
	virtual_phone_free(H.phone);
	ble_test_rig_close(&H.rig);
	memset(&H, 0, sizeof H);
}

static double battery(void)
{
	pump_status s;
	pump_get_status(H.rig.p, &s);
	return s.battery_pct;
}

/* One minute: a CGM reading (notified to the subscribed phone), the pump, the server. */
static void minute(void)
{
	ble_server_cgm_sample(H.rig.srv, H.rig.now, 110.0, 0);
	pump_delivery d = pump_tick(H.rig.p, H.rig.now, 110.0);
	ble_server_tick(H.rig.srv, H.rig.now, &d);
	H.rig.now++;
}

/* An hour with the bonded phone subscribed to CGM (one reading a minute, Navigator's
 * rate), the phone reconnecting at 20 min and dosing at 30; with `attacker`, a central on
 * an unencrypted link reads Battery Level as fast as BlueZ lets it, every minute of the
 * hour. Returns the radio's cost, % of a charge. */
static double hour(ble_profile profile, bool attacker, vp_flood_stats *total)
{
	setup(profile);
	virtual_phone *central =
	    attacker ? virtual_phone_new(H.rig.srv, ble_link_make("/org/bluez/hci0/dev_ATTACKER",
	                                                          GATT_SEC_NONE, false))
	             : NULL;
	const double start = battery();
	cr_assert_eq(vp_subscribe_named(H.phone, H.rig.now, "cgm", true).att_error, 0);
	if (total)
		*total = (vp_flood_stats){0};
	for (int m = 0; m < 60; m++) {
		if (central) {
			vp_flood_stats s;
			vp_attack_read_flood(central, H.rig.now, GATT_BAS_BATTERY_LEVEL,
			                     VP_MAX_REQUESTS_PER_MIN, &s);
			if (total) {
				total->sent += s.sent;
				total->att_ok += s.att_ok;
				total->dropped += s.dropped;
				total->reconnects += s.reconnects;
				total->reconnects_refused += s.reconnects_refused;
			}
		}
		if (m == 20) {
			cr_assert(vp_reconnect(H.phone, H.rig.now),
			          "the bonded phone connects again");
			cr_assert_eq(vp_subscribe_named(H.phone, H.rig.now, "cgm", true).att_error,
			             0);
		}
		if (m == 30) {
			vp_answer a = vp_bolus(H.phone, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0);
			char d[96];
			cr_assert(a.ok, "the bonded phone doses meanwhile: %s",
			          vp_answer_describe(&a, d, sizeof d));
		}
		minute();
	}
	cr_assert_geq(vp_notification_count(H.phone, GATT_CGM_MEASUREMENT), 59,
	              "the phone got its CGM readings");
	virtual_phone_free(central);
	return start - battery();
}

Test(availability,
     V1_V3_an_unauthenticated_central_at_full_rate_for_an_hour_costs_less_than_an_hour_of_cgm,
     .fini = teardown)
{
	const double normal = hour(BLE_PROFILE_HARDENED, false, NULL);
	teardown();
	vp_flood_stats f;
	const double flooded = hour(BLE_PROFILE_HARDENED, true, &f);
	const double attack = flooded - normal;
	cr_log_info(
	    "a normal hour of CGM notifications: %.3g %% of the battery; an unauthenticated "
	    "central at full rate for the hour: %.3g %% more (%zu requests tried, %zu "
	    "answered, dropped %zu times, %zu reconnections, %zu refused)",
	    normal, attack, f.sent, f.att_ok, f.dropped, f.reconnects, f.reconnects_refused);
	cr_assert_gt(normal, 0.0);
	cr_assert_leq(attack, normal,
	              "the attacker's hour (%.3g %%) costs more than a normal hour "
	              "of CGM notifications (%.3g %%)",
	              attack, normal);
	cr_assert_geq(f.dropped, 60, "dropped at least once a minute");
	cr_assert_leq(f.att_ok, 60 * 60, "at most 60 answers a minute");
	/* audited while it happens: something every minute, never more than a handful */
	for (int m = 0; m < 60; m++) {
		cr_assert_gt(H.audits_by_minute[m], 0, "minute %d: the flood is not in the audit",
		             m);
		cr_assert_leq(H.audits_by_minute[m], 12, "minute %d: %zu audit events", m,
		              H.audits_by_minute[m]);
	}
}

Test(availability, the_same_central_against_the_legacy_profile_costs_many_normal_hours,
     .fini = teardown)
{
	const double normal = hour(BLE_PROFILE_LEGACY_VULNERABLE, false, NULL);
	teardown();
	vp_flood_stats f;
	const double attack = hour(BLE_PROFILE_LEGACY_VULNERABLE, true, &f) - normal;
	cr_log_info("legacy-vulnerable: the same central costs %.3g %% (%.1f normal hours)", attack,
	            attack / normal);
	cr_assert_gt(attack, 4 * normal, "the harm, shown");
	cr_assert_eq(f.dropped, 0);
}

Test(availability, V7_eight_unpaired_centrals_never_lock_the_bonded_phone_out, .fini = teardown)
{
	setup(BLE_PROFILE_HARDENED);
	int in = 0;
	for (int i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		char id[48];
		snprintf(id, sizeof id, "/org/bluez/hci0/dev_STRANGER_%d", i);
		ble_link l = ble_link_make(id, GATT_SEC_NONE, false);
		uint8_t v[8];
		size_t n;
		in += ble_server_read(H.rig.srv, &l, H.rig.now, GATT_BAS_BATTERY_LEVEL, v, sizeof v,
		                      &n) == 0;
		H.rig.now += i % 2; /* a minute for every two: their connection budget */
	}
	cr_assert_eq(in, 2, "%d unpaired centrals hold a slot; the pool has 2", in);
	/* The bonded phone connects and doses. */
	cr_assert(vp_reconnect(H.phone, H.rig.now));
	vp_answer a = vp_bolus(H.phone, H.rig.now, PUMP_BOLUS_NORMAL, 1.0, 0, 0);
	cr_assert(a.ok);
}

Test(availability, a_bonded_phone_takes_the_oldest_strangers_slot_when_none_is_free,
     .fini = teardown)
{
	memset(&H, 0, sizeof H);
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, BLE_PROFILE_HARDENED);
	cfg.on_audit = on_audit;
	cfg.max_stranger_links = BLE_SERVER_MAX_LINKS; /* a pool as big as the server */
	cfg.max_stranger_connects_per_min = 0;
	ble_test_rig_open(&H.rig, NULL, &cfg);
	for (int i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		char id[48];
		snprintf(id, sizeof id, "dev_STRANGER_%d", i);
		ble_link l = ble_link_make(id, GATT_SEC_NONE, false);
		cr_assert(ble_server_connect(H.rig.srv, &l, 0));
	}
	ble_link phone = ble_link_make("dev_PHONE", GATT_SEC_SECURE, true);
	cr_assert(ble_server_connect(H.rig.srv, &phone, 0),
	          "every slot is a stranger's: one makes room");
	cr_assert_not(ble_server_link_connected(H.rig.srv, "dev_STRANGER_0"), "the oldest went");
	cr_assert(ble_server_link_connected(H.rig.srv, "dev_STRANGER_1"));
	cr_assert_eq(H.drops, 1);
}

/* What the transport is asked to do. */
static char asked[8][BLE_LINK_IDENTITY_MAX];
static size_t n_asked;

static void on_action(const char *identity, ble_link_action action, const char *why, void *ud)
{
	(void)why;
	(void)ud;
	cr_assert_eq(action, BLE_LINK_DISCONNECT);
	if (n_asked < 8)
		snprintf(asked[n_asked++], sizeof asked[0], "%s", identity);
}

Test(availability, an_unpaired_central_over_its_budget_is_dropped_and_the_transport_told,
     .fini = teardown)
{
	setup(BLE_PROFILE_HARDENED);
	n_asked = 0;
	ble_server_on_link_action(H.rig.srv, on_action, NULL);
	ble_link l = ble_link_make("dev_CENTRAL", GATT_SEC_NONE, false);
	uint8_t v[64];
	size_t n;
	int ok = 0;
	for (int i = 0; i < 31; i++)
		ok += ble_server_read(H.rig.srv, &l, 0, GATT_DIS_MANUFACTURER_NAME, v, sizeof v,
		                      &n) == 0;
	cr_assert_eq(ok, 30, "Device Information and a start of pairing: 30 requests");
	cr_assert_not(ble_server_link_connected(H.rig.srv, "dev_CENTRAL"));
	cr_assert_eq(n_asked, 1);
	cr_assert_str_eq(asked[0], "dev_CENTRAL");
	/* A bonded phone that never proves its level is budgeted the same way. */
	ble_link half = ble_link_make("dev_BONDED_UNPROVEN", GATT_SEC_ENCRYPTED, true);
	for (int i = 0; i < 31; i++)
		ble_server_read(H.rig.srv, &half, 0, GATT_DIS_MANUFACTURER_NAME, v, sizeof v, &n);
	cr_assert_not(ble_server_link_connected(H.rig.srv, "dev_BONDED_UNPROVEN"));
	/* The bonded phone at its level: throttled (0xFE) over its budget, never dropped. */
	for (int i = 0; i < 500; i++)
		ble_server_read(H.rig.srv, vp_link(H.phone), 0, GATT_BAS_BATTERY_LEVEL, v, sizeof v,
		                &n);
	cr_assert(ble_server_link_connected(H.rig.srv, vp_link(H.phone)->identity));
	ble_server_stats st;
	ble_server_get_stats(H.rig.srv, &st);
	cr_assert_eq(st.links_dropped, 2);
}
