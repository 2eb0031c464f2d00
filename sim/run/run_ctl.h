/*
 * run_ctl — a running pump's live control (docs/qa-guide.md): the D-Bus object
 * /org/fakepump/Pump, interface org.fakepump.Pump1 (GIO GDBus), that `fakepump ctl` and a
 * test rig call to drive the pump while a phone app is connected — the person at the pump
 * (bolus, meal, suspend, resume, confirm), the run's pace (speed, pause), the pairing key,
 * and faults on cue. Its properties are the pump's screen; its Event signal carries every
 * line of the event stream (docs/events.md).
 *
 * Where it is reachable: always on a private peer-to-peer socket,
 * $XDG_RUNTIME_DIR/fakepump/NAME (or /run/fakepump/NAME as root; /tmp/fakepump-UID/NAME
 * when neither; $FAKEPUMP_CTL_DIR/NAME when that is set), in a directory only its user can enter,
 * and only a peer of the same user (or root) is let in (credentials checked on every connection);
 * also on the session bus as org.fakepump.Pump.NAME when there is one, and on the system bus as
 * root (policy file tools/dbus/org.fakepump.Pump.conf, installed by `make install-dbus-policy`).
 *
 * Threads: none of its own. Method calls are dispatched by the default GMainContext, which
 * the run iterates only between minutes (pacing, the window, --hold): every call reaches
 * the engine through its between-minutes API (engine_apply_now, engine_confirm_annunciation)
 * on the run's thread, and is answered after it was applied.
 *
 * Must never: let another user in, change a hard limit or an authority rule (faults and the
 * person's commands go through the pump's own rules), or stop a run because a bus is
 * missing (one notice; the socket is enough).
 */
#ifndef FAKEPUMP_RUN_CTL_H
#define FAKEPUMP_RUN_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "bluez_gateway.h"
#include "engine.h"
#include "run.h"
#include "run_air.h"
#include "run_sink.h"

#define RUN_CTL_OBJECT_PATH "/org/fakepump/Pump"
#define RUN_CTL_INTERFACE "org.fakepump.Pump1"
#define RUN_CTL_BUS_PREFIX "org.fakepump.Pump."

enum { RUN_CTL_NAME_MAX = 40 };

/* A pump name: 1 … 40 of [A-Za-z0-9_-], not starting with '-'. */
bool run_ctl_name_valid(const char *name);
/* The folder of the control sockets for this user (see above), without a trailing slash. */
void run_ctl_socket_dir(char *buf, size_t cap);
/* The socket of pump `name`. */
void run_ctl_socket_path(const char *name, char *buf, size_t cap);
/* The pump's name on a bus: org.fakepump.Pump.NAME with '-' as '_'. */
void run_ctl_bus_name(const char *name, char *buf, size_t cap);
/* A run's default pump name: the scenario's name, made valid (other characters as '-'),
 * with "-2", "-3" … when a running pump has it already (two runs of one scenario at once
 * both get a control; a --name given twice is refused instead). */
void run_ctl_default_name(const char *scenario_name, char *buf, size_t cap);
/* Whether a running pump answers on the socket of `name`. */
bool run_ctl_name_taken(const char *name);

typedef struct run_ctl run_ctl;

/*
 * Start the live control of pump `name`: the socket (a name another running pump has is
 * refused: NULL with rep's status RUN_BAD_INPUT and its message), the buses when there
 * are, and its sinks in `sinks` (the Event signal; rows, radio and notices for the
 * properties). The engine must outlive it; close it after the sinks are finished.
 */
run_ctl *run_ctl_open(const char *name, const run_options *opt, const scenario *sc, engine *e,
                      run_sinks *sinks, run_report *rep);
/* The run's radio (for pair and the Bluetooth properties); NULL: not on the air. */
void run_ctl_set_air(run_ctl *c, run_air *air);
/* The run has a window, whose keys pace it: speed, pause and continue are refused. */
void run_ctl_window_paces(run_ctl *c);
/* Close the socket (removed) and leave the buses. NULL is fine. */
void run_ctl_close(run_ctl *c);

/*
 * Pace a headless run: wait until minute row->t_min + 1 is due at the speed in force
 * (opt->speed until `ctl speed` changes it; 0 = as fast as possible), or while paused,
 * serving D-Bus (and the gateway `gw`, may be NULL) meanwhile. Returns early on a stop
 * request.
 */
void run_ctl_wait(run_ctl *c, bluez_gateway *gw, const engine_row *row);

#endif
