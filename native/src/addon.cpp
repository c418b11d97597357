// N-API entry points: matmul over float32 arrays (batched, transposes as strides, optional bias)
// on the widest instruction set this CPU has, and the element-wise, layout and reduction kernels;
// large work is split across the CPU's cores (parallel.h).
#include <node_api.h>
#include <cstring>
#include <string>
#include <vector>
#include "gemm.h"
#include "parallel.h"
#include "strided.h"
#include "rows.h"

namespace {
GemmKernel kernel = gemm_rows_generic;
DotsKernel dots = row_dots_generic;
const char* isaName = "generic";

void chooseIsa(const std::string& wanted) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  dots = row_dots_generic;
  if ((wanted.empty() || wanted == "avx512") && avx512) { kernel = gemm_rows_avx512; dots = row_dots_avx512; isaName = "avx512"; return; }
  if ((wanted.empty() || wanted == "avx512" || wanted == "avx2") && avx2) { kernel = gemm_rows_avx2; isaName = "avx2"; return; }
  kernel = gemm_rows_generic;
  isaName = "generic";
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

bool floats(napi_env env, napi_value value, float** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void* raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok || type != napi_float32_array) return false;
  *data = static_cast<float*>(raw);
  return true;
}

int64_t integer(napi_env env, napi_value value) {
  int64_t out = 0;
  napi_get_value_int64(env, value, &out);
  return out;
}

bool boolean(napi_env env, napi_value value) {
  bool out = false;
  napi_get_value_bool(env, value, &out);
  return out;
}

// matmul(a, b, out, batch, m, n, k, transposeA, transposeB, batchA, batchB, bias | null)
napi_value Matmul(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 12) return fail(env, "matmul: 12 arguments expected");
  float *a, *b, *c, *bias = nullptr;
  size_t la, lb, lc, lbias = 0;
  if (!floats(env, argv[0], &a, &la) || !floats(env, argv[1], &b, &lb) || !floats(env, argv[2], &c, &lc)) return fail(env, "matmul: a, b and out must be Float32Arrays");
  const int64_t batch = integer(env, argv[3]), m = integer(env, argv[4]), n = integer(env, argv[5]), k = integer(env, argv[6]);
  const bool ta = boolean(env, argv[7]), tb = boolean(env, argv[8]);
  const int64_t batchA = integer(env, argv[9]), batchB = integer(env, argv[10]);
  napi_valuetype biasType;
  napi_typeof(env, argv[11], &biasType);
  if (biasType != napi_null && biasType != napi_undefined && !floats(env, argv[11], &bias, &lbias)) return fail(env, "matmul: bias must be a Float32Array or null");
  if (batch < 1 || m < 0 || n < 0 || k < 0 || batchA < 1 || batchB < 1) return fail(env, "matmul: bad sizes");
  if ((int64_t)la < batchA * m * k || (int64_t)lb < batchB * k * n || (int64_t)lc < batch * m * n || (bias && (int64_t)lbias < n)) return fail(env, "matmul: arrays shorter than the sizes");

  const int64_t np = (n + 15) / 16 * 16;
  std::vector<float> packed(static_cast<size_t>(k * np));
  const int64_t rsa = ta ? 1 : k, csa = ta ? m : 1;
  const int64_t rsb = tb ? 1 : n, csb = tb ? k : 1;
  // Threads take whole 6-row tiles; a product too small to share runs on the caller alone.
  const int64_t tiles = (m + 5) / 6;
  const int64_t tileGrain = m * n * k >= (1 << 18) ? 1 : tiles + 1;
  int64_t packedFor = -1;
  for (int64_t bi = 0; bi < batch; bi++) {
    const float* ab = a + (bi % batchA) * m * k;
    const int64_t bIndex = bi % batchB;
    if (bIndex != packedFor) {
      const float* bb = b + bIndex * k * n;
      for (int64_t p = 0; p < k; p++) {
        float* row = packed.data() + p * np;
        for (int64_t j = 0; j < n; j++) row[j] = bb[p * rsb + j * csb];
        for (int64_t j = n; j < np; j++) row[j] = 0.f;
      }
      packedFor = bIndex;
    }
    float* cb = c + bi * m * n;
    parallel(tiles, tileGrain, [&](int64_t t0, int64_t t1) {
      kernel(ab, packed.data(), cb, m, n, k, rsa, csa, np, 1, t0 * 6, t1 * 6 < m ? t1 * 6 : m);
    });
    if (bias)
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) cb[i * n + j] += bias[j];
  }
  return nullptr;
}

