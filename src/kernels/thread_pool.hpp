// src/kernels/thread_pool — the kernels' own threads: a fixed pool and
// parallel_for over a range of independent items (GEMM column panels, attention
// heads). The calling thread works too, so n threads means n - 1 pool threads.
// Each item is computed by exactly one thread with the same code as the
// single-threaded path, so results are bit-identical for any thread count.
//
// One thread (the default) runs the body directly, as before the pool existed.
// Natively the count starts from the environment variable HEADSCOPE_THREADS;
// the threaded wasm module sets it from navigator.hardwareConcurrency
// (hs_set_threads). The pool threads never allocate: a body that needs scratch
// memory gets it from its caller.
#pragma once

#include <cstddef>
#include <type_traits>

namespace hs::kernels {

// Threads the kernels use (>= 1). Setting it stops the pool and starts
// count - 1 new threads; it must not be called while a kernel runs.
void set_thread_count(std::size_t count);
std::size_t thread_count();

// The largest count set_thread_count accepts.
constexpr std::size_t kMaxThreads = 64;

namespace detail {
using ChunkFn = void (*)(const void* body, std::size_t begin, std::size_t end);
void run_chunks(std::size_t n, std::size_t grain, ChunkFn fn, const void* body);
}  // namespace detail

// Calls body(begin, end) on contiguous chunks covering [0, n), one chunk per
// thread, each chunk's size a multiple of `grain` (but the last); returns when
// every chunk is done. Called from inside a body (or from two threads at once)
// the second call runs serially.
template <typename Body>
void parallel_for(std::size_t n, std::size_t grain, Body&& body) {
  using B = std::remove_reference_t<Body>;
  detail::run_chunks(
      n, grain,
      [](const void* b, std::size_t begin, std::size_t end) { (*static_cast<const B*>(b))(begin, end); },
      static_cast<const void*>(&body));
}

}  // namespace hs::kernels
