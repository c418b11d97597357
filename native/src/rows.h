// Row-wise and element-wise kernels over contiguous float32 data. Accumulations run in double,
// as TF.js's CPU kernels do in JavaScript numbers, so results agree to float32 rounding.
#pragma once
#include <cstdint>

enum UnaryOp { EXP = 0, ERF = 1 };

/** out[r] = scale * sum of row r of in[rows][cols]. */
void reduce_rows(const float* in, int64_t rows, int64_t cols, double scale, float* out);
/** Softmax of every row of in[rows][cols]. */
void softmax_rows(const float* in, int64_t rows, int64_t cols, float* out);
void unary(int op, const float* in, int64_t n, float* out);
