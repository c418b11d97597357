// AVX-512 rows of C from a packed B (k-major, each row padded to a multiple of 16 floats with
// zeros: rsb = padded width, csb = 1). Tiles of up to 6 rows x 32 columns accumulate in 12
// registers over blocks of 256 k, broadcasting A; partial column tiles use masked loads and stores.
// No standard-library code here: this file is compiled with AVX-512 enabled.
#include <immintrin.h>
#include "gemm.h"

namespace {
#include "gemm_rows.h"

template <int R>
void tile(const float* a, const float* bp, float* c, int64_t n, int64_t rsa, int64_t csa, int64_t np,
          int64_t i, int64_t j, int64_t k0, int64_t k1, bool first) {
  const int64_t cols = n - j;
  const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1u);
  const __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1u) : (__mmask16)0;
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; r++) {
    float* cr = c + (i + r) * n + j;
    acc0[r] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m0, cr);
    acc1[r] = first || m1 == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m1, cr + 16);
  }
  for (int64_t p = k0; p < k1; p++) {
    const float* bk = bp + p * np + j;
    const __m512 b0 = _mm512_loadu_ps(bk);
    const __m512 b1 = m1 ? _mm512_loadu_ps(bk + 16) : _mm512_setzero_ps();
    for (int r = 0; r < R; r++) {
      const __m512 av = _mm512_set1_ps(a[(i + r) * rsa + p * csa]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    float* cr = c + (i + r) * n + j;
    _mm512_mask_storeu_ps(cr, m0, acc0[r]);
    if (m1) _mm512_mask_storeu_ps(cr + 16, m1, acc1[r]);
  }
}

template <int R>
struct Rows {
  static void run(const float* a, const float* bp, float* c, int64_t n, int64_t rsa, int64_t csa, int64_t np, int64_t i, int64_t k0, int64_t k1, bool first) {
    for (int64_t j = 0; j < n; j += 32) tile<R>(a, bp, c, n, rsa, csa, np, i, j, k0, k1, first);
  }
};
}  // namespace

void gemm_rows_avx512(const float* a, const float* bp, float* c, int64_t m, int64_t n, int64_t k,
                      int64_t rsa, int64_t csa, int64_t np, int64_t csb, int64_t row0, int64_t row1) {
  (void)m;
  (void)csb;
  drive_rows<Rows>(a, bp, c, n, k, rsa, csa, np, row0, row1);
}

void row_dots_avx512(const float* rows, int64_t count, int64_t d, const float* queries, int64_t n, float* out) {
  const int64_t full = d / 16 * 16;
  const __mmask16 tail = (__mmask16)((1u << (d - full)) - 1u);
  for (int64_t r = 0; r < count; r++) {
    const float* row = rows + r * d;
    for (int64_t j = 0; j < n; j++) {
      const float* q = queries + j * d;
      __m512 acc = _mm512_setzero_ps();
      for (int64_t p = 0; p < full; p += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(row + p), _mm512_loadu_ps(q + p), acc);
      if (tail) acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, row + full), _mm512_maskz_loadu_ps(tail, q + full), acc);
      out[r * n + j] = _mm512_reduce_add_ps(acc);
    }
  }
}
