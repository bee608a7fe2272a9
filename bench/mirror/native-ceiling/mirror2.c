/*
 * bench/mirror's native ceiling: the least a mirror of two files can do,
 * written in C as an nbdkit plugin, so that it runs inside the anchor's own
 * server (same NBD code, same threads) and differs from the anchor only by
 * mirroring. Every write goes to both files; reads alternate between the
 * files by 4 MiB stripe, as the engine's do; a flush fdatasyncs both files at
 * once; FUA is a write and that flush. No bitmap, no metadata, no failure
 * handling: whatever this reaches on a machine bounds what any mirror can
 * reach there, so the bench can tell the machine's limit from the engine's.
 *
 * Not part of the product. Built by bench/mirror (gcc, nbdkit-plugin-dev).
 * Usage: nbdkit -U SOCK ./mirror2.so file0=A file1=B
 */
#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL
#define STRIPE_BYTES (4u << 20)

static const char *paths[2];
static int fds[2] = { -1, -1 };

static int mirror2_config(const char *key, const char *value) {
  if (strcmp(key, "file0") == 0) paths[0] = value;
  else if (strcmp(key, "file1") == 0) paths[1] = value;
  else { nbdkit_error("unknown parameter '%s'", key); return -1; }
  return 0;
}

static int mirror2_get_ready(void) {
  for (int leg = 0; leg < 2; leg++) {
    if (!paths[leg]) { nbdkit_error("file%d= is required", leg); return -1; }
    fds[leg] = open(paths[leg], O_RDWR | O_CLOEXEC);
    if (fds[leg] < 0) { nbdkit_error("open %s: %m", paths[leg]); return -1; }
  }
  return 0;
}

static void mirror2_unload(void) {
  for (int leg = 0; leg < 2; leg++) if (fds[leg] >= 0) close(fds[leg]);
}

static void *mirror2_open(int readonly) {
  (void)readonly;
  return NBDKIT_HANDLE_NOT_NEEDED;
}

static int64_t mirror2_get_size(void *handle) {
  (void)handle;
  struct stat info;
  if (fstat(fds[0], &info) < 0) { nbdkit_error("fstat: %m"); return -1; }
  return info.st_size;
}

static int mirror2_can_multi_conn(void *handle) { (void)handle; return 1; }
static int mirror2_can_flush(void *handle) { (void)handle; return 1; }
static int mirror2_can_fua(void *handle) { (void)handle; return NBDKIT_FUA_NATIVE; }

static int mirror2_pread(void *handle, void *buffer, uint32_t count, uint64_t offset, uint32_t flags) {
  (void)handle; (void)flags;
  int fd = fds[(offset / STRIPE_BYTES) % 2];
  char *at = buffer;
  while (count > 0) {
    ssize_t done = pread(fd, at, count, (off_t)offset);
    if (done < 0) { nbdkit_error("pread: %m"); return -1; }
    if (done == 0) { memset(at, 0, count); break; }
    at += done; count -= (uint32_t)done; offset += (uint64_t)done;
  }
  return 0;
}

static int write_all(int fd, const char *data, uint32_t count, uint64_t offset) {
  while (count > 0) {
    ssize_t done = pwrite(fd, data, count, (off_t)offset);
    if (done < 0) { nbdkit_error("pwrite: %m"); return -1; }
    data += done; count -= (uint32_t)done; offset += (uint64_t)done;
  }
  return 0;
}

static void *sync_leg1(void *result) {
  *(int *)result = fdatasync(fds[1]) < 0 ? errno : 0;
  return NULL;
}

/* Both files at once, as the engine's two legs do. */
static int flush_both(void) {
  pthread_t helper;
  int leg1Error = 0;
  int started = pthread_create(&helper, NULL, sync_leg1, &leg1Error) == 0;
  if (!started) leg1Error = fdatasync(fds[1]) < 0 ? errno : 0;
  int leg0Error = fdatasync(fds[0]) < 0 ? errno : 0;
  if (started) pthread_join(helper, NULL);
  if (leg0Error || leg1Error) { nbdkit_error("fdatasync: %s", strerror(leg0Error ? leg0Error : leg1Error)); return -1; }
  return 0;
}

static int mirror2_pwrite(void *handle, const void *buffer, uint32_t count, uint64_t offset, uint32_t flags) {
  (void)handle;
  if (write_all(fds[0], buffer, count, offset) < 0 || write_all(fds[1], buffer, count, offset) < 0) return -1;
  return (flags & NBDKIT_FLAG_FUA) ? flush_both() : 0;
}

static int mirror2_flush(void *handle, uint32_t flags) {
  (void)handle; (void)flags;
  return flush_both();
}

static struct nbdkit_plugin plugin = {
  .name = "mirror2",
  .version = "1",
  .config = mirror2_config,
  .get_ready = mirror2_get_ready,
  .unload = mirror2_unload,
  .open = mirror2_open,
  .get_size = mirror2_get_size,
  .can_multi_conn = mirror2_can_multi_conn,
  .can_flush = mirror2_can_flush,
  .can_fua = mirror2_can_fua,
  .pread = mirror2_pread,
  .pwrite = mirror2_pwrite,
  .flush = mirror2_flush,
};

NBDKIT_REGISTER_PLUGIN(plugin)
