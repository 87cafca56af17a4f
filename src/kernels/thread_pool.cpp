// src/kernels/thread_pool.cpp — see thread_pool.hpp. One job at a time: the
// caller publishes it (a generation number under a mutex), wakes the pool,
// runs chunk 0 itself and waits until every pool thread has finished its chunk.
// Waiting threads (a pool thread for the next job, the caller for the others)
// first spin a little on the atomic counters: a one-token step makes about 85
// calls, each too short to pay a sleep and a wake-up; then they block.
#include "kernels/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace hs::kernels {
namespace {

constexpr int kSpins = 1 << 14;  // polls of a counter before blocking (tens of microseconds)

// Polls done() up to kSpins times; whether it became true.
template <typename Done>
bool spin_until(Done done) {
  for (int i = 0; i < kSpins; ++i)
    if (done()) return true;
  return false;
}

class ThreadPool {
 public:
  ~ThreadPool() { stop(); }

  std::size_t count() const { return workers_.size() + 1; }

  void resize(std::size_t count) {
    stop();
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = false;
    const std::size_t now = generation_;  // a new thread waits for the next job, not the last one
    for (std::size_t i = 1; i < count; ++i) workers_.emplace_back([this, i, now] { work(i, now); });
  }

  // false: busy (a nested or concurrent call), the caller runs it alone
  bool run(std::size_t n, std::size_t grain, detail::ChunkFn fn, const void* body) {
    std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
    if (!submit.owns_lock()) return false;
    const std::size_t threads = count();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      n_ = n;
      grain_ = grain;
      fn_ = fn;
      body_ = body;
      threads_ = threads;
      pending_ = threads - 1;
      ++generation_;
    }
    wake_.notify_all();
    run_chunk(0);
    if (spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) return true;
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    return true;
  }

 private:
  // chunk i of threads_: whole grains, spread as evenly as they go
  void run_chunk(std::size_t i) const {
    const std::size_t grains = (n_ + grain_ - 1) / grain_;
    const std::size_t g0 = grains * i / threads_, g1 = grains * (i + 1) / threads_;
    const std::size_t begin = std::min(n_, g0 * grain_), end = std::min(n_, g1 * grain_);
    if (begin < end) fn_(body_, begin, end);
  }

  void work(std::size_t index, std::size_t seen) {
    for (;;) {
      const auto next = [&] { return quit_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(next)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, next);
      }
      if (quit_) return;
      seen = generation_;
      run_chunk(index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex submit_, mutex_;
  std::condition_variable wake_, done_;
  // written under mutex_ (the condition variables' predicates), read by the spins without it
  std::atomic<bool> quit_{false};
  std::atomic<std::size_t> generation_{0}, pending_{0};
  std::size_t n_ = 0, grain_ = 1, threads_ = 1;
  detail::ChunkFn fn_ = nullptr;
  const void* body_ = nullptr;
};

std::size_t threads_from_environment() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return 1;
#endif
  const char* v = std::getenv("HEADSCOPE_THREADS");
  if (!v || !*v) return 1;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 1) return 1;
  return std::min<std::size_t>(static_cast<std::size_t>(n), kMaxThreads);
}

ThreadPool& pool() {
  static ThreadPool p;
  static const bool started = (p.resize(threads_from_environment()), true);
  (void)started;
  return p;
}

}  // namespace

void set_thread_count(std::size_t count) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  count = 1;  // a wasm build without -pthread cannot start threads
#endif
  pool().resize(std::clamp<std::size_t>(count, 1, kMaxThreads));
}

std::size_t thread_count() { return pool().count(); }

namespace detail {
void run_chunks(std::size_t n, std::size_t grain, ChunkFn fn, const void* body) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  ThreadPool& p = pool();
  if (p.count() == 1 || n <= grain || !p.run(n, grain, fn, body)) fn(body, 0, n);
}
}  // namespace detail

}  // namespace hs::kernels
