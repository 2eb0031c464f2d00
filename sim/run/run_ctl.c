/*
 * run_ctl — see run_ctl.h. The D-Bus interface (methods, properties, the Event signal) is
 * documented in docs/qa-guide.md "The D-Bus interface"; its XML is below. Where it is
 * reached (names, the socket, who may connect): run_ctl_socket.c.
 */
#include "run_ctl.h"

#include <gio/gio.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bluez_status.h"
#include "clock.h"
#include "event_stream.h"
#include "fault_spec.h"
#include "pacing.h"
#include "run_ctl_socket.h"
#include "sinks.h"
#include "stop_request.h"

static const char introspection_xml[] =
    "<node>"
    " <interface name='" RUN_CTL_INTERFACE "'>"
    "  <method name='Status'><arg type='s' name='json' direction='out'/></method>"
    "  <method name='SetSpeed'><arg type='d' name='speed' direction='in'/></method>"
    "  <method name='Pause'/>"
    "  <method name='Continue'/>"
    "  <method name='Pair'><arg type='d' name='seconds' direction='in'/></method>"
    "  <method name='Bolus'><arg type='d' name='units' direction='in'/>"
    "   <arg type='s' name='json' direction='out'/></method>"
    "  <method name='Meal'><arg type='d' name='grams' direction='in'/></method>"
    "  <method name='Suspend'><arg type='s' name='json' direction='out'/></method>"
    "  <method name='Resume'><arg type='s' name='json' direction='out'/></method>"
    "  <method name='Confirm'><arg type='s' name='annunciation' direction='in'/>"
    "   <arg type='s' name='json' direction='out'/></method>"
    "  <method name='Fault'><arg type='as' name='words' direction='in'/>"
    "   <arg type='s' name='json' direction='out'/></method>"
    "  <signal name='Event'><arg type='s' name='type'/><arg type='s' name='json'/></signal>"
    "  <property name='Name' type='s' access='read'/>"
    "  <property name='Serial' type='s' access='read'/>"
    "  <property name='TimeMin' type='x' access='read'/>"
    "  <property name='Clock' type='s' access='read'/>"
    "  <property name='Speed' type='d' access='read'/>"
    "  <property name='Paused' type='b' access='read'/>"
    "  <property name='Holding' type='b' access='read'/>"
    "  <property name='TherapyState' type='s' access='read'/>"
    "  <property name='ReservoirU' type='d' access='read'/>"
    "  <property name='BatteryPct' type='d' access='read'/>"
    "  <property name='GlucoseMgdl' type='d' access='read'/>"
    "  <property name='CgmMgdl' type='d' access='read'/>"
    "  <property name='Annunciations' type='as' access='read'/>"
    "  <property name='Bluetooth' type='s' access='read'/>"
    "  <property name='Peer' type='s' access='read'/>"
    "  <property name='Faults' type='as' access='read'/>"
    " </interface>"
    "</node>";

struct run_ctl {
	char name[RUN_CTL_NAME_MAX + 1];
	char serial[24];
	engine *e;
	run_air *air;
	const scenario *sc;
	GDBusNodeInfo *node;
	run_ctl_socket *socket; /* the private peer-to-peer socket */
	GPtrArray *conns;       /* peer connections (owned refs) and bus connections */
	GDBusConnection *session, *system;
	guint session_owner, system_owner;
	double speed;
	bool paused, holding;
	bool window_paces;  /* the window's keys pace the run (run_ctl_window_paces) */
	double anchor_s;    /* wall time of anchor_min at the speed in force */
	int64_t anchor_min; /* minute boundary the pacing counts from */
	double bg_mgdl, cgm_mgdl;
	bluez_status bt;
	/* the pump's answer to the command being applied (its event-stream "command" line) */
	bool capturing;
	char reply[1024];
	char last_props[512]; /* what was announced, to announce only changes */
};

/* ---- what the pump shows ---- */

static const char *therapy_of(const pump_status *st)
{
	return pump_therapy_state_name(st->therapy);
}

