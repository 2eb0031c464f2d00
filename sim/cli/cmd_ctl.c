/*
 * cmd_ctl — `fakepump ctl`: drive a running pump from a shell or a test rig, a thin client
 * of its D-Bus interface org.fakepump.Pump1 (run_ctl.h; docs/qa-guide.md). It talks to the
 * pump's private peer-to-peer socket, so it needs no bus; a Python rig may call the same
 * methods (docs/qa-guide.md has the recipe).
 *
 * Exit status: 0 done, 1 the pump refused (its answer is printed), 2 bad input (said why),
 * 3 no such pump running. Must never: guess which pump is meant when several run.
 */
#include <dirent.h>
#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "fault_spec.h"
#include "run_ctl.h"

enum { CTL_EXIT_REFUSED = 1, CTL_EXIT_NO_PUMP = 3, GO_ON_CTL = -1 };

static const char ctl_usage[] =
    "usage: fakepump ctl [--pump NAME] COMMAND [ARGS]\n"
    "\n"
    "Drive a running pump (fakepump run … --name NAME; a run with --hold, --ble, --speed or\n"
    "a window has a live control). --pump may be left out when one pump runs.\n"
    "\n"
    "  list                   the running pumps (name, serial, simulated time)\n"
    "  status                 the pump's state as one JSON object\n"
    "  events                 follow the event stream live, JSON lines (docs/events.md)\n"
    "  speed N|max|pause|continue\n"
    "                         the run's pace (N times real time; max: as fast as possible)\n"
    "  pair [DURATION]        open the pairing window (default 2m of wall-clock time)\n"
    "  bolus U                the person at the pump programs a bolus of U units\n"
    "  meal G                 the person eats G grams of carbohydrate (announced)\n"
    "  suspend | resume       the person suspends or resumes delivery\n"
    "  confirm ANNUNCIATION   confirm an annunciation: its id, its type, or all\n"
    "  fault KIND [KEY=VALUE …]\n"
    "                         inject a fault (recorded with source ctl); fault clear [KIND]\n"
    "                         ends the phone faults. Kinds:\n"
    "                         pump: occlusion [missed=U], occlusion_cleared,\n"
    "                           battery_drain [drain=%/h], reservoir_empty, reservoir_low,\n"
    "                           battery_low, battery_dead, bolus_interrupted,\n"
    "                           annunciation_burst [count=N]\n"
    "                         radio: disconnect, stop_advertising [for=D],\n"
    "                           refuse_connections [for=D], drop_notifications [nth=N]\n"
    "                           [for=D], delay [ms=MS] [for=D], mtu_23 [for=D]\n"
    "                         protocol: no_response, wrong_opcode, wrong_code, bad_crc,\n"
    "                           counter_jump [by=N], history_out_of_order,\n"
    "                           history_duplicate (each: the next one, or every one\n"
    "                           [for=D]), cgm_sensor_malfunction [for=D],\n"
    "                           cgm_calibration_required [for=D], time_jump [by=MIN]\n"
    "                         D is simulated time (10m, 2h); docs/qa-guide.md 'Faults'\n"
    "\n"
    "Exit status: 0 done, 1 the pump refused (its answer is printed), 2 bad input,\n"
    "3 no such pump running.\n";