bool int32s(napi_env env, napi_value value, int32_t** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void* raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok || type != napi_int32_array) return false;
  *data = static_cast<int32_t*>(raw);
  return true;
}

constexpr int MAX_RANK = 8;

// A view: input, offset, strides (Int32Array, one per output dimension). Checks that every
// element the view can reach lies inside the input.
bool view(napi_env env, napi_value array, napi_value offsetValue, napi_value stridesValue, const int64_t* shape, int rank,
          const float** base, int64_t* strides) {
  float* data;
  size_t length, count;
  int32_t* raw;
  if (!floats(env, array, &data, &length) || !int32s(env, stridesValue, &raw, &count) || (int)count != rank) return false;
  const int64_t offset = integer(env, offsetValue);
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < rank; d++) {
    strides[d] = raw[d];
    if (shape[d] == 0) return true;
    const int64_t reach = strides[d] * (shape[d] - 1);
    if (reach < 0) lo += reach; else hi += reach;
  }
  if (lo < 0 || hi >= (int64_t)length) return false;
  *base = data + offset;
  return true;
}

bool shapeOf(napi_env env, napi_value value, int64_t* shape, int* rank, int64_t* size) {
  int32_t* raw;
  size_t count;
  if (!int32s(env, value, &raw, &count) || count > MAX_RANK) return false;
  *rank = (int)count;
  *size = 1;
  for (size_t d = 0; d < count; d++) {
    if (raw[d] < 0) return false;
    shape[d] = raw[d];
    *size *= raw[d];
  }
  return true;
}

// copy(input, offset, strides, shape, out): out (contiguous) = the view.
napi_value Copy(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t shape[MAX_RANK], strides[MAX_RANK], size;
  int rank;
  const float* in;
  float* out;
  size_t lout;
  if (argc < 5 || !shapeOf(env, argv[3], shape, &rank, &size)) return fail(env, "copy: bad shape");
  if (!view(env, argv[0], argv[1], argv[2], shape, rank, &in, strides)) return fail(env, "copy: the view reaches outside its input");
  if (!floats(env, argv[4], &out, &lout) || (int64_t)lout < size) return fail(env, "copy: out is too short");
  if (size > 0) strided_copy(in, strides, shape, rank, out);
  return nullptr;
}

// binary(op, a, aOffset, aStrides, b, bOffset, bStrides, shape, out): 0 add, 1 sub, 2 mul, 3 div, 4 max.
napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t shape[MAX_RANK], as[MAX_RANK], bs[MAX_RANK], size;
  int rank;
  const float *a, *b;
  float* out;
  size_t lout;
  if (argc < 9 || !shapeOf(env, argv[7], shape, &rank, &size)) return fail(env, "binary: bad shape");
  const int64_t op = integer(env, argv[0]);
  if (op < 0 || op > 4) return fail(env, "binary: unknown op");
  if (!view(env, argv[1], argv[2], argv[3], shape, rank, &a, as) || !view(env, argv[4], argv[5], argv[6], shape, rank, &b, bs)) return fail(env, "binary: a view reaches outside its input");
  if (!floats(env, argv[8], &out, &lout) || (int64_t)lout < size) return fail(env, "binary: out is too short");
  if (size > 0) strided_binary((int)op, a, as, b, bs, shape, rank, out);
  return nullptr;
}

// reduce(input, outer, middle, inner, out, scale): out[o][i] = scale * sum over m of input[o][m][i].
napi_value Reduce(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *in, *out;
  size_t lin, lout;
  if (argc < 6 || !floats(env, argv[0], &in, &lin) || !floats(env, argv[4], &out, &lout)) return fail(env, "reduce: Float32Arrays expected");
  const int64_t outer = integer(env, argv[1]), middle = integer(env, argv[2]), inner = integer(env, argv[3]);
  double scale = 1;
  napi_get_value_double(env, argv[5], &scale);
  if (outer < 0 || middle < 0 || inner < 0 || (int64_t)lin < outer * middle * inner || (int64_t)lout < outer * inner) return fail(env, "reduce: arrays shorter than the sizes");
  reduce_middle(in, outer, middle, inner, scale, out);
  return nullptr;
}

