/*
 * run_lock — see run_lock.h. One byte per run at 2^62 + run_id: byte-range locks may lie
 * past the end of a file, and this range is far from SQLite's lock bytes at 2^30.
 */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK (Linux 3.15, glibc 2.20) */
#include "run_lock.h"

#include <fcntl.h>
#include <unistd.h>

static off_t lock_offset(int64_t run_id)
{
	return ((off_t)1 << 62) + (off_t)run_id;
}

int run_lock_open(const char *db_path, bool for_writing)
{
	if (!db_path || !*db_path || db_path[0] == ':')
		return -1;
	return open(db_path, (for_writing ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
}

void run_lock_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int set_lock(int fd, int64_t run_id, short type)
{
	struct flock fl = {.l_type = type,
	                   .l_whence = SEEK_SET,
	                   .l_start = lock_offset(run_id),
	                   .l_len = 1,
	                   .l_pid = 0};
	return fcntl(fd, F_OFD_SETLK, &fl);
}

bool run_lock_take(int fd, int64_t run_id)
{
	return fd >= 0 && run_id > 0 && set_lock(fd, run_id, F_WRLCK) == 0;
}

void run_lock_drop(int fd, int64_t run_id)
{
	if (fd >= 0 && run_id > 0)
		(void)set_lock(fd, run_id, F_UNLCK);
}

run_lock_state run_lock_probe(int fd, int64_t run_id)
{
	if (fd < 0 || run_id <= 0)
		return RUN_LOCK_UNKNOWN;
	struct flock fl = {.l_type = F_WRLCK,
	                   .l_whence = SEEK_SET,
	                   .l_start = lock_offset(run_id),
	                   .l_len = 1,
	                   .l_pid = 0};
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return RUN_LOCK_UNKNOWN;
	return fl.l_type == F_UNLCK ? RUN_LOCK_FREE : RUN_LOCK_HELD;
}
