/*
 * A disk profile for the benchmark: loaded with LD_PRELOAD, it makes every fsync, fdatasync,
 * syncfs and msync(MS_SYNC) of the process wait TURNLOG_SYNC_DELAY_US microseconds before the
 * real call, as a sync on cloud block storage (1-10 ms) would, while this machine's local disk
 * syncs in ~0.1 ms. A write to a file opened with O_DSYNC or O_SYNC is a sync too (LMDB writes
 * its meta page that way after syncing the data pages): it waits the same. Only the calling thread waits, as with a real slow disk; the data still
 * reaches the disk through the real call. Built from this file at benchmark time
 * (bench/sync-delay.ts), never shipped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/uio.h>
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

/* Descriptors opened for synchronous writes (O_DSYNC; O_SYNC includes it on Linux). */
#define MAX_FD 65536
static volatile unsigned char sync_fd[MAX_FD];

static int track(int fd, int flags) {
  if (fd >= 0 && fd < MAX_FD) sync_fd[fd] = (flags & O_DSYNC) == O_DSYNC;
  return fd;
}

static void slow_if_sync(int fd) {
  if (fd >= 0 && fd < MAX_FD && sync_fd[fd]) slow_disk();
}

typedef int (*open_call)(const char *, int, ...);
typedef int (*openat_call)(int, const char *, int, ...);

static mode_t mode_of(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

#define OPEN(name) \
  int name(const char *path, int flags, ...) { \
    REAL(name, open_call); \
    va_list ap; \
    va_start(ap, flags); \
    mode_t mode = mode_of(flags, ap); \
    va_end(ap); \
    return track(real_##name(path, flags, mode), flags); \
  }
OPEN(open)
OPEN(open64)

#define OPENAT(name) \
  int name(int dir, const char *path, int flags, ...) { \
    REAL(name, openat_call); \
    va_list ap; \
    va_start(ap, flags); \
    mode_t mode = mode_of(flags, ap); \
    va_end(ap); \
    return track(real_##name(dir, path, flags, mode), flags); \
  }
OPENAT(openat)
OPENAT(openat64)

typedef int (*close_call)(int);
int close(int fd) {
  REAL(close, close_call);
  if (fd >= 0 && fd < MAX_FD) sync_fd[fd] = 0;
  return real_close(fd);
}

typedef ssize_t (*write_call)(int, const void *, size_t);
typedef ssize_t (*pwrite_call)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_call)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_call)(int, const struct iovec *, int, off_t);

ssize_t write(int fd, const void *buf, size_t n) {
  REAL(write, write_call);
  slow_if_sync(fd);
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at) {
  REAL(pwrite, pwrite_call);
  slow_if_sync(fd);
  return real_pwrite(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at) {
  REAL(pwrite64, pwrite_call);
  slow_if_sync(fd);
  return real_pwrite64(fd, buf, n, at);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
  REAL(writev, writev_call);
  slow_if_sync(fd);
  return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t at) {
  REAL(pwritev, pwritev_call);
  slow_if_sync(fd);
  return real_pwritev(fd, iov, n, at);
}
