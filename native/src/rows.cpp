#include "rows.h"
#include <cmath>
#include <vector>
#include "parallel.h"

namespace {
// Items per thread below which splitting costs more than it saves: plain arithmetic is memory
// bound, exp/erf/tanh/log cost tens of cycles an element.
constexpr int64_t GRAIN = 1 << 16;
constexpr int64_t GRAIN_TRANSCENDENTAL = 1 << 12;
}  // namespace

void reduce_middle(const float* in, int64_t outer, int64_t middle, int64_t inner, double scale, float* out) {
  if (inner == 1) {
    parallel(outer, GRAIN / (middle > 0 ? middle : 1) + 1, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const float* row = in + o * middle;
        double sum = 0;
        for (int64_t m = 0; m < middle; m++) sum += row[m];
        out[o] = (float)(sum * scale);
      }
    });
    return;
  }
  // Columns [i0, i1) of every outer block: a split by columns works for one block as for many.
  parallel(inner, GRAIN / (outer * middle > 0 ? outer * middle : 1) + 1, [&](int64_t i0, int64_t i1) {
    std::vector<double> acc(i1 - i0);
    for (int64_t o = 0; o < outer; o++) {
      for (auto& a : acc) a = 0;
      for (int64_t m = 0; m < middle; m++) {
        const float* row = in + (o * middle + m) * inner;
        for (int64_t i = i0; i < i1; i++) acc[i - i0] += row[i];
      }
      for (int64_t i = i0; i < i1; i++) out[o * inner + i] = (float)(acc[i - i0] * scale);
    }
  });
}

bool gather_rows(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, int64_t count, float* out) {
  for (int64_t r = 0; r < count; r++)
    if (ids[r] < 0 || ids[r] >= tableRows) return false;
  parallel(count, GRAIN / (width > 0 ? width : 1) + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* src = table + (int64_t)ids[r] * width;
      float* dst = out + r * width;
      for (int64_t c = 0; c < width; c++) dst[c] = src[c];
    }
  });
  return true;
}

void softmax_rows(const float* in, int64_t rows, int64_t cols, float* out) {
  parallel(rows, GRAIN_TRANSCENDENTAL / (cols > 0 ? cols : 1) + 1, [&](int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* row = in + r * cols;
    float* o = out + r * cols;
    float max = -INFINITY;
    for (int64_t c = 0; c < cols; c++) max = row[c] > max ? row[c] : max;
    double sum = 0;
    for (int64_t c = 0; c < cols; c++) {
      // TF.js rounds exp(x - max) to float32 before summing and dividing; so does this.
      o[c] = (float)std::exp((double)(row[c] - max));
      sum += o[c];
    }
    for (int64_t c = 0; c < cols; c++) o[c] = (float)(o[c] / sum);
  }
  });
}

// Abramowitz and Stegun 7.1.26, the approximation TF.js's CPU kernel evaluates.
static double erfApprox(double x) {
  const double p = 0.3275911, a1 = 0.254829592, a2 = -0.284496736, a3 = 1.421413741, a4 = -1.453152027, a5 = 1.061405429;
  const double sign = x > 0 ? 1 : x < 0 ? -1 : 0;
  const double v = std::fabs(x);
  const double t = 1.0 / (1.0 + p * v);
  return sign * (1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * std::exp(-v * v));
}

namespace {
void unaryRange(int op, const float* in, int64_t i0, int64_t i1, float* out) {
  switch (op) {
    case EXP:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)std::exp((double)in[i]);
      break;
    case ERF:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)erfApprox(in[i]);
      break;
    case SQUARE:
      for (int64_t i = i0; i < i1; i++) out[i] = in[i] * in[i];
      break;
    case RSQRT:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)(1.0 / std::sqrt((double)in[i]));
      break;
    case SQRT:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)std::sqrt((double)in[i]);
      break;
    case TANH:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)std::tanh((double)in[i]);
      break;
    case LOG:
      for (int64_t i = i0; i < i1; i++) out[i] = (float)std::log((double)in[i]);
      break;
    default:
      for (int64_t i = i0; i < i1; i++) out[i] = -in[i];
      break;
  }
}
}  // namespace

