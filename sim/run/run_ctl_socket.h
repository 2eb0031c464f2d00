/*
 * run_ctl_socket — where a live control is reached (run_ctl.h): the pump names, the folder
 * of the sockets, and the private peer-to-peer D-Bus server of one pump — in a 0700 folder
 * of its user, the socket 0600, the credentials of every connection checked (the same
 * user, or root), a socket left by a pump that died replaced, one that answers refused.
 * It also answers what a bus client says first (Hello, AddMatch), so that bus-minded
 * clients (gdbus, dbus-next, jeepney) work on it unchanged.
 *
 * Must never: let another user in, or take over the socket of a pump that runs.
 * Private to sim/run/.
 */
#ifndef FAKEPUMP_RUN_CTL_SOCKET_H
#define FAKEPUMP_RUN_CTL_SOCKET_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct run_ctl_socket run_ctl_socket;

/* A peer is connected and let in: export what it may call on `conn` (borrowed). */
typedef void (*run_ctl_peer_fn)(GDBusConnection *conn, void *user_data);

/*
 * Listen on the socket of pump `name` (run_ctl_socket_path). NULL with err[cap] set when it
 * cannot; *taken is true when a running pump has the name.
 */
run_ctl_socket *run_ctl_socket_open(const char *name, run_ctl_peer_fn on_peer, void *user_data,
                                    bool *taken, char *err, size_t cap);
/* Stop listening, remove the socket, free. NULL is fine. */
void run_ctl_socket_close(run_ctl_socket *s);
const char *run_ctl_socket_path_of(const run_ctl_socket *s);

#endif