// softmax(input, rows, cols, out): softmax of every row.
napi_value Softmax(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *in, *out;
  size_t lin, lout;
  if (argc < 4 || !floats(env, argv[0], &in, &lin) || !floats(env, argv[3], &out, &lout)) return fail(env, "softmax: Float32Arrays expected");
  const int64_t rows = integer(env, argv[1]), cols = integer(env, argv[2]);
  if (rows < 0 || cols < 0 || (int64_t)lin < rows * cols || (int64_t)lout < rows * cols) return fail(env, "softmax: arrays shorter than the sizes");
  softmax_rows(in, rows, cols, out);
  return nullptr;
}

// gather(table, tableRows, width, ids, out): rows of the table; throws on an id out of range.
napi_value Gather(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *table, *out;
  int32_t* ids;
  size_t ltable, lids, lout;
  if (argc < 5 || !floats(env, argv[0], &table, &ltable) || !int32s(env, argv[3], &ids, &lids) || !floats(env, argv[4], &out, &lout)) return fail(env, "gather: table, ids and out expected");
  const int64_t rows = integer(env, argv[1]), width = integer(env, argv[2]);
  if (rows < 0 || width < 0 || (int64_t)ltable < rows * width || (int64_t)lout < (int64_t)lids * width) return fail(env, "gather: arrays shorter than the sizes");
  if (!gather_rows(table, rows, width, ids, (int64_t)lids, out)) return fail(env, "gather: an id is outside the table");
  return nullptr;
}

// bagMean(table, tableRows, width, ids, mask, rows, tokens, out) and
// bagMeanGrad(dy, width, ids, mask, rows, tokens, grad): the masked mean of embedding rows.
napi_value BagMean(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *table, *mask, *out;
  int32_t* ids;
  size_t lt, li, lm, lo;
  if (argc < 8 || !floats(env, argv[0], &table, &lt) || !int32s(env, argv[3], &ids, &li) || !floats(env, argv[4], &mask, &lm) || !floats(env, argv[7], &out, &lo)) return fail(env, "bagMean: bad arrays");
  const int64_t tableRows = integer(env, argv[1]), width = integer(env, argv[2]), rows = integer(env, argv[5]), tokens = integer(env, argv[6]);
  if ((int64_t)lt < tableRows * width || (int64_t)li < rows * tokens || (int64_t)lm < rows * tokens || (int64_t)lo < rows * width) return fail(env, "bagMean: arrays shorter than the sizes");
  if (!bag_mean(table, tableRows, width, ids, mask, rows, tokens, out)) return fail(env, "bagMean: an id is outside the table");
  return nullptr;
}

napi_value BagMeanGrad(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *dy, *mask, *grad;
  int32_t* ids;
  size_t ld, li, lm, lg;
  if (argc < 7 || !floats(env, argv[0], &dy, &ld) || !int32s(env, argv[2], &ids, &li) || !floats(env, argv[3], &mask, &lm) || !floats(env, argv[6], &grad, &lg)) return fail(env, "bagMeanGrad: bad arrays");
  const int64_t width = integer(env, argv[1]), rows = integer(env, argv[4]), tokens = integer(env, argv[5]);
  if ((int64_t)ld < rows * width || (int64_t)li < rows * tokens || (int64_t)lm < rows * tokens) return fail(env, "bagMeanGrad: arrays shorter than the sizes");
  for (int64_t i = 0; i < rows * tokens; i++)
    if (mask[i] != 0.f && (ids[i] < 0 || (int64_t)(ids[i] + 1) * width > (int64_t)lg)) return fail(env, "bagMeanGrad: an id is outside the gradient");
  bag_mean_grad(dy, width, ids, mask, rows, tokens, grad);
  return nullptr;
}