/* The active annunciations: "occlusion#3" (type#id). */
static GVariant *annunciations(const run_ctl *c)
{
	pump_annunciation a[32];
	size_t n = pump_active_annunciations(engine_pump(c->e), a, 32);
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (size_t i = 0; i < n; i++) {
		char s[64];
		snprintf(s, sizeof s, "%s#%u", pump_annunciation_name(a[i].type), a[i].id);
		g_variant_builder_add(&b, "s", s);
	}
	return g_variant_builder_end(&b);
}

static GVariant *faults(const run_ctl *c)
{
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	ble_server *srv = engine_server(c->e);
	for (int k = 0; srv && k < BLE_FAULT_COUNT; k++)
		if (ble_server_fault_active(srv, (ble_fault_kind)k, engine_now_min(c->e)))
			g_variant_builder_add(&b, "s", ble_fault_name((ble_fault_kind)k));
	return g_variant_builder_end(&b);
}

static GVariant *property(run_ctl *c, const char *prop)
{
	pump_status st;
	pump_get_status(engine_pump(c->e), &st);
	const int64_t t = engine_now_min(c->e);
	if (strcmp(prop, "Name") == 0)
		return g_variant_new_string(c->name);
	if (strcmp(prop, "Serial") == 0)
		return g_variant_new_string(c->serial);
	if (strcmp(prop, "TimeMin") == 0)
		return g_variant_new_int64(t);
	if (strcmp(prop, "Clock") == 0) {
		char clk[CLOCK_TEXT_MAX];
		return g_variant_new_string(
		    clock_format(t + c->sc->start_min_of_day, clk, sizeof clk));
	}
	if (strcmp(prop, "Speed") == 0)
		return g_variant_new_double(c->speed);
	if (strcmp(prop, "Paused") == 0)
		return g_variant_new_boolean(c->paused);
	if (strcmp(prop, "Holding") == 0)
		return g_variant_new_boolean(c->holding);
	if (strcmp(prop, "TherapyState") == 0)
		return g_variant_new_string(therapy_of(&st));
	if (strcmp(prop, "ReservoirU") == 0)
		return g_variant_new_double(st.reservoir_u);
	if (strcmp(prop, "BatteryPct") == 0)
		return g_variant_new_double(st.battery_pct);
	if (strcmp(prop, "GlucoseMgdl") == 0)
		return g_variant_new_double(c->bg_mgdl);
	if (strcmp(prop, "CgmMgdl") == 0)
		return g_variant_new_double(c->cgm_mgdl);
	if (strcmp(prop, "Annunciations") == 0)
		return annunciations(c);
	if (strcmp(prop, "Bluetooth") == 0)
		return g_variant_new_string(c->air && run_air_gateway(c->air) ? c->bt.state
		                                                              : "off");
	if (strcmp(prop, "Peer") == 0)
		return g_variant_new_string(c->bt.peer);
	if (strcmp(prop, "Faults") == 0)
		return faults(c);
	return NULL;
}

static const char *const property_names[] = {
    "Name",          "Serial",       "TimeMin",    "Clock",      "Speed",       "Paused",
    "Holding",       "TherapyState", "ReservoirU", "BatteryPct", "GlucoseMgdl", "CgmMgdl",
    "Annunciations", "Bluetooth",    "Peer",       "Faults",
};

/* The status as one JSON object (`fakepump ctl status`). */
static char *status_json(run_ctl *c)
{
	GString *s = g_string_new("{");
	for (size_t i = 0; i < G_N_ELEMENTS(property_names); i++) {
		GVariant *v = g_variant_ref_sink(property(c, property_names[i]));
		g_string_append_printf(s, "%s\"%s\":", i ? "," : "", property_names[i]);
		if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
			const double d = g_variant_get_double(v);
			if (isfinite(d))
				g_string_append_printf(s, "%.6g", d);
			else
				g_string_append(s, "null");
		} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64)) {
			g_string_append_printf(s, "%" PRId64, g_variant_get_int64(v));
		} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
			g_string_append(s, g_variant_get_boolean(v) ? "true" : "false");
		} else {
			/* strings and string arrays: GVariant text is JSON here (ASCII names) */
			gchar *txt = g_variant_print(v, FALSE);
			for (char *p = txt; *p; p++)
				if (*p == '\'')
					*p = '"';
			g_string_append(s, txt);
			g_free(txt);
		}
		g_variant_unref(v);
	}
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

