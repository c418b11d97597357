// Work split across the calling thread and a few helper threads that live for the whole process
// (starting a thread per kernel costs about as much as a small kernel). Parts are contiguous
// ranges, so each thread streams through its own memory.
#pragma once
#include <cstdint>

/** Threads that take part: the caller plus the helpers (1 on a single-core machine). */
int parallel_threads();

/** Calls body(context, begin, end) on parts of [0, n) of at least `grain` items each, in parallel; returns when all are done. */
void parallel_for(int64_t n, int64_t grain, void (*body)(void* context, int64_t begin, int64_t end), void* context);

/** parallel_for with a lambda or any callable taking (begin, end). */
template <typename F>
void parallel(int64_t n, int64_t grain, F&& f) {
  parallel_for(n, grain, [](void* c, int64_t begin, int64_t end) { (*static_cast<F*>(c))(begin, end); }, &f);
}
