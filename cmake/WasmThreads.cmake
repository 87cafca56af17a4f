# The threaded wasm build (preset wasm-threads, which includes this file through
# CMAKE_PROJECT_INCLUDE): the relaxed-SIMD build (cmake/WasmRelaxedSimd.cmake,
# Emscripten 3.1.69) compiled and linked with -pthread, so the kernels' thread
# pool (src/kernels/thread_pool) runs on Web Workers over shared memory. The page
# starts it only when it is cross-origin isolated (COOP/COEP; web/headscope-api.mjs).
#   -sPTHREAD_POOL_SIZE   the workers are started with the module (a thread can
#                         then start while the module's own thread blocks): the
#                         factory's hsThreads - 1 (navigator.hardwareConcurrency
#                         in the page, the CPU count under web/cli.mjs); 3 if unset
#                         (the Catch2 suites under Node, which test up to 3 threads)
#   memory                shared; it still grows, up to MAXIMUM_MEMORY (4 GB, as
#                         in the other builds: a shared memory needs a fixed maximum)
# The browser module is named headscope-threads.{mjs,wasm} (src/wasm).
include(${CMAKE_CURRENT_LIST_DIR}/WasmRelaxedSimd.cmake)
add_compile_options(-pthread)
add_link_options(-pthread "-sPTHREAD_POOL_SIZE=Math.max(0,Math.min(63,(Module.hsThreads??4)-1))"
                 -Wno-pthreads-mem-growth)
set(HEADSCOPE_WASM_MODULE_NAME headscope-threads)
