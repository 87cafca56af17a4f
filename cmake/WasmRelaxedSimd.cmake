# The relaxed-SIMD wasm build (preset wasm-relaxed, which includes this file
# through CMAKE_PROJECT_INCLUDE): the same module and tests as the wasm preset,
# compiled with -mrelaxed-simd so xsimd::fma becomes f32x4.relaxed_madd (fused
# multiply-add; src/kernels/relaxed_fma.hpp). clang 14 (Emscripten 3.1.6) cannot
# emit it, so this build uses Emscripten 3.1.69 with clang-19, as
# scripts/setup-debian.sh installs them under .deps/.
#   -sWASM_BIGINT     npm's binaryen has no wasm-emscripten-finalize, which the
#                     i64 legalisation of the JS boundary would need
#   -sSTACK_SIZE=5MB  3.1.69's default stack is 64 KB; the hostile-input replay
#                     (tests/hostile) needs more, as under 3.1.6's 5 MB default
# The browser module is named headscope-relaxed.{mjs,wasm} (src/wasm).
if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "cmake/WasmRelaxedSimd.cmake is for the Emscripten build (preset wasm-relaxed)")
endif()
if(EMSCRIPTEN_VERSION VERSION_LESS 3.1.69)
  message(FATAL_ERROR "the relaxed-SIMD build needs Emscripten >= 3.1.69 (found ${EMSCRIPTEN_VERSION}); "
                      "run scripts/setup-debian.sh, which puts it in .deps/emscripten-3.1.69")
endif()
add_compile_options(-mrelaxed-simd)
# clang 19 (not 14) warns on designated initialisers that leave fields to their defaults
add_compile_options(-Wno-missing-field-initializers)
add_link_options(-mrelaxed-simd -sWASM_BIGINT -sSTACK_SIZE=5MB)
set(HEADSCOPE_WASM_MODULE_NAME headscope-relaxed)
