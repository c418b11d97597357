// Row-wise and element-wise kernels over contiguous float32 data. Accumulations run in double,
// as TF.js's CPU kernels do in JavaScript numbers, so results agree to float32 rounding.
#pragma once
#include <cstdint>

enum UnaryOp { EXP = 0, ERF = 1, SQUARE = 2, RSQRT = 3, SQRT = 4, TANH = 5, LOG = 6, NEG = 7 };

/** out[o][i] = scale * sum over m of in[o][m][i] (inner 1: the sum of each row). */
void reduce_middle(const float* in, int64_t outer, int64_t middle, int64_t inner, double scale, float* out);
/** out[r] = table[ids[r]] for rows of `width` floats; false when an id is outside [0, rows). */
bool gather_rows(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, int64_t count, float* out);
/** Softmax of every row of in[rows][cols]. */
void softmax_rows(const float* in, int64_t rows, int64_t cols, float* out);
void unary(int op, const float* in, int64_t n, float* out);

struct AdamWStep {
  double beta1, beta2, epsilon, correction1, correction2, decay, learningRate;
};
/** One AdamW update (gpu-worker/training/optimizer.ts) of n parameters: new moments and parameters into the out arrays. */
void adamw(const AdamWStep& step, const float* param, const float* m, const float* v, const float* g, int64_t n, float* paramOut, float* mOut, float* vOut);

/** out[r] = mean over the tokens t with mask[r][t] = 1 of table[ids[r][t]] (zeros for an empty row); false on an id outside the table. */
bool bag_mean(const float* table, int64_t tableRows, int64_t width, const int32_t* ids, const float* mask, int64_t rows, int64_t tokens, float* out);
/** grad[ids[r][t]] += dy[r] / count(r) for every masked-in token: the gradient of bag_mean (grad zeroed by the caller). */
void bag_mean_grad(const float* dy, int64_t width, const int32_t* ids, const float* mask, int64_t rows, int64_t tokens, float* grad);
/** out[offsets[i] .. + sliceSize] += updates[i * sliceSize ..]: ScatterNd into zeros, sums repeated offsets. */
void scatter_add(const float* updates, const int64_t* offsets, int64_t count, int64_t sliceSize, float* out);
/** Row o of out is row o of every input in turn (input i has widths[i] floats a row): Concat along any axis. */
void concat_rows(const float* const* inputs, const int64_t* widths, int count, int64_t outer, float* out);
