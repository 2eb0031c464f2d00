/*
 * run_ctl_socket — see run_ctl_socket.h.
 */
#include "run_ctl_socket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_ctl.h"

struct run_ctl_socket {
	char path[256];
	run_ctl_peer_fn on_peer;
	void *user_data;
	GDBusNodeInfo *bus_stub;
	GDBusAuthObserver *observer;
	GDBusServer *server;
	unsigned peers; /* connections so far: their Hello names */
};

/* What a bus client says first (Hello) and to get signals (AddMatch), answered on the
 * peer-to-peer socket too, so that bus-minded clients (gdbus call --address, Python's
 * dbus-next or jeepney) work on it unchanged. */
static const char bus_stub_xml[] =
    "<node>"
    " <interface name='org.freedesktop.DBus'>"
    "  <method name='Hello'><arg type='s' name='name' direction='out'/></method>"
    "  <method name='AddMatch'><arg type='s' name='rule' direction='in'/></method>"
    "  <method name='RemoveMatch'><arg type='s' name='rule' direction='in'/></method>"
    " </interface>"
    "</node>";

/* ---- names and places ---- */

bool run_ctl_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > RUN_CTL_NAME_MAX || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

void run_ctl_socket_dir(char *buf, size_t cap)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	const char *forced = getenv("FAKEPUMP_CTL_DIR"); /* tests, containers */
	if (forced && forced[0] == '/')
		snprintf(buf, cap, "%s", forced);
	else if (getuid() == 0)
		snprintf(buf, cap, "/run/fakepump");
	else if (rt && rt[0] == '/')
		snprintf(buf, cap, "%s/fakepump", rt);
	else
		snprintf(buf, cap, "/tmp/fakepump-%u", (unsigned)getuid());
}

void run_ctl_socket_path(const char *name, char *buf, size_t cap)
{
	char dir[200];
	run_ctl_socket_dir(dir, sizeof dir);
	snprintf(buf, cap, "%s/%s", dir, name);
}

void run_ctl_bus_name(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, RUN_CTL_BUS_PREFIX "%s%s", g_ascii_isdigit(name[0]) ? "_" : "", name);
	for (char *p = buf + strlen(RUN_CTL_BUS_PREFIX); *p; p++)
		if (*p == '-')
			*p = '_';
}

void run_ctl_default_name(const char *scenario_name, char *buf, size_t cap)
{
	size_t w = 0;
	for (const char *p = scenario_name ? scenario_name : "";
	     *p && w + 1 < cap && w < RUN_CTL_NAME_MAX; p++)
		buf[w++] = g_ascii_isalnum(*p) || *p == '_' || *p == '-' ? *p : '-';
	buf[w] = '\0';
	if (w == 0 || buf[0] == '-')
		snprintf(buf, cap, "pump");
	char base[RUN_CTL_NAME_MAX - 3];
	snprintf(base, sizeof base, "%s", buf);
	for (int i = 2; i < 100 && run_ctl_name_taken(buf); i++)
		snprintf(buf, cap, "%s-%d", base, i);
}

/* Only the pump's own user, or root (the socket's folder is 0700 as well). */
static gboolean authorize(GDBusAuthObserver *observer, GIOStream *stream, GCredentials *creds,
                          gpointer user_data)
{
	(void)observer, (void)stream, (void)user_data;
	if (!creds)
		return FALSE;
	GError *err = NULL;
	const uid_t uid = g_credentials_get_unix_user(creds, &err);
	g_clear_error(&err);
	return uid != (uid_t)-1 && (uid == getuid() || uid == 0);
}

static void on_bus_stub(GDBusConnection *conn, const gchar *sender, const gchar *object_path,
                        const gchar *interface_name, const gchar *method, GVariant *params,
                        GDBusMethodInvocation *inv, gpointer user_data)
{
	(void)conn, (void)sender, (void)object_path, (void)interface_name, (void)params;
	run_ctl_socket *s = user_data;
	if (strcmp(method, "Hello") == 0) {
		char name[32];
		snprintf(name, sizeof name, ":1.%u", ++s->peers);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", name));
	} else {
		g_dbus_method_invocation_return_value(inv,
		                                      NULL); /* every signal goes to every peer */
	}
}