/* ---- the Event signal ---- */

static void emit_all(run_ctl *c, const char *signal, GVariant *args, const char *iface)
{
	g_variant_ref_sink(args);
	for (guint i = 0; c->conns && i < c->conns->len; i++) {
		GDBusConnection *conn = g_ptr_array_index(c->conns, i);
		if (!g_dbus_connection_is_closed(conn))
			g_dbus_connection_emit_signal(conn, NULL, RUN_CTL_OBJECT_PATH, iface,
			                              signal, args, NULL);
	}
	g_variant_unref(args);
}

static void on_line(const char *type, const char *line, void *user_data)
{
	run_ctl *c = user_data;
	if (c->capturing && strcmp(type, "command") == 0)
		snprintf(c->reply, sizeof c->reply, "%s", line);
	if (c->capturing && strcmp(type, "fault") == 0 && !c->reply[0])
		snprintf(c->reply, sizeof c->reply, "%s", line);
	emit_all(c, "Event", g_variant_new("(ss)", type, line), RUN_CTL_INTERFACE);
}

static void announce_properties(run_ctl *c)
{
	if (c->conns->len == 0)
		return; /* nobody to tell (a fast run with --name: a minute costs nothing) */
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	GString *all = g_string_new("");
	bool any = false;
	for (size_t i = 0; i < G_N_ELEMENTS(property_names); i++) {
		GVariant *v = g_variant_ref_sink(property(c, property_names[i]));
		gchar *txt = g_variant_print(v, FALSE);
		g_string_append_printf(all, "%s;", txt);
		g_free(txt);
		g_variant_builder_add(&b, "{sv}", property_names[i], v);
		g_variant_unref(v);
		any = true;
	}
	/* One PropertiesChanged with every value, only when something changed. */
	if (any && strncmp(all->str, c->last_props, sizeof c->last_props - 1) != 0) {
		snprintf(c->last_props, sizeof c->last_props, "%s", all->str);
		GVariant *args = g_variant_new("(sa{sv}as)", RUN_CTL_INTERFACE, &b, NULL);
		emit_all(c, "PropertiesChanged", args, "org.freedesktop.DBus.Properties");
	} else {
		g_variant_builder_clear(&b);
	}
	g_string_free(all, TRUE);
}

/* ---- methods ---- */

static void fail(GDBusMethodInvocation *inv, const char *fmt, const char *a)
{
	g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, fmt, a);
}

/* Apply a person's step now and answer with the pump's command line (or `fallback`). */
static void person(run_ctl *c, GDBusMethodInvocation *inv, const scenario_event *ev,
                   const char *fallback)
{
	c->capturing = true;
	c->reply[0] = '\0';
	const char *why = NULL;
	const bool ok = engine_apply_now(c->e, ev, "ctl", &why);
	c->capturing = false;
	if (!ok) {
		fail(inv, "%s", why ? why : "refused");
		return;
	}
	/* What changed reaches a subscribed phone now, not at the next minute. */
	if (engine_server(c->e))
		ble_server_publish(engine_server(c->e), engine_now_min(c->e));
	announce_properties(c);
	g_dbus_method_invocation_return_value(
	    inv, g_variant_new("(s)", c->reply[0] ? c->reply : fallback));
}

