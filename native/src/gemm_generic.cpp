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