void unary(int op, const float* in, int64_t n, float* out) {
  const bool transcendental = op == EXP || op == ERF || op == TANH || op == LOG;
  parallel(n, transcendental ? GRAIN_TRANSCENDENTAL : GRAIN, [&](int64_t i0, int64_t i1) { unaryRange(op, in, i0, i1, out); });
}

void adamw(const AdamWStep& s, const float* param, const float* m, const float* v, const float* g, int64_t n, float* paramOut, float* mOut, float* vOut) {
  // Scalars rounded to float32 and one rounding per operation, as the composite form's tensors do.
  const float b1 = (float)s.beta1, b1c = (float)(1 - s.beta1), b2 = (float)s.beta2, b2c = (float)(1 - s.beta2);
  const float c1 = (float)s.correction1, c2 = (float)s.correction2, eps = (float)s.epsilon, decay = (float)s.decay, lr = (float)s.learningRate;
  parallel(n, GRAIN / 4, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float mi = m[i] * b1 + g[i] * b1c;
      const float vi = v[i] * b2 + (g[i] * g[i]) * b2c;
      const float step = (mi / c1) / (std::sqrt(vi / c2) + eps);
      paramOut[i] = param[i] - (step + param[i] * decay) * lr;
      mOut[i] = mi;
      vOut[i] = vi;
    }
  });
}

void scatter_add(const float* updates, const int64_t* offsets, int64_t count, int64_t sliceSize, float* out) {
  for (int64_t i = 0; i < count; i++) {
    float* dst = out + offsets[i];
    const float* src = updates + i * sliceSize;
    for (int64_t c = 0; c < sliceSize; c++) dst[c] += src[c];
  }
}

bool bag_mean(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, const float* mask, int64_t rows, int64_t tokens, float* out) {
  for (int64_t i = 0; i < rows * tokens; i++)
    if (mask[i] != 0.f && (ids[i] < 0 || ids[i] >= tableRows)) return false;
  parallel(rows, GRAIN / (tokens * width > 0 ? tokens * width : 1) + 1, [&](int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float* o = out + r * width;
    for (int64_t c = 0; c < width; c++) o[c] = 0.f;
    double count = 0;
    for (int64_t t = 0; t < tokens; t++) {
      if (mask[r * tokens + t] == 0.f) continue;
      const float* row = table + (int64_t)ids[r * tokens + t] * width;
      for (int64_t c = 0; c < width; c++) o[c] += row[c];
      count += 1;
    }
    const float inverse = (float)(1.0 / (count > 1 ? count : 1));
    for (int64_t c = 0; c < width; c++) o[c] *= inverse;
  }
  });
  return true;
}

void bag_mean_grad(const float* dy, int64_t width, const int32_t* ids, const float* mask, int64_t rows, int64_t tokens, float* grad) {
  for (int64_t r = 0; r < rows; r++) {
    double count = 0;
    for (int64_t t = 0; t < tokens; t++) count += mask[r * tokens + t] != 0.f;
    const float inverse = (float)(1.0 / (count > 1 ? count : 1));
    const float* d = dy + r * width;
    for (int64_t t = 0; t < tokens; t++) {
      if (mask[r * tokens + t] == 0.f) continue;
      float* g = grad + (int64_t)ids[r * tokens + t] * width;
      for (int64_t c = 0; c < width; c++) g[c] += d[c] * inverse;
    }
  }
}

void concat_rows(const float* const* inputs, const int64_t* widths, int count, int64_t outer, float* out) {
  int64_t total = 0;
  for (int i = 0; i < count; i++) total += widths[i];
  parallel(outer, GRAIN / (total > 0 ? total : 1) + 1, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      float* dst = out + o * total;
      for (int i = 0; i < count; i++) {
        const float* src = inputs[i] + o * widths[i];
        for (int64_t c = 0; c < widths[i]; c++) dst[c] = src[c];
        dst += widths[i];
      }
    }
  });
}
