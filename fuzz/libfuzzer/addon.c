// libFuzzer for JavaScript targets: the smallest bridge that lets LLVM's libFuzzer (Debian's
// libclang-rt-14-dev, linked statically) drive a JS function. Jazzer.js does the same, but its
// prebuilt addon needs glibc 2.38 and its npm package ships no C++ to rebuild it.
//   registerCoverageMap(buf)  buf's bytes are the 8-bit edge counters the instrumented JS
//                             increments; libFuzzer reads and clears them around each input.
//   startFuzzing(fn, args)    runs LLVMFuzzerRunDriver(args) on this thread, calling fn(Buffer)
//                             synchronously per input; a JS exception is a crash: its stack is
//                             printed and abort() lets libFuzzer write the crash-<sha1> input.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *pcs_beg, const uintptr_t *pcs_end);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *data, size_t size));
void __sanitizer_weak_hook_memcmp(void *caller_pc, const void *s1, const void *s2, size_t n, int result);
void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b);

static napi_env g_env;
static napi_ref g_fn;

#define CHECK(call) do { if ((call) != napi_ok) { fprintf(stderr, "libfuzzer addon: %s failed\n", #call); abort(); } } while (0)

// libFuzzer wants a PC table beside the counters to count covered edges ("cov:" in its
// status lines); JS has no PCs, so each counter gets a made-up distinct one.
static napi_value register_coverage_map(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data; size_t len;
  CHECK(napi_get_buffer_info(env, argv[0], &data, &len));
  // The buffer must outlive the run: keep a reference so the GC never frees it.
  napi_ref keep; CHECK(napi_create_reference(env, argv[0], 1, &keep));
  uintptr_t *pcs = calloc(len * 2, sizeof(uintptr_t));
  if (!pcs) abort();
  for (size_t i = 0; i < len; i++) { pcs[2 * i] = 0x10000 + i; pcs[2 * i + 1] = 0; }
  __sanitizer_cov_8bit_counters_init((uint8_t *)data, (uint8_t *)data + len);
  __sanitizer_cov_pcs_init(pcs, pcs + len * 2);
  return NULL;
}

// Comparisons the instrumented JS made and lost: libFuzzer keeps their operands in its tables
// of recent compares and splices them into inputs (how "GET " or a magic number is found).
static napi_value trace_unequal_strings(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t id; char a[256], b[256]; size_t na, nb;
  if (napi_get_value_int64(env, argv[0], &id) != napi_ok) return NULL;
  if (napi_get_value_string_latin1(env, argv[1], a, sizeof a, &na) != napi_ok) return NULL;
  if (napi_get_value_string_latin1(env, argv[2], b, sizeof b, &nb) != napi_ok) return NULL;
  size_t n = na < nb ? na : nb;
  if (n == 0) n = na > nb ? na : nb; // "" against "GET": still offer the other side
  __sanitizer_weak_hook_memcmp((void *)(uintptr_t)id, a, b, n, 1);
  return NULL;
}

static napi_value trace_integer_compare(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t a, b;
  if (napi_get_value_int64(env, argv[1], &a) != napi_ok || napi_get_value_int64(env, argv[2], &b) != napi_ok) return NULL;
  __sanitizer_cov_trace_cmp8((uint64_t)a, (uint64_t)b);
  return NULL;
}

static void print_exception(napi_env env) {
  napi_value exc, stack, str; size_t n; char buf[8192];
  if (napi_get_and_clear_last_exception(env, &exc) != napi_ok) return;
  if (napi_get_named_property(env, exc, "stack", &stack) != napi_ok) stack = exc;
  if (napi_coerce_to_string(env, stack, &str) != napi_ok) return;
  if (napi_get_value_string_utf8(env, str, buf, sizeof buf, &n) != napi_ok) return;
  fprintf(stderr, "\n==JS exception== %s\n", buf);
}

static int one_input(const uint8_t *data, size_t size) {
  napi_handle_scope scope;
  CHECK(napi_open_handle_scope(g_env, &scope));
  napi_value fn, global, arg, result;
  CHECK(napi_get_reference_value(g_env, g_fn, &fn));
  CHECK(napi_get_global(g_env, &global));
  // A copy: the target may keep bytes beyond the call, libFuzzer's buffer is reused.
  void *copy; CHECK(napi_create_buffer_copy(g_env, size, data, &copy, &arg));
  napi_status st = napi_call_function(g_env, global, fn, 1, &arg, &result);
  bool pending = false;
  napi_is_exception_pending(g_env, &pending);
  if (st != napi_ok || pending) {
    print_exception(g_env);
    fflush(stderr);
    abort(); // libFuzzer's SIGABRT handler saves the input as crash-<sha1>
  }
  CHECK(napi_close_handle_scope(g_env, scope));
  return 0;
}

static napi_value start_fuzzing(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  g_env = env;
  CHECK(napi_create_reference(env, argv[0], 1, &g_fn));
  uint32_t n; CHECK(napi_get_array_length(env, argv[1], &n));
  // argv[0] is the program name libFuzzer prints; the rest are its flags and corpus folders.
  char **args = calloc(n + 2, sizeof(char *));
  args[0] = strdup("packrat-fuzz");
  for (uint32_t i = 0; i < n; i++) {
    napi_value v; size_t len;
    CHECK(napi_get_element(env, argv[1], i, &v));
    CHECK(napi_get_value_string_utf8(env, v, NULL, 0, &len));
    args[i + 1] = malloc(len + 1);
    CHECK(napi_get_value_string_utf8(env, v, args[i + 1], len + 1, &len));
  }
  int count = (int)n + 1;
  int rc = LLVMFuzzerRunDriver(&count, &args, one_input);
  napi_value out; CHECK(napi_create_int32(env, rc, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "registerCoverageMap", NULL, register_coverage_map, NULL, NULL, NULL, napi_default, NULL },
    { "startFuzzing", NULL, start_fuzzing, NULL, NULL, NULL, napi_default, NULL },
    { "traceUnequalStrings", NULL, trace_unequal_strings, NULL, NULL, NULL, napi_default, NULL },
    { "traceIntegerCompare", NULL, trace_integer_compare, NULL, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_define_properties(env, exports, 4, props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