// scatterAdd(updates, offsets (Float64Array), sliceSize, out): out[offset_i + c] += updates[i][c].
napi_value ScatterAdd(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *updates, *out;
  size_t lu, lo, lf;
  napi_typedarray_type type;
  napi_value buffer;
  size_t byteOffset;
  void* raw;
  if (argc < 4 || !floats(env, argv[0], &updates, &lu) || !floats(env, argv[3], &out, &lo)) return fail(env, "scatterAdd: Float32Arrays expected");
  if (napi_get_typedarray_info(env, argv[1], &type, &lf, &raw, &buffer, &byteOffset) != napi_ok || type != napi_float64_array) return fail(env, "scatterAdd: offsets must be a Float64Array");
  const int64_t slice = integer(env, argv[2]);
  const double* offsets = static_cast<const double*>(raw);
  if (slice < 0 || (int64_t)lu < (int64_t)lf * slice) return fail(env, "scatterAdd: updates shorter than the offsets");
  std::vector<int64_t> at(lf);
  for (size_t i = 0; i < lf; i++) {
    at[i] = (int64_t)offsets[i];
    if (at[i] < 0 || at[i] + slice > (int64_t)lo) return fail(env, "scatterAdd: an index is outside the output");
  }
  scatter_add(updates, at.data(), (int64_t)lf, slice, out);
  return nullptr;
}

// unary(op, input, out): 0 exp, 1 erf.
napi_value Unary(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *in, *out;
  size_t lin, lout;
  if (argc < 3 || !floats(env, argv[1], &in, &lin) || !floats(env, argv[2], &out, &lout) || lout < lin) return fail(env, "unary: Float32Arrays of equal length expected");
  const int64_t op = integer(env, argv[0]);
  if (op < 0 || op > 7) return fail(env, "unary: unknown op");
  unary((int)op, in, (int64_t)lin, out);
  return nullptr;
}

// adamw(param, m, v, g, paramOut, mOut, vOut, beta1, beta2, epsilon, correction1, correction2, decay, learningRate)
napi_value AdamW(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float* arrays[7];
  size_t lengths[7];
  if (argc < 14) return fail(env, "adamw: 14 arguments expected");
  for (int i = 0; i < 7; i++)
    if (!floats(env, argv[i], &arrays[i], &lengths[i]) || lengths[i] != lengths[0]) return fail(env, "adamw: seven Float32Arrays of one length expected");
  double h[7];
  for (int i = 0; i < 7; i++) napi_get_value_double(env, argv[7 + i], &h[i]);
  const AdamWStep step{h[0], h[1], h[2], h[3], h[4], h[5], h[6]};
  adamw(step, arrays[0], arrays[1], arrays[2], arrays[3], (int64_t)lengths[0], arrays[4], arrays[5], arrays[6]);
  return nullptr;
}

// concat(inputs: Float32Array[], widths: Int32Array, outer, out): rows of the inputs side by side.
napi_value Concat(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint32_t count = 0;
  int32_t* widths;
  size_t lw, lout;
  float* out;
  if (argc < 4 || napi_get_array_length(env, argv[0], &count) != napi_ok || !int32s(env, argv[1], &widths, &lw) || lw != count || !floats(env, argv[3], &out, &lout)) return fail(env, "concat: inputs, widths, outer and out expected");
  const int64_t outer = integer(env, argv[2]);
  std::vector<const float*> inputs(count);
  std::vector<int64_t> w(count);
  int64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    float* data;
    size_t length;
    napi_get_element(env, argv[0], i, &element);
    if (!floats(env, element, &data, &length) || widths[i] < 0 || (int64_t)length < outer * widths[i]) return fail(env, "concat: an input is shorter than outer x width");
    inputs[i] = data;
    w[i] = widths[i];
    total += widths[i];
  }
  if (outer < 0 || (int64_t)lout < outer * total) return fail(env, "concat: out is too short");
  concat_rows(inputs.data(), w.data(), (int)count, outer, out);
  return nullptr;
}

