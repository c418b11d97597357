// The row driver both SIMD files share: blocks of KC along k, whole tiles of 6 rows, then the
// remaining rows. Included into each ISA's file inside its anonymous namespace, so every copy is
// compiled (and only ever runs) with that file's instruction set.
#pragma once

constexpr int64_t KC = 256;

template <template <int> class Rows>
void drive_rows(const float* a, const float* bp, float* c, int64_t n, int64_t k, int64_t rsa, int64_t csa, int64_t np, int64_t row0, int64_t row1) {
  if (k == 0) {
    for (int64_t i = row0; i < row1; i++)
      for (int64_t j = 0; j < n; j++) c[i * n + j] = 0.f;
    return;
  }
  for (int64_t k0 = 0; k0 < k; k0 += KC) {
    const int64_t k1 = k0 + KC < k ? k0 + KC : k;
    const bool first = k0 == 0;
    int64_t i = row0;
    for (; i + 6 <= row1; i += 6) Rows<6>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first);
    switch (row1 - i) {
      case 5: Rows<5>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first); break;
      case 4: Rows<4>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first); break;
      case 3: Rows<3>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first); break;
      case 2: Rows<2>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first); break;
      case 1: Rows<1>::run(a, bp, c, n, rsa, csa, np, i, k0, k1, first); break;
      default: break;
    }
  }
}
