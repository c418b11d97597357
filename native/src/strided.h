// Element-wise work over N-D views: `shape` of the output (row-major, contiguous), and for each
// input an offset and one stride per output dimension (0 where it broadcasts). Copies of such
// views are Transpose, Slice and SplitV; binary ops with broadcasting are Add, Sub, Mul, Div.
#pragma once
#include <cstdint>

enum BinaryOp { ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4 };

void strided_copy(const float* in, const int64_t* strides, const int64_t* shape, int rank, float* out);
void strided_binary(int op, const float* a, const int64_t* as, const float* b, const int64_t* bs, const int64_t* shape, int rank, float* out);
