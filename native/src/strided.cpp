// The innermost dimension runs as a plain loop (vectorised by the compiler when its strides are
// 1 or 0); the outer dimensions advance like an odometer. Large outputs are split into ranges of
// elements across threads, each range starting its odometer where it begins.
#include "strided.h"
#include "parallel.h"

namespace {
// Below this many elements a second thread costs more than it saves.
constexpr int64_t GRAIN = 1 << 16;

/** segment(at, column, count, index) over the output elements [begin, end), one row piece at a time. */
template <typename Segment>
void walk(const int64_t* shape, int rank, int64_t begin, int64_t end, Segment segment) {
  const int64_t n = shape[rank - 1];
  if (n == 0) return;
  int64_t index[8] = {0};
  int64_t row = begin / n, column = begin % n;
  for (int d = rank - 2; d >= 0; d--) {
    index[d] = row % shape[d];
    row /= shape[d];
  }
  for (int64_t at = begin; at < end;) {
    const int64_t count = n - column < end - at ? n - column : end - at;
    segment(at, column, count, index);
    at += count;
    column = 0;
    for (int d = rank - 2; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

inline int64_t offsetOf(const int64_t* index, const int64_t* strides, int rank, int64_t column) {
  int64_t at = column * strides[rank - 1];
  for (int d = 0; d < rank - 1; d++) at += index[d] * strides[d];
  return at;
}

int64_t sizeOf(const int64_t* shape, int rank) {
  int64_t size = 1;
  for (int d = 0; d < rank; d++) size *= shape[d];
  return size;
}

template <int Op>
inline float apply(float x, float y) {
  // MAX as JavaScript's Math.max: NaN when either is NaN.
  if (Op == MAX) return x != x || y != y ? x + y : x > y ? x : y;
  return Op == ADD ? x + y : Op == SUB ? x - y : Op == MUL ? x * y : x / y;
}

// The common stride pairs get loops the compiler can vectorise.
template <int Op>
void binaryLoop(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t j = 0; j < n; j++) out[j] = apply<Op>(a[j], b[j]);
  } else if (sa == 1 && sb == 0) {
    const float y = b[0];
    for (int64_t j = 0; j < n; j++) out[j] = apply<Op>(a[j], y);
  } else if (sa == 0 && sb == 1) {
    const float x = a[0];
    for (int64_t j = 0; j < n; j++) out[j] = apply<Op>(x, b[j]);
  } else {
    for (int64_t j = 0; j < n; j++) out[j] = apply<Op>(a[j * sa], b[j * sb]);
  }
}
}  // namespace

void strided_copy(const float* in, const int64_t* strides, const int64_t* shape, int rank, float* out) {
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int64_t s = strides[rank - 1];
  parallel(sizeOf(shape, rank), GRAIN, [&](int64_t begin, int64_t end) {
    walk(shape, rank, begin, end, [&](int64_t at, int64_t column, int64_t n, const int64_t* index) {
      const float* src = in + offsetOf(index, strides, rank, column);
      float* dst = out + at;
      if (s == 1)
        for (int64_t j = 0; j < n; j++) dst[j] = src[j];
      else
        for (int64_t j = 0; j < n; j++) dst[j] = src[j * s];
    });
  });
}

void strided_binary(int op, const float* a, const int64_t* as, const float* b, const int64_t* bs, const int64_t* shape, int rank, float* out) {
  if (rank == 0) {
    const float x = a[0], y = b[0];
    out[0] = op == ADD ? apply<ADD>(x, y) : op == SUB ? apply<SUB>(x, y) : op == MUL ? apply<MUL>(x, y) : op == DIV ? apply<DIV>(x, y) : apply<MAX>(x, y);
    return;
  }
  const int64_t sa = as[rank - 1], sb = bs[rank - 1];
  parallel(sizeOf(shape, rank), GRAIN, [&](int64_t begin, int64_t end) {
    walk(shape, rank, begin, end, [&](int64_t at, int64_t column, int64_t n, const int64_t* index) {
      const float* pa = a + offsetOf(index, as, rank, column);
      const float* pb = b + offsetOf(index, bs, rank, column);
      float* po = out + at;
      switch (op) {
        case ADD: binaryLoop<ADD>(pa, sa, pb, sb, po, n); break;
        case SUB: binaryLoop<SUB>(pa, sa, pb, sb, po, n); break;
        case MUL: binaryLoop<MUL>(pa, sa, pb, sb, po, n); break;
        case DIV: binaryLoop<DIV>(pa, sa, pb, sb, po, n); break;
        default: binaryLoop<MAX>(pa, sa, pb, sb, po, n); break;
      }
    });
  });
}
