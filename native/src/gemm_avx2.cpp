// AVX2 + FMA rows of C from a packed B (as in gemm_avx512.cpp, rows padded to a multiple of 16):
// tiles of up to 6 rows x 16 columns in 12 registers; partial tiles through masked loads/stores.
#include <immintrin.h>
#include "gemm.h"

namespace {
#include "gemm_rows.h"

inline __m256i maskOf(int64_t cols) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(cols < 0 ? 0 : cols > 8 ? 8 : cols)), lanes);
}

template <int R>
void tile(const float* a, const float* bp, float* c, int64_t n, int64_t rsa, int64_t csa, int64_t np,
          int64_t i, int64_t j, int64_t k0, int64_t k1, bool first) {
  const int64_t cols = n - j;
  const __m256i m0 = maskOf(cols);
  const __m256i m1 = maskOf(cols - 8);
  __m256 acc0[R], acc1[R];
  for (int r = 0; r < R; r++) {
    float* cr = c + (i + r) * n + j;
    acc0[r] = first ? _mm256_setzero_ps() : _mm256_maskload_ps(cr, m0);
    acc1[r] = first ? _mm256_setzero_ps() : _mm256_maskload_ps(cr + 8, m1);
  }
  for (int64_t p = k0; p < k1; p++) {
    const float* bk = bp + p * np + j;
    const __m256 b0 = _mm256_loadu_ps(bk);
    const __m256 b1 = _mm256_loadu_ps(bk + 8);
    for (int r = 0; r < R; r++) {
      const __m256 av = _mm256_broadcast_ss(a + (i + r) * rsa + p * csa);
      acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    float* cr = c + (i + r) * n + j;
    _mm256_maskstore_ps(cr, m0, acc0[r]);
    _mm256_maskstore_ps(cr + 8, m1, acc1[r]);
  }
}

template <int R>
struct Rows {
  static void run(const float* a, const float* bp, float* c, int64_t n, int64_t rsa, int64_t csa, int64_t np, int64_t i, int64_t k0, int64_t k1, bool first) {
    for (int64_t j = 0; j < n; j += 16) tile<R>(a, bp, c, n, rsa, csa, np, i, j, k0, k1, first);
  }
};
}  // namespace

void gemm_rows_avx2(const float* a, const float* bp, float* c, int64_t m, int64_t n, int64_t k,
                      int64_t rsa, int64_t csa, int64_t np, int64_t csb, int64_t row0, int64_t row1) {
  (void)m;
  (void)csb;
  drive_rows<Rows>(a, bp, c, n, k, rsa, csa, np, row0, row1);
}
