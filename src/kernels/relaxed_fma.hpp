// src/kernels/relaxed_fma.hpp — xsimd for the kernels, with a fused multiply-add
// in the relaxed-SIMD wasm build. xsimd 13's wasm fma is a multiply and an add;
// compiled with -mrelaxed-simd (__wasm_relaxed_simd__), this exact-type overload
// of xsimd::fma for float batches of the wasm architecture is chosen over
// xsimd's template instead and emits f32x4.relaxed_madd, one instruction that
// the engine runs fused where the CPU has FMA (one rounding instead of two, so
// results can differ from the plain build's in the last bits), else as a
// multiply and an add.
// Every other build is unchanged.
#pragma once

#include <xsimd/xsimd.hpp>

#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

namespace xsimd {

inline batch<float, wasm> fma(batch<float, wasm> const& x, batch<float, wasm> const& y,
                              batch<float, wasm> const& z) noexcept {
  return wasm_f32x4_relaxed_madd(x, y, z);  // x * y + z
}

}  // namespace xsimd
#endif
