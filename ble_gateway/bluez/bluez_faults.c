/*
 * bluez_faults — the injected faults (ble_fault.h) only the radio can play, followed from
 * bluez_gateway_poll: stop_advertising takes the advertisement down while it lasts and puts
 * it back after; delay sends what the server holds delay_ms of wall-clock time later. The
 * server says when a fault is active (server/srv_faults.c); refuse_connections is played
 * where a device connects (bluez_devices.c).
 */
#include "bluez_internal.h"

/* ---- faults that need the radio itself (ble_fault.h) ---- */

static void adv_call_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	(void)user_data;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
	if (r)
		g_variant_unref(r);
}

/* stop_advertising: the advertisement goes down while the fault lasts, and comes back. */
void gw_faults_follow(bluez_gateway *gw)
{
	const bool off = ble_server_fault_active(gw->srv, BLE_FAULT_STOP_ADVERTISING, gw->now_min);
	if (!gw->registered || off == gw->adv_paused)
		return;
	gw->adv_paused = off;
	g_dbus_connection_call(
	    gw->conn, BLUEZ, gw->adapter_path, "org.bluez.LEAdvertisingManager1",
	    off ? "UnregisterAdvertisement" : "RegisterAdvertisement",
	    off ? g_variant_new("(o)", ADV_PATH)
	        : g_variant_new("(o@a{sv})", ADV_PATH,
	                        g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    NULL, G_DBUS_CALL_FLAGS_NONE, 30000, gw->cancel, adv_call_done, gw);
	bluez_event ev = {.kind = off ? BLUEZ_EV_ADVERTISING_STOPPED : BLUEZ_EV_ADVERTISING_STARTED,
	                  .adapter = gw->adapter_name,
	                  .name = gw->local_name,
	                  .detail = off ? "fault: stop_advertising" : "fault over"};
	gw_emit(gw, &ev);
}

static gboolean release_held(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->release_timer = 0;
	ble_server_release_held(gw->srv, gw->now_min);
	return G_SOURCE_REMOVE;
}

/* delay: what the server holds goes out delay_ms of wall-clock time later (not at the next
 * simulated minute: a phone's stack times the link in seconds). */
void gw_delay_follow(bluez_gateway *gw)
{
	if (gw->release_timer || ble_server_held_count(gw->srv) == 0)
		return;
	uint32_t ms = ble_server_fault_delay_ms(gw->srv, gw->now_min);
	gw->release_timer = g_timeout_add(ms ? ms : 1, release_held, gw);
}