static int bad(const char *fmt, const char *a)
{
	fprintf(stderr, "fakepump ctl: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return CLI_EXIT_BAD_INPUT;
}

static GDBusConnection *connect_to(const char *name, bool quiet)
{
	char path[256];
	run_ctl_socket_path(name, path, sizeof path);
	g_autofree char *addr = g_strdup_printf("unix:path=%s", path);
	GError *err = NULL;
	GDBusConnection *conn = g_dbus_connection_new_for_address_sync(
	    addr, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &err);
	if (!conn && !quiet && access(path, F_OK) == 0)
		fprintf(
		    stderr,
		    "fakepump ctl: pump '%s' cannot be reached (%s: %s); only the user who runs "
		    "it, or root, may control it\n",
		    name, path, err ? err->message : "?");
	else if (!conn && !quiet)
		fprintf(stderr, "fakepump ctl: no pump named '%s' is running (%s: %s)\n", name,
		        path, err ? err->message : "?");
	g_clear_error(&err);
	return conn;
}

static GVariant *call(GDBusConnection *conn, const char *method, GVariant *args, GError **err)
{
	return g_dbus_connection_call_sync(conn, NULL, RUN_CTL_OBJECT_PATH, RUN_CTL_INTERFACE,
	                                   method, args, NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
	                                   err);
}

static GVariant *get_prop(GDBusConnection *conn, const char *prop)
{
	GVariant *r = g_dbus_connection_call_sync(
	    conn, NULL, RUN_CTL_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get",
	    g_variant_new("(ss)", RUN_CTL_INTERFACE, prop), G_VARIANT_TYPE("(v)"),
	    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	if (!r)
		return NULL;
	GVariant *v = NULL;
	g_variant_get(r, "(v)", &v);
	g_variant_unref(r);
	return v;
}

/* The pumps whose socket answers, into names[cap]; how many. */
static size_t running(char names[][RUN_CTL_NAME_MAX + 1], size_t cap)
{
	char dir[200];
	run_ctl_socket_dir(dir, sizeof dir);
	DIR *d = opendir(dir);
	size_t n = 0;
	for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
		if (!run_ctl_name_valid(de->d_name) || n == cap)
			continue;
		GDBusConnection *conn = connect_to(de->d_name, true);
		if (!conn)
			continue;
		snprintf(names[n++], RUN_CTL_NAME_MAX + 1, "%.40s", de->d_name);
		g_dbus_connection_close_sync(conn, NULL, NULL);
		g_object_unref(conn);
	}
	if (d)
		closedir(d);
	return n;
}

static int list(void)
{
	char names[64][RUN_CTL_NAME_MAX + 1];
	const size_t n = running(names, 64);
	for (size_t i = 0; i < n; i++) {
		GDBusConnection *conn = connect_to(names[i], true);
		if (!conn)
			continue;
		GVariant *serial = get_prop(conn, "Serial");
		GVariant *clk = get_prop(conn, "Clock");
		printf("%s\t%s\t%s\n", names[i], serial ? g_variant_get_string(serial, NULL) : "?",
		       clk ? g_variant_get_string(clk, NULL) : "?");
		if (serial)
			g_variant_unref(serial);
		if (clk)
			g_variant_unref(clk);
		g_dbus_connection_close_sync(conn, NULL, NULL);
		g_object_unref(conn);
	}
	return CLI_EXIT_OK;
}

/* ---- events ---- */

static void on_event(GDBusConnection *conn, const gchar *sender, const gchar *path,
                     const gchar *iface, const gchar *signal, GVariant *params, gpointer loop)
{
	(void)conn, (void)sender, (void)path, (void)iface, (void)signal;
	const gchar *type = NULL, *json = NULL;
	g_variant_get(params, "(&s&s)", &type, &json);
	printf("%s\n", json);
	fflush(stdout);
	if (strcmp(type, "run_ended") == 0)
		g_main_loop_quit(loop);
}

static void on_closed(GDBusConnection *conn, gboolean remote, GError *err, gpointer loop)
{
	(void)conn, (void)remote, (void)err;
	g_main_loop_quit(loop);
}

static int follow(GDBusConnection *conn)
{
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	g_dbus_connection_signal_subscribe(conn, NULL, RUN_CTL_INTERFACE, "Event",
	                                   RUN_CTL_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
	                                   on_event, loop, NULL);
	g_signal_connect(conn, "closed", G_CALLBACK(on_closed), loop);
	g_main_loop_run(loop);
	g_main_loop_unref(loop);
	return CLI_EXIT_OK;
}

/* ---- one command ---- */

static bool number(const char *text, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	const double v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* The request for COMMAND ARGS, or an exit status (bad input said why). */
static int request(int argc, char **argv, const char **method, GVariant **args)
{
	const char *cmd = argv[0];
	double v = 0;
	*args = NULL;
	const bool none = argc == 1;
	if (strcmp(cmd, "status") == 0 && none) {
		*method = "Status";
	} else if (strcmp(cmd, "speed") == 0 && argc == 2) {
		if (strcmp(argv[1], "pause") == 0) {
			*method = "Pause";
		} else if (strcmp(argv[1], "continue") == 0) {
			*method = "Continue";
		} else {
			if (strcmp(argv[1], "max") == 0)
				v = 0;
			else if (!number(argv[1], 1e-6, 100000, &v))
				return bad(
				    "speed: expected a positive number (times real time), max, "
				    "pause or continue, got '%s'",
				    argv[1]);
			*method = "SetSpeed";
			*args = g_variant_new("(d)", v);
		}
	} else if (strcmp(cmd, "pair") == 0 && argc <= 2) {
		int64_t s = 120;
		if (argc == 2 && duration_parse(argv[1], 1, 3600, &s) != DURATION_PARSED)
			return bad(
			    "pair: expected a duration of wall-clock time up to 1h (90s, 2m), "
			    "got '%s'",
			    argv[1]);
		*method = "Pair";
		*args = g_variant_new("(d)", (double)s);
	} else if (strcmp(cmd, "bolus") == 0 && argc == 2) {
		if (!number(argv[1], 0, 1000, &v))
			return bad(
			    "bolus: expected units, 0 … 1000 (the pump's limits decide), got '%s'",
			    argv[1]);
		*method = "Bolus";
		*args = g_variant_new("(d)", v);
	} else if (strcmp(cmd, "meal") == 0 && argc == 2) {
		if (!number(argv[1], 0.1, 1000, &v))
			return bad(
			    "meal: expected grams of carbohydrate, more than 0, at most 1000, got "
			    "'%s'",
			    argv[1]);
		*method = "Meal";
		*args = g_variant_new("(d)", v);
	} else if ((strcmp(cmd, "suspend") == 0 || strcmp(cmd, "resume") == 0) && none) {
		*method = strcmp(cmd, "suspend") == 0 ? "Suspend" : "Resume";
	} else if (strcmp(cmd, "confirm") == 0 && argc == 2) {
		*method = "Confirm";
		*args = g_variant_new("(s)", argv[1]);
	} else if (strcmp(cmd, "fault") == 0 && argc >= 2) {
		/* Checked here too, so that a typo is exit 2 without a pump. */
		fault_spec s;
		char err[300];
		if (!fault_spec_parse((const char *const *)argv + 1, (size_t)argc - 1, &s, err,
		                      sizeof err))
			return bad("fault %s", err);
		*method = "Fault";
		*args = g_variant_new("(^as)", argv + 1);
	} else {
		static const char *const known[] = {"status",  "speed",  "pair",    "bolus", "meal",
		                                    "suspend", "resume", "confirm", "fault", NULL};
		for (size_t i = 0; known[i]; i++)
			if (strcmp(cmd, known[i]) == 0)
				return bad("%s: wrong arguments (fakepump ctl --help)", cmd);
		return bad("unknown command '%s' (fakepump ctl --help)", cmd);
	}
	return GO_ON_CTL;
}

static int ctl_command(const char *name, int argc, char **argv);

/* Which pump: --pump, else the only one running. NULL with *status set. */
static GDBusConnection *pick(const char *name, int *status)
{
	if (name) {
		GDBusConnection *conn = connect_to(name, false);
		*status = conn ? CLI_EXIT_OK : CTL_EXIT_NO_PUMP;
		return conn;
	}
	char names[2][RUN_CTL_NAME_MAX + 1];
	const size_t n = running(names, 2);
	if (n == 0) {
		fprintf(stderr,
		        "fakepump ctl: no pump is running (start one with fakepump run FILE "
		        "--hold --name NAME)\n");
		*status = CTL_EXIT_NO_PUMP;
		return NULL;
	}
	if (n > 1) {
		fprintf(stderr,
		        "fakepump ctl: several pumps are running: say which with --pump NAME "
		        "(fakepump ctl list)\n");
		*status = CLI_EXIT_BAD_INPUT;
		return NULL;
	}
	return pick(names[0], status);
}

int cmd_ctl(int argc, char **argv)
{
	/* --pump NAME and --help anywhere (before or after the command); the rest in order. */
	const char *name = NULL;
	char **rest = g_new0(char *, (size_t)argc + 1);
	int n = 0;
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(ctl_usage, stdout);
			g_free(rest);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[k], "--pump") == 0 && k + 1 < argc) {
			name = argv[++k];
		} else if (strncmp(argv[k], "--pump=", 7) == 0) {
			name = argv[k] + 7;
		} else if (argv[k][0] == '-' && argv[k][1] == '-') {
			fprintf(stderr, "fakepump ctl: unknown option '%s' (fakepump ctl --help)\n",
			        argv[k]);
			g_free(rest);
			return CLI_EXIT_BAD_INPUT;
		} else {
			rest[n++] = argv[k];
		}
	}
	const int status = ctl_command(name, n, rest);
	g_free(rest);
	return status;
}

