/*
 * N-API glue for the live readers (packrat_capture.node).
 *
 * Threading: each opened reader (one socket, or one libpcap handle) has its own pthread that polls
 * with a short timeout and an eventfd for close(). It never touches JavaScript: it posts the index
 * of a ready block through a napi_threadsafe_function, and JavaScript runs on its own thread as
 * usual. This keeps libuv's small thread pool free for file I/O (async work would park one pool
 * thread per socket in poll()) and the event loop is never blocked waiting for packets.
 *
 * Memory: the whole ring (or batch area) is one external ArrayBuffer created once at open, so a
 * block reaches JavaScript without a copy and without creating anything per block. close() stops
 * the thread, detaches the ArrayBuffer (old views read as empty) and only then unmaps.
 */
#define _GNU_SOURCE
#include "reader.h"
#ifdef __linux__
#include "sender.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call) do { if ((call) != napi_ok) { throw_last(env, #call); return NULL; } } while (0)

static void throw_last(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  char msg[256];
  snprintf(msg, sizeof(msg), "packrat_capture: %s failed: %s", what,
           info && info->error_message ? info->error_message : "unknown");
  napi_throw_error(env, NULL, msg);
}

/* ---- helpers used by reader threads ---- */

static void post(pr_reader *r, uint64_t code, uint32_t value) {
  uintptr_t data = (uintptr_t)((code << 32) | value);
  napi_call_threadsafe_function(r->tsfn, (void *)data, napi_tsfn_nonblocking);
}

void pr_deliver(pr_reader *r, uint32_t blk) {
  pthread_mutex_lock(&r->lock);
  r->inFlight[blk] = 1;
  pthread_mutex_unlock(&r->lock);
  post(r, PR_EV_BLOCK, blk);
}

void pr_warn(pr_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&r->lock);
  vsnprintf(r->warn, sizeof(r->warn), fmt, ap);
  r->warnings++;
  pthread_mutex_unlock(&r->lock);
  va_end(ap);
  post(r, PR_EV_WARN, 0);
}

void pr_fatal(pr_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&r->lock);
  vsnprintf(r->fatal, sizeof(r->fatal), fmt, ap);
  pthread_mutex_unlock(&r->lock);
  va_end(ap);
  post(r, PR_EV_FATAL, 0);
}

int pr_wait_free(pr_reader *r, uint32_t blk) {
  pthread_mutex_lock(&r->lock);
  while (r->inFlight[blk] && !r->stopping) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&r->cond, &r->lock, &ts);
  }
  int stopping = r->stopping;
  pthread_mutex_unlock(&r->lock);
  return stopping ? -1 : 0;
}

static void *thread_main(void *arg) {
  pr_reader *r = arg;
  char name[16];
  snprintf(name, sizeof(name), "pr-%.12s", r->ifname);
  pthread_setname_np(pthread_self(), name);
  r->ops->run(r);
  return NULL;
}

/* ---- lifetime: the reader is freed when both the JS handle and the tsfn are gone ---- */

typedef struct { pr_reader r; int refs; } pr_box;

static void unref_box(pr_box *b) {
  if (--b->refs > 0) return;
  pthread_mutex_destroy(&b->r.lock);
  pthread_cond_destroy(&b->r.cond);
  free(b->r.inFlight);
  free(b);
}

