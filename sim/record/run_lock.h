/*
 * run_lock — tells a run that is being recorded from one whose writer is gone. While a
 * process records run N into a database file it holds an open-file-description write lock
 * (Linux F_OFD_SETLK) on one byte of that file, far past anything SQLite touches; the
 * kernel drops it when the process ends, however it ends (kill -9 included). A reader
 * that finds the byte unlocked knows the run's writer is dead: the run is incomplete.
 *
 * Why OFD locks and not classic POSIX ones: a process loses all its POSIX locks on a file
 * when it closes any descriptor of it, so SQLite's and ours would release each other; an
 * OFD lock belongs to its own descriptor only (fcntl(2), "Open file description locks").
 *
 * Must never: touch the bytes SQLite locks (1 GiB + 0 … 511, https://sqlite.org/lockingv3.html),
 * block, or create a file.
 */
#ifndef FAKEPUMP_RUN_LOCK_H
#define FAKEPUMP_RUN_LOCK_H

#include <stdbool.h>
#include <stdint.h>

/* A descriptor of the database file for locks only (O_CLOEXEC); -1 when it cannot be
 * opened (e.g. ":memory:"). `for_writing` opens it read-write (needed to hold a lock). */
int run_lock_open(const char *db_path, bool for_writing);
/* Closes it, dropping its locks. -1 is fine. Close it only after SQLite's own connection
 * to the file is closed (closing a descriptor drops the process's POSIX locks too). */
void run_lock_close(int fd);

/* Take (or drop) run `run_id`'s lock on `fd`. False when the file system refuses. */
bool run_lock_take(int fd, int64_t run_id);
void run_lock_drop(int fd, int64_t run_id);

typedef enum run_lock_state {
	RUN_LOCK_UNKNOWN = -1, /* cannot tell (no descriptor, locks not supported) */
	RUN_LOCK_FREE = 0,     /* nobody records run_id: its writer is gone */
	RUN_LOCK_HELD = 1,     /* another descriptor, alive, records it */
} run_lock_state;

run_lock_state run_lock_probe(int fd, int64_t run_id);

#endif
