/*
 * A disk profile for the benchmark: loaded with LD_PRELOAD, it makes every fsync, fdatasync,
 * syncfs and msync(MS_SYNC) of the process wait TURNLOG_SYNC_DELAY_US microseconds before the
 * real call, as a sync on cloud block storage (1-10 ms) would, while this machine's local disk
 * syncs in ~0.1 ms. Only the calling thread waits, as with a real slow disk; the data still
 * reaches the disk through the real call. Built from this file at benchmark time
 * (bench/sync-delay.ts), never shipped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long delay_us(void) {
  static long us = -1;
  if (us < 0) {
    const char *s = getenv("TURNLOG_SYNC_DELAY_US");
    long v = s == NULL ? 0 : strtol(s, NULL, 10);
    us = v > 0 ? v : 0;
  }
  return us;
}

/* Sleeps the whole delay even when a signal interrupts it; leaves errno as it was. */
static void slow_disk(void) {
  long us = delay_us();
  if (us == 0) return;
  int saved = errno;
  struct timespec left = { us / 1000000L, (us % 1000000L) * 1000L };
  while (nanosleep(&left, &left) == -1 && errno == EINTR) {
  }
  errno = saved;
}

typedef int (*fd_call)(int);
typedef int (*msync_call)(void *, size_t, int);

#define REAL(name, type) \
  static type real_##name; \
  if (real_##name == NULL) real_##name = (type)dlsym(RTLD_NEXT, #name)

int fsync(int fd) {
  REAL(fsync, fd_call);
  slow_disk();
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync, fd_call);
  slow_disk();
  return real_fdatasync(fd);
}

int syncfs(int fd) {
  REAL(syncfs, fd_call);
  slow_disk();
  return real_syncfs(fd);
}

int msync(void *addr, size_t length, int flags) {
  REAL(msync, msync_call);
  if (flags & MS_SYNC) slow_disk();
  return real_msync(addr, length, flags);
}