static void stop_reader(napi_env env, pr_reader *r) {
  if (r->closed) return;
  r->closed = 1;
  pthread_mutex_lock(&r->lock);
  r->stopping = 1;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  if (r->threadStarted) {
    r->ops->wake(r);
    pthread_join(r->thread, NULL);
  }
  if (r->tsfn) napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
  if (env && r->arrayBuffer) {
    napi_value ab;
    if (napi_get_reference_value(env, r->arrayBuffer, &ab) == napi_ok && ab) napi_detach_arraybuffer(env, ab);
    napi_delete_reference(env, r->arrayBuffer);
    r->arrayBuffer = NULL;
  }
  r->ops->destroy(r);
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  pr_box *b = data;
  /* Not closed by JavaScript: stop the thread; the ArrayBuffer may still be referenced, so a
     forgotten close() leaks the mapping rather than risk a view over unmapped memory. */
  if (!b->r.closed) {
    b->r.arrayBuffer = NULL;
    b->r.closed = 1;
    pthread_mutex_lock(&b->r.lock);
    b->r.stopping = 1;
    pthread_mutex_unlock(&b->r.lock);
    if (b->r.threadStarted) { b->r.ops->wake(&b->r); pthread_join(b->r.thread, NULL); }
    if (b->r.tsfn) napi_release_threadsafe_function(b->r.tsfn, napi_tsfn_abort);
  }
  (void)env;
  unref_box(b);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  unref_box(data);
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  pr_reader *r = context;
  if (!env || !cb || r->closed) return;
  uintptr_t d = (uintptr_t)data;
  uint32_t code = (uint32_t)(d >> 32), value = (uint32_t)(d & 0xffffffffu);
  napi_value argv[2], undef;
  napi_get_undefined(env, &undef);
  if (code == PR_EV_BLOCK) {
    napi_create_int32(env, (int32_t)value, &argv[0]);
    napi_call_function(env, undef, cb, 1, argv, NULL);
    return;
  }
  char msg[256];
  pthread_mutex_lock(&r->lock);
  snprintf(msg, sizeof(msg), "%s", code == PR_EV_FATAL ? r->fatal : r->warn);
  pthread_mutex_unlock(&r->lock);
  napi_create_int32(env, code == PR_EV_FATAL ? -2 : -1, &argv[0]);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &argv[1]);
  napi_call_function(env, undef, cb, 2, argv, NULL);
}

/* ---- option parsing ---- */

static int get_prop(napi_env env, napi_value obj, const char *key, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return 0;
  napi_get_named_property(env, obj, key, out);
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}

static uint32_t get_u32(napi_env env, napi_value obj, const char *key, uint32_t def) {
  napi_value v;
  uint32_t n = def;
  if (get_prop(env, obj, key, &v)) napi_get_value_uint32(env, v, &n);
  return n;
}

static void get_str(napi_env env, napi_value obj, const char *key, char *buf, size_t len) {
  napi_value v;
  size_t got = 0;
  buf[0] = 0;
  if (get_prop(env, obj, key, &v)) napi_get_value_string_utf8(env, v, buf, len, &got);
}

static pr_reader *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "packrat_capture: not a reader handle");
    return NULL;
  }
  return &((pr_box *)p)->r;
}

