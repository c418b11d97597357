// Portable rows of C: i-k-j order so the inner loop runs over contiguous C (and B when csb == 1).
#include "gemm.h"

void gemm_rows_generic(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k,
                       int64_t rsa, int64_t csa, int64_t rsb, int64_t csb, int64_t row0, int64_t row1) {
  (void)m;
  for (int64_t i = row0; i < row1; i++) {
    float* ci = c + i * n;
    for (int64_t j = 0; j < n; j++) ci[j] = 0.f;
    for (int64_t p = 0; p < k; p++) {
      const float aip = a[i * rsa + p * csa];
      const float* bp = b + p * rsb;
      for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j * csb];
    }
  }
}

void row_dots_generic(const float* rows, int64_t count, int64_t d, const float* queries, int64_t n, float* out) {
  for (int64_t r = 0; r < count; r++) {
    const float* row = rows + r * d;
    for (int64_t j = 0; j < n; j++) {
      const float* q = queries + j * d;
      // Independent partial sums: the compiler may not reorder one float sum into vector lanes.
      float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
      int64_t p = 0;
      for (; p + 4 <= d; p += 4) {
        s0 += row[p] * q[p];
        s1 += row[p + 1] * q[p + 1];
        s2 += row[p + 2] * q[p + 2];
        s3 += row[p + 3] * q[p + 3];
      }
      for (; p < d; p++) s0 += row[p] * q[p];
      out[r * n + j] = (s0 + s1) + (s2 + s3);
    }
  }
}
