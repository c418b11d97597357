#include "parallel.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace {
// At most this many threads in all: the kernels are memory-bound well before it.
constexpr int MAX_THREADS = 8;

struct Job {
  void (*body)(void*, int64_t, int64_t);
  void* context;
  int64_t n;
  int parts;
  uint32_t generation;
};

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  int helpers = 0;
  Job job{};  // written under the mutex, only while no part of the previous job is pending
  // The next part to run, tagged with its job's generation: a thread holding a stale job can
  // never claim a part of the next one.
  std::atomic<uint64_t> ticket{0};
  std::atomic<int> pending{0};

  void runParts(const Job& own) {
    uint64_t t = ticket.load();
    for (;;) {
      if ((uint32_t)(t >> 32) != own.generation || (int64_t)(t & 0xFFFFFFFFu) >= own.parts) return;
      if (!ticket.compare_exchange_weak(t, t + 1)) continue;
      const int64_t part = (int64_t)(t & 0xFFFFFFFFu);
      own.body(own.context, own.n * part / own.parts, own.n * (part + 1) / own.parts);
      if (pending.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_all();
      }
      t = ticket.load();
    }
  }

  void helper() {
    uint32_t seen = 0;
    for (;;) {
      Job own;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return job.generation != seen; });
        own = job;
        seen = own.generation;
      }
      runParts(own);
    }
  }
};

// Never destroyed: the helpers wait on it until the process exits (a destructor joining them at
// exit would hang or terminate).
Pool* pool() {
  static Pool* instance = [] {
    Pool* p = new Pool();
    const unsigned hardware = std::thread::hardware_concurrency();
    p->helpers = std::min<int>(hardware > 1 ? (int)hardware : 1, MAX_THREADS) - 1;
    // XLING_NATIVE_THREADS=n (1..64) sets the threads in all, read once when the pool starts:
    // for tests that run more threads than cores; unset, the default above holds.
    if (const char* wanted = std::getenv("XLING_NATIVE_THREADS")) {
      const long n = std::strtol(wanted, nullptr, 10);
      if (n >= 1 && n <= 64) p->helpers = (int)n - 1;
    }
    for (int i = 0; i < p->helpers; i++) std::thread(&Pool::helper, p).detach();
    return p;
  }();
  return instance;
}

// One job at a time (Node worker threads could call kernels together); a body must not itself
// call parallel_for, which would wait on this lock forever.
std::mutex callMutex;
}  // namespace

int parallel_threads() { return pool()->helpers + 1; }

void parallel_for(int64_t n, int64_t grain, void (*body)(void*, int64_t, int64_t), void* context) {
  Pool* p = pool();
  const int64_t byGrain = grain > 0 ? n / grain : n;
  const int parts = (int)std::min<int64_t>(byGrain, p->helpers + 1);
  if (parts <= 1) {
    if (n > 0) body(context, 0, n);
    return;
  }
  std::lock_guard<std::mutex> call(callMutex);
  Job own;
  {
    std::lock_guard<std::mutex> lock(p->mutex);
    own = Job{body, context, n, parts, p->job.generation + 1};
    p->job = own;
    p->pending.store(parts);
    p->ticket.store((uint64_t)own.generation << 32);
  }
  p->wake.notify_all();
  p->runParts(own);
  std::unique_lock<std::mutex> lock(p->mutex);
  p->done.wait(lock, [&] { return p->pending.load() == 0; });
}