/* open(kind, opts, callback) -> { handle, buffer, blockSize, numBlocks, linktype, kind } */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) { napi_throw_type_error(env, NULL, "open(kind, options, callback)"); return NULL; }

  char kind[32];
  size_t kl = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], kind, sizeof(kind), &kl));

  pr_open_opts o;
  memset(&o, 0, sizeof(o));
  get_str(env, argv[1], "interface", o.ifname, sizeof(o.ifname));
  o.blockSize = get_u32(env, argv[1], "blockSize", 1u << 21);
  o.numBlocks = get_u32(env, argv[1], "numBlocks", 64);
  o.snapLen = get_u32(env, argv[1], "snapLen", 16384);
  o.fanoutGroup = get_u32(env, argv[1], "fanoutGroup", 0);
  o.promisc = (int)get_u32(env, argv[1], "promisc", 1);
  o.retireTimeoutMs = get_u32(env, argv[1], "timeoutMs", 100);
  o.bufferSize = get_u32(env, argv[1], "bufferSize", 0);
  char bpf[4096];
  get_str(env, argv[1], "bpf", bpf, sizeof(bpf));
  o.bpf = bpf[0] ? bpf : NULL;
  napi_value fv;
  if (get_prop(env, argv[1], "filter", &fv)) {
    void *data = NULL;
    size_t len = 0;
    CHECK(napi_get_buffer_info(env, fv, &data, &len));
    if (len % 8 != 0 || len == 0) { napi_throw_range_error(env, NULL, "filter: not a struct sock_filter array"); return NULL; }
    o.filter = data;
    o.filterLen = (uint32_t)(len / 8);
  }
  if (!o.ifname[0]) { napi_throw_type_error(env, NULL, "open: options.interface is required"); return NULL; }
  if (o.numBlocks < 2 || o.numBlocks > 65536) { napi_throw_range_error(env, NULL, "open: numBlocks must be 2..65536"); return NULL; }

  pr_box *b = calloc(1, sizeof(*b));
  pr_reader *r = &b->r;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);
  b->refs = 1;

  char err[512] = "";
  int rc;
  if (strcmp(kind, "tpacketv3") == 0) {
    rc = pr_tpacketv3_open(r, &o, err, sizeof(err));
  } else if (strcmp(kind, "libpcap") == 0) {
#ifdef HAVE_LIBPCAP
    rc = pr_libpcap_open(r, &o, err, sizeof(err));
#else
    snprintf(err, sizeof(err), "pcapReadMethod=libpcap: this build has no libpcap (install libpcap-dev and rebuild the addon)");
    rc = -1;
#endif
  } else {
    snprintf(err, sizeof(err), "pcapReadMethod=%s is not supported by this build (tpacketv3%s)", kind,
#ifdef HAVE_LIBPCAP
             ", libpcap"
#else
             ""
#endif
    );
    rc = -1;
  }
  if (rc < 0) {
    unref_box(b);
    napi_throw_error(env, NULL, err);
    return NULL;
  }
  r->inFlight = calloc(r->numBlocks, 1);

  napi_value ab, handle, name, result, v;
  size_t memLen = (size_t)r->blockSize * r->numBlocks;
  if (napi_create_external_arraybuffer(env, r->mem, memLen, NULL, NULL, &ab) != napi_ok) {
    r->ops->destroy(r);
    unref_box(b);
    throw_last(env, "napi_create_external_arraybuffer");
    return NULL;
  }
  napi_create_reference(env, ab, 1, &r->arrayBuffer);
  napi_create_external(env, b, handle_finalize, NULL, &handle);

  napi_create_string_utf8(env, "packrat-capture", NAPI_AUTO_LENGTH, &name);
  b->refs++;  /* held by the tsfn until its finalizer runs */
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, b, tsfn_finalize, r, call_js,
                                      &r->tsfn) != napi_ok) {
    b->refs--;
    stop_reader(env, r);
    throw_last(env, "napi_create_threadsafe_function");
    return NULL;
  }
  if (pthread_create(&r->thread, NULL, thread_main, r) != 0) {
    stop_reader(env, r);
    napi_throw_error(env, NULL, "packrat_capture: cannot start reader thread");
    return NULL;
  }
  r->threadStarted = 1;

  napi_create_object(env, &result);
  napi_set_named_property(env, result, "handle", handle);
  napi_set_named_property(env, result, "buffer", ab);
  napi_create_uint32(env, r->blockSize, &v); napi_set_named_property(env, result, "blockSize", v);
  napi_create_uint32(env, r->numBlocks, &v); napi_set_named_property(env, result, "numBlocks", v);
  napi_create_int32(env, r->linktype, &v); napi_set_named_property(env, result, "linktype", v);
  napi_create_string_utf8(env, r->ops->kind, NAPI_AUTO_LENGTH, &v); napi_set_named_property(env, result, "kind", v);
  return result;
}

