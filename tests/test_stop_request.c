/*
 * Tests for sim/stop_request.c: the first SIGINT or SIGTERM is only noted (the run stops at
 * its next minute), the second ends the process at once with the signal's own status, the
 * window's q counts as SIGINT, and a read the signal lands in goes on (SA_RESTART). Each
 * case runs in a forked child, since signals are per process.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stop_request.h"

/* Runs fn in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
	fflush(NULL);
	const pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void first_sigint_is_noted(void)
{
	stop_request_install();
	if (stop_request_signal() != 0)
		_exit(10);
	raise(SIGINT);
	_exit(stop_request_signal() == SIGINT ? 0 : 11);
}

Test(stop_request, the_first_sigint_is_only_noted)
{
	const int status = in_child(first_sigint_is_noted);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

static void second_sigterm_ends_at_once(void)
{
	stop_request_install();
	raise(SIGTERM);
	raise(SIGTERM);
	_exit(12); /* not reached */
}

Test(stop_request, a_second_signal_ends_the_process_with_that_signal)
{
	const int status = in_child(second_sigterm_ends_at_once);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %d", status);
}

static void q_then_ctrl_c(void)
{
	stop_request_install();
	stop_request_set(SIGINT); /* the window's q */
	if (stop_request_signal() != SIGINT)
		_exit(13);
	raise(SIGINT); /* the person insists */
	_exit(14);
}

Test(stop_request, the_window_q_counts_as_sigint_and_a_ctrl_c_after_it_ends_at_once)
{
	const int status = in_child(q_then_ctrl_c);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "status %d", status);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void read_goes_on(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		_exit(20);
	stop_request_install();
	const pid_t writer = fork();
	if (writer == 0) {
		/* signal the reader while it waits, then give it the bytes */
		sleep_ms(50);
		kill(getppid(), SIGINT);
		sleep_ms(50);
		if (write(fds[1], "ok", 2) != 2)
			_exit(1);
		_exit(0);
	}
	char buf[2];
	const ssize_t got = read(fds[0], buf, 2);
	waitpid(writer, NULL, 0);
	_exit(got == 2 && memcmp(buf, "ok", 2) == 0 && stop_request_signal() == SIGINT ? 0 : 21);
}

Test(stop_request, a_read_the_signal_lands_in_goes_on)
{
	const int status = in_child(read_goes_on);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

Test(stop_request, signal_names)
{
	cr_assert_str_eq(stop_request_signal_name(SIGINT), "SIGINT");
	cr_assert_str_eq(stop_request_signal_name(SIGTERM), "SIGTERM");
}