// rowDots(rows, count, d, queries, n, out): out[r * n + j] = rows[r] . queries[j]; rows split across the threads.
napi_value RowDots(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *rows, *queries, *out;
  size_t lr, lq, lo;
  if (argc < 6 || !floats(env, argv[0], &rows, &lr) || !floats(env, argv[3], &queries, &lq) || !floats(env, argv[5], &out, &lo)) return fail(env, "rowDots: rows, queries and out must be Float32Arrays");
  const int64_t count = integer(env, argv[1]), d = integer(env, argv[2]), n = integer(env, argv[4]);
  if (count < 0 || d < 1 || n < 0) return fail(env, "rowDots: bad sizes");
  if ((int64_t)lr < count * d || (int64_t)lq < n * d || (int64_t)lo < count * n) return fail(env, "rowDots: arrays shorter than the sizes");
  const DotsKernel run = dots;
  // Parts of at least 2^18 multiply-adds: below that a helper thread costs more than it saves.
  const int64_t grain = (1 << 18) / (d * (n > 0 ? n : 1)) + 1;
  parallel(count, grain, [&](int64_t r0, int64_t r1) { run(rows + r0 * d, r1 - r0, d, queries, n, out + r0 * n); });
  return nullptr;
}

// useIsa("avx512" | "avx2" | "generic" | ""): "" picks the widest available; returns the one in use.
napi_value UseIsa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char wanted[32] = {0};
  size_t length = 0;
  if (argc >= 1) napi_get_value_string_utf8(env, argv[0], wanted, sizeof wanted, &length);
  chooseIsa(std::string(wanted, length));
  napi_value out;
  napi_create_string_utf8(env, isaName, NAPI_AUTO_LENGTH, &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  chooseIsa("");
  napi_value fn;
  napi_create_function(env, "matmul", NAPI_AUTO_LENGTH, Matmul, nullptr, &fn);
  napi_set_named_property(env, exports, "matmul", fn);
  napi_create_function(env, "useIsa", NAPI_AUTO_LENGTH, UseIsa, nullptr, &fn);
  napi_set_named_property(env, exports, "useIsa", fn);
  napi_create_function(env, "copy", NAPI_AUTO_LENGTH, Copy, nullptr, &fn);
  napi_set_named_property(env, exports, "copy", fn);
  napi_create_function(env, "binary", NAPI_AUTO_LENGTH, Binary, nullptr, &fn);
  napi_set_named_property(env, exports, "binary", fn);
  napi_create_function(env, "reduce", NAPI_AUTO_LENGTH, Reduce, nullptr, &fn);
  napi_set_named_property(env, exports, "reduce", fn);
  napi_create_function(env, "softmax", NAPI_AUTO_LENGTH, Softmax, nullptr, &fn);
  napi_set_named_property(env, exports, "softmax", fn);
  napi_create_function(env, "gather", NAPI_AUTO_LENGTH, Gather, nullptr, &fn);
  napi_set_named_property(env, exports, "gather", fn);
  napi_create_function(env, "bagMean", NAPI_AUTO_LENGTH, BagMean, nullptr, &fn);
  napi_set_named_property(env, exports, "bagMean", fn);
  napi_create_function(env, "bagMeanGrad", NAPI_AUTO_LENGTH, BagMeanGrad, nullptr, &fn);
  napi_set_named_property(env, exports, "bagMeanGrad", fn);
  napi_create_function(env, "unary", NAPI_AUTO_LENGTH, Unary, nullptr, &fn);
  napi_set_named_property(env, exports, "unary", fn);
  napi_create_function(env, "scatterAdd", NAPI_AUTO_LENGTH, ScatterAdd, nullptr, &fn);
  napi_set_named_property(env, exports, "scatterAdd", fn);
  napi_create_function(env, "adamw", NAPI_AUTO_LENGTH, AdamW, nullptr, &fn);
  napi_set_named_property(env, exports, "adamw", fn);
  napi_create_function(env, "concat", NAPI_AUTO_LENGTH, Concat, nullptr, &fn);
  napi_set_named_property(env, exports, "concat", fn);
  napi_create_function(env, "rowDots", NAPI_AUTO_LENGTH, RowDots, nullptr, &fn);
  napi_set_named_property(env, exports, "rowDots", fn);
  napi_value threads;
  napi_create_int32(env, parallel_threads(), &threads);
  napi_set_named_property(env, exports, "threads", threads);
  return exports;
}
}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