/* COMMAND ARGS (argv[0 … argc)) for pump `name` (NULL: the only one running). */
static int ctl_command(const char *name, int argc, char **argv)
{
	int i = 0;
	if (name && !run_ctl_name_valid(name))
		return bad("--pump: '%s' is not a pump name (letters, digits, '_', '-')", name);
	if (argc == 0) {
		fputs(ctl_usage, stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	if (strcmp(argv[i], "list") == 0 && i + 1 == argc)
		return list();
	const char *method = NULL;
	GVariant *args = NULL;
	const bool events = strcmp(argv[i], "events") == 0 && i + 1 == argc;
	if (!events) {
		const int st = request(argc - i, argv + i, &method, &args);
		if (st != GO_ON_CTL)
			return st;
	}
	int status = CLI_EXIT_OK;
	GDBusConnection *conn = pick(name, &status);
	if (!conn) {
		if (args)
			g_variant_unref(g_variant_ref_sink(args));
		return status;
	}
	if (events) {
		status = follow(conn);
		g_object_unref(conn);
		return status;
	}
	GError *err = NULL;
	GVariant *r = call(conn, method, args, &err);
	if (!r) {
		const bool invalid = g_error_matches(err, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
		if (err)
			g_dbus_error_strip_remote_error(err);
		fprintf(stderr, "fakepump ctl: %s: %s\n", argv[i], err ? err->message : "?");
		g_clear_error(&err);
		g_object_unref(conn);
		return invalid ? CLI_EXIT_BAD_INPUT : CTL_EXIT_NO_PUMP;
	}
	if (g_variant_is_of_type(r, G_VARIANT_TYPE("(s)"))) {
		const gchar *json = NULL;
		g_variant_get(r, "(&s)", &json);
		printf("%s\n", json);
		/* The pump's answer to a command: a refusal is exit 1 (its reason is printed). */
		if (strstr(json, "\"type\":\"command\"") && !strstr(json, "\"result\":\"ok\""))
			status = CTL_EXIT_REFUSED;
	}
	g_variant_unref(r);
	g_dbus_connection_close_sync(conn, NULL, NULL);
	g_object_unref(conn);
	return status;
}
