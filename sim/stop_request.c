/*
 * stop_request — see stop_request.h. The flag is a sig_atomic_t written only by the
 * handler (and by stop_request_set outside of it); the second signal restores the default
 * action and raises again, so the exit status is the signal's own (130 for SIGINT in a shell).
 */
#include "stop_request.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

static volatile sig_atomic_t requested;
static struct sigaction old_int, old_term;
static bool installed;

static void on_signal(int sig)
{
	if (requested) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	requested = sig;
}

void stop_request_install(void)
{
	/* SA_RESTART: a read or write the signal lands in goes on (a scenario being loaded, a
	 * report being written); the sleeps and polls of the run loop still wake up. */
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, installed ? NULL : &old_int);
	sigaction(SIGTERM, &sa, installed ? NULL : &old_term);
	installed = true;
}

void stop_request_restore(void)
{
	if (!installed)
		return;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	installed = false;
}

int stop_request_signal(void)
{
	return requested;
}

void stop_request_set(int sig)
{
	if (!requested)
		requested = sig;
}

const char *stop_request_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}