static bool number_ok(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

static void confirm(run_ctl *c, GDBusMethodInvocation *inv, const char *what)
{
	scenario_event ev = {.kind = SCENARIO_EVENT_CONFIRM};
	char *end = NULL;
	const unsigned long id = strtoul(what, &end, 10);
	if (what[0] && end && !*end) {
		c->capturing = true;
		c->reply[0] = '\0';
		const pump_result r = engine_confirm_annunciation(c->e, (uint16_t)id);
		c->capturing = false;
		if (id > 65535 || r == PUMP_REFUSED_NO_SUCH_ANNUNCIATION) {
			fail(inv, "no active annunciation with id %s (ctl status lists them)",
			     what);
			return;
		}
		announce_properties(c);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", c->reply));
		return;
	}
	if (strcmp(what, "all") == 0)
		ev.confirm_all = true;
	else if (!pump_annunciation_from_name(what, &ev.annunciation)) {
		fail(inv,
		     "unknown annunciation '%s' (an id from ctl status, a type such as occlusion, "
		     "or "
		     "all)",
		     what);
		return;
	}
	person(c, inv, &ev, "{\"result\":\"none active\"}");
}

static void fault(run_ctl *c, GDBusMethodInvocation *inv, GVariant *params)
{
	gsize n = 0;
	g_autofree const gchar **words = NULL;
	GVariant *arr = g_variant_get_child_value(params, 0);
	words = g_variant_get_strv(arr, &n);
	scenario_event ev = {.kind = SCENARIO_EVENT_FAULT};
	char err[300];
	if (!fault_spec_parse(words, n, &ev.fault_spec, err, sizeof err)) {
		g_variant_unref(arr);
		fail(inv, "%s", err);
		return;
	}
	g_variant_unref(arr);
	ev.fault = ev.fault_spec.pump;
	ev.amount = isfinite(ev.fault_spec.value)          ? ev.fault_spec.value
	            : ev.fault == PUMP_FAULT_BATTERY_DRAIN ? 10.0
	                                                   : NAN;
	char done[160];
	snprintf(done, sizeof done, "{\"fault\":\"%s\",\"origin\":\"ctl\",\"t_min\":%" PRId64 "}",
	         ev.fault_spec.clear_all ? "clear"
	         : ev.fault_spec.is_ble  ? ble_fault_name(ev.fault_spec.ble.kind)
	                                 : pump_fault_name(ev.fault),
	         engine_now_min(c->e));
	person(c, inv, &ev, done);
}

static void set_speed(run_ctl *c, double speed)
{
	c->speed = speed;
	c->anchor_min = engine_now_min(c->e);
	c->anchor_s = pacing_now_s();
}

static void on_method(GDBusConnection *conn, const gchar *sender, const gchar *object_path,
                      const gchar *interface_name, const gchar *method, GVariant *params,
                      GDBusMethodInvocation *inv, gpointer user_data)
{
	(void)conn, (void)sender, (void)object_path, (void)interface_name;
	run_ctl *c = user_data;
	double d = 0;
	if (strcmp(method, "Status") == 0) {
		g_autofree char *json = status_json(c);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", json));
	} else if (c->window_paces &&
	           (strcmp(method, "SetSpeed") == 0 || strcmp(method, "Pause") == 0 ||
	            strcmp(method, "Continue") == 0)) {
		fail(inv,
		     "speed: this run is paced by its window (space pauses, + and - change the "
		     "speed)%s",
		     "");
	} else if (strcmp(method, "SetSpeed") == 0) {
		g_variant_get(params, "(d)", &d);
		if (!number_ok(d, 0, 100000)) {
			fail(inv, "speed: expected 0 (as fast as possible) … 100000%s", "");
			return;
		}
		set_speed(c, d);
		announce_properties(c);
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (strcmp(method, "Pause") == 0 || strcmp(method, "Continue") == 0) {
		c->paused = strcmp(method, "Pause") == 0;
		set_speed(c, c->speed);
		announce_properties(c);
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (strcmp(method, "Pair") == 0) {
		g_variant_get(params, "(d)", &d);
		if (!number_ok(d, 1, 3600)) {
			fail(inv, "pair: expected a window of 1 s … 1 h%s", "");
			return;
		}
		if (!c->air || !run_air_gateway(c->air)) {
			fail(inv, "pair: this pump is not on the air (run it with --ble)%s", "");
			return;
		}
		bluez_gateway_open_pairing(run_air_gateway(c->air), d, "ctl");
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (strcmp(method, "Bolus") == 0) {
		g_variant_get(params, "(d)", &d);
		if (!number_ok(d, 0.0, 1000.0)) {
			fail(inv, "bolus: expected U, 0 … 1000 (the pump's limits decide)%s", "");
			return;
		}
		scenario_event ev = {
		    .kind = SCENARIO_EVENT_BOLUS, .bolus_type = PUMP_BOLUS_NORMAL, .amount = d};
		person(c, inv, &ev, "{}");
	} else if (strcmp(method, "Meal") == 0) {
		g_variant_get(params, "(d)", &d);
		if (!number_ok(d, 0.1, 1000.0)) {
			fail(inv, "meal: expected g of carbohydrate, more than 0, at most 1000%s",
			     "");
			return;
		}
		scenario_event ev = {.kind = SCENARIO_EVENT_MEAL, .amount = d};
		const char *why = NULL;
		engine_apply_now(c->e, &ev, "ctl", &why);
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (strcmp(method, "Suspend") == 0 || strcmp(method, "Resume") == 0) {
		scenario_event ev = {.kind = strcmp(method, "Suspend") == 0
		                                 ? SCENARIO_EVENT_SUSPEND
		                                 : SCENARIO_EVENT_RESUME};
		person(c, inv, &ev, "{}");
	} else if (strcmp(method, "Confirm") == 0) {
		const gchar *what = NULL;
		g_variant_get(params, "(&s)", &what);
		confirm(c, inv, what);
	} else if (strcmp(method, "Fault") == 0) {
		fault(c, inv, params);
	} else {
		g_dbus_method_invocation_return_error(
		    inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s", method);
	}
}

static GVariant *on_get(GDBusConnection *conn, const gchar *sender, const gchar *object_path,
                        const gchar *interface_name, const gchar *prop, GError **error,
                        gpointer user_data)
{
	(void)conn, (void)sender, (void)object_path, (void)interface_name;
	GVariant *v = property(user_data, prop);
	if (!v)
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s",
		            prop);
	return v;
}

static const GDBusInterfaceVTable vtable = {on_method, on_get, NULL, {0}};

static void export_on(run_ctl *c, GDBusConnection *conn)
{
	GError *err = NULL;
	if (!g_dbus_connection_register_object(conn, RUN_CTL_OBJECT_PATH, c->node->interfaces[0],
	                                       &vtable, c, NULL, &err)) {
		g_clear_error(&err);
		return;
	}
	g_ptr_array_add(c->conns, g_object_ref(conn));
}

/* A peer connected to the socket (its credentials checked): it gets the object. */
static void on_peer(GDBusConnection *conn, void *user_data)
{
	export_on(user_data, conn);
}

static void join_bus(run_ctl *c, GBusType type, GDBusConnection **out, guint *owner)
{
	GError *err = NULL;
	GDBusConnection *conn = g_bus_get_sync(type, NULL, &err);
	if (!conn) {
		g_clear_error(&err);
		return;
	}
	char bus_name[128];
	run_ctl_bus_name(c->name, bus_name, sizeof bus_name);
	export_on(c, conn);
	*owner = g_bus_own_name_on_connection(conn, bus_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
	                                      NULL, NULL, NULL, NULL);
	*out = conn;
}

static const run_sink_ops ctl_ops; /* below: rows, the radio, notices */

run_ctl *run_ctl_open(const char *name, const run_options *opt, const scenario *sc, engine *e,
                      run_sinks *sinks, run_report *rep)
{
	if (!run_ctl_name_valid(name)) {
		rep->status = RUN_BAD_INPUT;
		snprintf(rep->message, sizeof rep->message,
		         "--name: '%s' is not a pump name (1 … 40 of letters, digits, '_' and '-')",
		         name);
		return NULL;
	}
	run_ctl *c = g_new0(run_ctl, 1);
	snprintf(c->name, sizeof c->name, "%s", name);
	/* A serial of its own (DIS Serial Number): several pumps on one machine differ. */
	snprintf(c->serial, sizeof c->serial, "FP1-%06X", g_str_hash(name) & 0xFFFFFFu);
	c->e = e;
	c->sc = sc;
	c->speed = opt->speed;
	c->bg_mgdl = c->cgm_mgdl = NAN;
	c->anchor_s = pacing_now_s();
	bluez_status_init(&c->bt);
	c->conns = g_ptr_array_new_with_free_func(g_object_unref);
	if (engine_server(e))
		ble_server_set_serial_number(engine_server(e), c->serial);
	c->node = g_dbus_node_info_new_for_xml(introspection_xml, NULL);

	bool taken = false;
	c->socket =
	    run_ctl_socket_open(name, on_peer, c, &taken, rep->message, sizeof rep->message);
	if (!c->socket) {
		if (taken)
			rep->status = RUN_BAD_INPUT;
		goto failed;
	}
	if (getenv("DBUS_SESSION_BUS_ADDRESS"))
		join_bus(c, G_BUS_TYPE_SESSION, &c->session, &c->session_owner);
	if (getuid() == 0 && opt->ble)
		join_bus(c, G_BUS_TYPE_SYSTEM, &c->system, &c->system_owner);
	event_stream *es = event_stream_open_lines(on_line, c);
	if (!es || !sink_events_add(sinks, es, rep) ||
	    !run_sinks_add(sinks, RUN_SINK_EVENTS, &ctl_ops, c, false, rep))
		goto failed;
	if (!opt->quiet)
		fprintf(stderr, "fakepump: live control: fakepump ctl --pump %s (socket %s)\n",
		        name, run_ctl_socket_path_of(c->socket));
	return c;
failed:
	if (rep->status != RUN_BAD_INPUT)
		rep->status = RUN_ERROR;
	run_ctl_close(c);
	return NULL;
}

void run_ctl_window_paces(run_ctl *c)
{
	if (c)
		c->window_paces = true;
}

void run_ctl_set_air(run_ctl *c, run_air *air)
{
	if (c)
		c->air = air;
}

void run_ctl_close(run_ctl *c)
{
	if (!c)
		return;
	run_ctl_socket_close(c->socket);
	if (c->session_owner)
		g_bus_unown_name(c->session_owner);
	if (c->system_owner)
		g_bus_unown_name(c->system_owner);
	for (guint i = 0; c->conns && i < c->conns->len; i++) {
		GDBusConnection *conn = g_ptr_array_index(c->conns, i);
		if (conn != c->session && conn != c->system)
			g_dbus_connection_close_sync(conn, NULL, NULL);
	}
	if (c->conns)
		g_ptr_array_free(c->conns, TRUE);
	if (c->session)
		g_object_unref(c->session);
	if (c->system)
		g_object_unref(c->system);
	if (c->node)
		g_dbus_node_info_unref(c->node);
	g_free(c);
}

/* ---- the run's sink: rows, the radio, notices ---- */

static bool on_row(void *self, const engine_row *row, bool integrated, char *err, size_t cap)
{
	(void)integrated, (void)err, (void)cap;
	run_ctl *c = self;
	c->bg_mgdl = row->bg_mgdl;
	if (row->has_cgm)
		c->cgm_mgdl = row->cgm_mgdl;
	announce_properties(c);
	return true;
}

static void on_radio(void *self, int64_t t_min, const bluez_event *ev)
{
	(void)t_min;
	run_ctl *c = self;
	if (bluez_status_apply(&c->bt, ev))
		announce_properties(c);
}

static void on_notice(void *self, int64_t t_min, const char *type, const char *detail)
{
	(void)t_min, (void)detail;
	run_ctl *c = self;
	if (strcmp(type, "holding") == 0) {
		c->holding = true;
		c->paused = false;
		announce_properties(c);
	}
}

static void not_owned(void *self)
{
	(void)self; /* the run closes the control after its sinks (run_ctl_close) */
}

static const run_sink_ops ctl_ops = {
    .row = on_row, .radio = on_radio, .notice = on_notice, .free = not_owned};

static void serve(bluez_gateway *gw, int ms)
{
	/* bluez_gateway_poll runs the default context (ours too), with or without a gateway. */
	bluez_gateway_poll(gw, ms);
}

void run_ctl_wait(run_ctl *c, bluez_gateway *gw, const engine_row *row)
{
	for (;;) {
		if (stop_request_signal())
			return;
		if (c->paused) {
			serve(gw, 50);
			continue;
		}
		if (c->speed <= 0.0) {
			serve(gw, 0);
			return;
		}
		const double due =
		    c->anchor_s + (double)(row->t_min + 1 - c->anchor_min) * 60.0 / c->speed;
		const double left_s = due - pacing_now_s();
		if (left_s <= 0) {
			serve(gw, 0);
			return;
		}
		serve(gw, (int)fmin(50.0, ceil(left_s * 1000.0)));
	}
}
