/*
 * stop_request — how a run is asked to stop before its end: SIGINT (Ctrl-C), SIGTERM (what
 * a CI job's timeout sends) or the window's `q`. The first request is only noted; the run
 * stops at the next minute boundary and leaves every output complete up to there
 * (run_sink.h). A second SIGINT or SIGTERM ends the process at once, the way it would have
 * ended without us (the signal's default action): a person who presses Ctrl-C twice means it.
 *
 * One per process (signals are). Must never: do more in the handler than set a flag or
 * re-raise.
 */
#ifndef FAKEPUMP_STOP_REQUEST_H
#define FAKEPUMP_STOP_REQUEST_H

/* Catch SIGINT and SIGTERM from now on; restore puts the previous handlers back. A request
 * made before (a forked child that got its runner's signal early) is kept. */
void stop_request_install(void);
void stop_request_restore(void);

/* 0 while nobody asked; else the signal that asked (SIGINT for the window's q). */
int stop_request_signal(void);

/* Ask from inside the process (the window's q counts as SIGINT). */
void stop_request_set(int sig);

/* "SIGINT", "SIGTERM", … */
const char *stop_request_signal_name(int sig);

#endif
