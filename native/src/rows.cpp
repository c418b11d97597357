#include "rows.h"
#include <cmath>

void reduce_middle(const float* in, int64_t outer, int64_t middle, int64_t inner, double scale, float* out) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; o++) {
      const float* row = in + o * middle;
      double sum = 0;
      for (int64_t m = 0; m < middle; m++) sum += row[m];
      out[o] = (float)(sum * scale);
    }
    return;
  }
  double* acc = new double[inner];
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t i = 0; i < inner; i++) acc[i] = 0;
    for (int64_t m = 0; m < middle; m++) {
      const float* row = in + (o * middle + m) * inner;
      for (int64_t i = 0; i < inner; i++) acc[i] += row[i];
    }
    for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)(acc[i] * scale);
  }
  delete[] acc;
}

bool gather_rows(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, int64_t count, float* out) {
  for (int64_t r = 0; r < count; r++) {
    const int64_t id = ids[r];
    if (id < 0 || id >= tableRows) return false;
    const float* src = table + id * width;
    float* dst = out + r * width;
    for (int64_t c = 0; c < width; c++) dst[c] = src[c];
  }
  return true;
}

void softmax_rows(const float* in, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; r++) {
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
}

// Abramowitz and Stegun 7.1.26, the approximation TF.js's CPU kernel evaluates.
static double erfApprox(double x) {
  const double p = 0.3275911, a1 = 0.254829592, a2 = -0.284496736, a3 = 1.421413741, a4 = -1.453152027, a5 = 1.061405429;
  const double sign = x > 0 ? 1 : x < 0 ? -1 : 0;
  const double v = std::fabs(x);
  const double t = 1.0 / (1.0 + p * v);
  return sign * (1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * std::exp(-v * v));
}

void unary(int op, const float* in, int64_t n, float* out) {
  switch (op) {
    case EXP:
      for (int64_t i = 0; i < n; i++) out[i] = (float)std::exp((double)in[i]);
      break;
    case ERF:
      for (int64_t i = 0; i < n; i++) out[i] = (float)erfApprox(in[i]);
      break;
    case SQUARE:
      for (int64_t i = 0; i < n; i++) out[i] = in[i] * in[i];
      break;
    case RSQRT:
      for (int64_t i = 0; i < n; i++) out[i] = (float)(1.0 / std::sqrt((double)in[i]));
      break;
    case SQRT:
      for (int64_t i = 0; i < n; i++) out[i] = (float)std::sqrt((double)in[i]);
      break;
    case TANH:
      for (int64_t i = 0; i < n; i++) out[i] = (float)std::tanh((double)in[i]);
      break;
    case LOG:
      for (int64_t i = 0; i < n; i++) out[i] = (float)std::log((double)in[i]);
      break;
    default:
      for (int64_t i = 0; i < n; i++) out[i] = -in[i];
      break;
  }
}

void scatter_add(const float* updates, const int64_t* offsets, int64_t count, int64_t sliceSize, float* out) {
  for (int64_t i = 0; i < count; i++) {
    float* dst = out + offsets[i];
    const float* src = updates + i * sliceSize;
    for (int64_t c = 0; c < sliceSize; c++) dst[c] += src[c];
  }
}

bool bag_mean(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, const float* mask, int64_t rows, int64_t tokens, float* out) {
  for (int64_t r = 0; r < rows; r++) {
    float* o = out + r * width;
    for (int64_t c = 0; c < width; c++) o[c] = 0.f;
    double count = 0;
    for (int64_t t = 0; t < tokens; t++) {
      if (mask[r * tokens + t] == 0.f) continue;
      const int64_t id = ids[r * tokens + t];
      if (id < 0 || id >= tableRows) return false;
      const float* row = table + id * width;
      for (int64_t c = 0; c < width; c++) o[c] += row[c];
      count += 1;
    }
    const float inverse = (float)(1.0 / (count > 1 ? count : 1));
    for (int64_t c = 0; c < width; c++) o[c] *= inverse;
  }
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