static napi_value js_release(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pr_reader *r = unwrap(env, argv[0]);
  if (!r) return NULL;
  uint32_t blk = 0;
  CHECK(napi_get_value_uint32(env, argv[1], &blk));
  if (r->closed) return NULL;
  if (blk >= r->numBlocks || !r->inFlight[blk]) {
    napi_throw_range_error(env, NULL, "release: block is not held by JavaScript");
    return NULL;
  }
  r->ops->release(r, blk);  /* status back to the producer first, then wake the thread */
  pthread_mutex_lock(&r->lock);
  r->inFlight[blk] = 0;
  pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static void set_num(napi_env env, napi_value obj, const char *key, double n) {
  napi_value v;
  napi_create_double(env, n, &v);
  napi_set_named_property(env, obj, key, v);
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pr_reader *r = unwrap(env, argv[0]);
  if (!r) return NULL;
  pr_stats s;
  memset(&s, 0, sizeof(s));
  if (!r->closed) r->ops->stats(r, &s);
  napi_create_object(env, &out);
  set_num(env, out, "packets", (double)s.packets);
  set_num(env, out, "drops", (double)s.drops);
  set_num(env, out, "freezeCount", (double)s.freezeCount);
  set_num(env, out, "ifDrops", (double)s.ifDrops);
  pthread_mutex_lock(&r->lock);
  set_num(env, out, "warnings", (double)r->warnings);
  napi_create_string_utf8(env, r->warn, NAPI_AUTO_LENGTH, &v);
  pthread_mutex_unlock(&r->lock);
  napi_set_named_property(env, out, "lastWarning", v);
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pr_reader *r = unwrap(env, argv[0]);
  if (!r) return NULL;
  stop_reader(env, r);
  return NULL;
}

/* compileBpf(expr, linktype, snapLen) -> Buffer of struct sock_filter */
static napi_value js_compile_bpf(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
#ifdef HAVE_LIBPCAP
  char expr[4096];
  size_t len = 0;
  int32_t linktype = 1;
  uint32_t snapLen = 16384;
  CHECK(napi_get_value_string_utf8(env, argv[0], expr, sizeof(expr), &len));
  if (argc > 1) napi_get_value_int32(env, argv[1], &linktype);
  if (argc > 2) napi_get_value_uint32(env, argv[2], &snapLen);
  uint8_t *insns = NULL;
  uint32_t count = 0;
  char err[512];
  if (pr_bpf_compile(expr, linktype, snapLen, &insns, &count, err, sizeof(err)) < 0) {
    napi_throw_error(env, NULL, err);
    return NULL;
  }
  napi_value buf;
  void *dst = NULL;
  napi_create_buffer(env, (size_t)count * 8, &dst, &buf);
  memcpy(dst, insns, (size_t)count * 8);
  free(insns);
  return buf;
#else
  (void)argv;
  napi_throw_error(env, NULL,
      "bpf= needs libpcap to compile the filter, and this build of the capture addon has none: "
      "install the libpcap-dev package and rebuild the addon (npm rebuild)");
  return NULL;
#endif
}

static double get_num(napi_env env, napi_value obj, const char *key, double def) {
  napi_value v;
  double n = def;
  if (get_prop(env, obj, key, &v)) napi_get_value_double(env, v, &n);
  return n;
}

/* sendPcap({ file, interface, pps, seconds, batch?, maxPackets?, maxLoad?, qdiscBypass? }) -> result.
   Blocks the calling thread for `seconds`: the benchmark calls it from a process of its own. */
static napi_value js_send_pcap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
#ifdef __linux__
  if (argc < 1) { napi_throw_type_error(env, NULL, "sendPcap(options)"); return NULL; }
  pr_send_opts o;
  memset(&o, 0, sizeof(o));
  get_str(env, argv[0], "file", o.path, sizeof(o.path));
  get_str(env, argv[0], "interface", o.ifname, sizeof(o.ifname));
  o.pps = get_num(env, argv[0], "pps", 0);
  o.seconds = get_num(env, argv[0], "seconds", 0);
  o.batch = get_u32(env, argv[0], "batch", 64);
  o.maxPackets = (uint64_t)get_num(env, argv[0], "maxPackets", 0);
  o.maxLoad = (uint64_t)get_num(env, argv[0], "maxLoad", 0);
  o.qdiscBypass = (int)get_u32(env, argv[0], "qdiscBypass", 0);
  if (!o.path[0] || !o.ifname[0]) { napi_throw_type_error(env, NULL, "sendPcap: options.file and options.interface are required"); return NULL; }
  pr_send_result r;
  char err[512] = "";
  if (pr_send_pcap(&o, &r, err, sizeof(err)) < 0) { napi_throw_error(env, NULL, err); return NULL; }
  napi_value out;
  napi_create_object(env, &out);
  set_num(env, out, "loaded", (double)r.loaded);
  set_num(env, out, "loadedBytes", (double)r.loadedBytes);
  set_num(env, out, "skipped", (double)r.skipped);
  set_num(env, out, "loadSeconds", r.loadSeconds);
  set_num(env, out, "sent", (double)r.sent);
  set_num(env, out, "bytes", (double)r.bytes);
  set_num(env, out, "seconds", r.seconds);
  set_num(env, out, "retries", (double)r.retries);
  set_num(env, out, "maxLagPackets", (double)r.maxLagPackets);
  set_num(env, out, "cpuUser", r.cpuUser);
  set_num(env, out, "cpuSystem", r.cpuSystem);
  return out;
#else
  (void)argv;
  napi_throw_error(env, NULL, "sendPcap needs Linux (AF_PACKET)");
  return NULL;
#endif
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL },
    { "release", NULL, js_release, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "compileBpf", NULL, js_compile_bpf, NULL, NULL, NULL, napi_default, NULL },
    { "sendPcap", NULL, js_send_pcap, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_value has;
#ifdef HAVE_LIBPCAP
  napi_get_boolean(env, true, &has);
#else
  napi_get_boolean(env, false, &has);
#endif
  napi_set_named_property(env, exports, "hasLibpcap", has);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
