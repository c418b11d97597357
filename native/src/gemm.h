// C = A x B (+ C when accumulate) for one matrix; element (i, k) of A is a[i * rsa + k * csa] and
// element (k, j) of B is b[k * rsb + j * csb], so any transposition is a choice of strides.
#pragma once
#include <cstdint>

typedef void (*GemmKernel)(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k,
                           int64_t rsa, int64_t csa, int64_t rsb, int64_t csb, int64_t row0, int64_t row1);

// Rows [row0, row1) of C, written (not accumulated). Each ISA file defines one.
void gemm_rows_generic(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);
void gemm_rows_avx2(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);
void gemm_rows_avx512(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);

// out[r * n + j] = row r of `rows` (count x d) . query j of `queries` (n x d): the scores of an
// exact vector search. One dot product per pair with the SIMD lanes along d, so a single query
// costs what its rows cost to read (a GEMM tile would leave all but one lane idle).
typedef void (*DotsKernel)(const float* rows, int64_t count, int64_t d, const float* queries, int64_t n, float* out);
void row_dots_generic(const float*, int64_t, int64_t, const float*, int64_t, float*);
void row_dots_avx512(const float*, int64_t, int64_t, const float*, int64_t, float*);