static const GDBusInterfaceVTable bus_stub_vtable = {on_bus_stub, NULL, NULL, {0}};

static gboolean on_new_connection(GDBusServer *server, GDBusConnection *conn, gpointer user_data)
{
	(void)server;
	run_ctl_socket *s = user_data;
	g_dbus_connection_register_object(conn, "/org/freedesktop/DBus", s->bus_stub->interfaces[0],
	                                  &bus_stub_vtable, s, NULL, NULL);
	s->on_peer(conn, s->user_data);
	return TRUE;
}

/* A socket left by a pump that died (kill -9): nobody answers it. */
static bool socket_alive(const char *path);

bool run_ctl_name_taken(const char *name)
{
	char path[256];
	run_ctl_socket_path(name, path, sizeof path);
	return access(path, F_OK) == 0 && socket_alive(path);
}

static bool socket_alive(const char *path)
{
	g_autofree char *addr = g_strdup_printf("unix:path=%s", path);
	GError *err = NULL;
	GDBusConnection *conn = g_dbus_connection_new_for_address_sync(
	    addr, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &err);
	g_clear_error(&err);
	if (!conn)
		return false;
	g_dbus_connection_close_sync(conn, NULL, NULL);
	g_object_unref(conn);
	return true;
}

/* The peer-to-peer server on c->path, for this user only. */
static bool listen_on(run_ctl_socket *c, char *msg, size_t cap)
{
	g_autofree char *addr = g_strdup_printf("unix:path=%s", c->path);
	g_autofree char *guid = g_dbus_generate_guid();
	c->observer = g_dbus_auth_observer_new();
	g_signal_connect(c->observer, "authorize-authenticated-peer", G_CALLBACK(authorize), c);
	GError *err = NULL;
	c->server =
	    g_dbus_server_new_sync(addr, G_DBUS_SERVER_FLAGS_NONE, guid, c->observer, NULL, &err);
	if (!c->server) {
		snprintf(msg, cap, "live control: cannot listen on %s: %s", c->path,
		         err ? err->message : "?");
		g_clear_error(&err);
		return false;
	}
	chmod(c->path, 0600);
	g_signal_connect(c->server, "new-connection", G_CALLBACK(on_new_connection), c);
	g_dbus_server_start(c->server);
	return true;
}

run_ctl_socket *run_ctl_socket_open(const char *name, run_ctl_peer_fn on_peer, void *user_data,
                                    bool *taken, char *err, size_t cap)
{
	*taken = false;
	run_ctl_socket *c = g_new0(run_ctl_socket, 1);
	c->on_peer = on_peer;
	c->user_data = user_data;
	c->bus_stub = g_dbus_node_info_new_for_xml(bus_stub_xml, NULL);
	char dir[200];
	run_ctl_socket_dir(dir, sizeof dir);
	run_ctl_socket_path(name, c->path, sizeof c->path);
	struct stat sb;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, cap, "live control: cannot create %s: %s", dir, strerror(errno));
		goto failed;
	}
	if (stat(dir, &sb) != 0 || sb.st_uid != getuid() || (sb.st_mode & 0077)) {
		snprintf(
		    err, cap,
		    "live control: %s must be a folder of this user that nobody else may enter "
		    "(mode 0700)",
		    dir);
		goto failed;
	}
	if (access(c->path, F_OK) == 0) {
		if (socket_alive(c->path)) {
			*taken = true;
			snprintf(err, cap,
			         "a pump named '%s' is already running (%s): give this one another "
			         "--name",
			         name, c->path);
			goto failed;
		}
		unlink(c->path); /* left by a pump that died */
	}
	if (!listen_on(c, err, cap))
		goto failed;
	return c;
failed:
	run_ctl_socket_close(c);
	return NULL;
}

void run_ctl_socket_close(run_ctl_socket *c)
{
	if (!c)
		return;
	if (c->server) {
		g_dbus_server_stop(c->server);
		g_object_unref(c->server);
		unlink(c->path);
	}
	if (c->observer)
		g_object_unref(c->observer);
	if (c->bus_stub)
		g_dbus_node_info_unref(c->bus_stub);
	g_free(c);
}

const char *run_ctl_socket_path_of(const run_ctl_socket *s)
{
	return s->path;
}
