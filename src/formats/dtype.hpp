// src/formats — file formats: safetensors (reader and writer), its dtypes,
// HuggingFace config.json, reading files. Nothing here knows about GPT-2's
// tensors or the forward pass; src/model and src/train build on it.
// This header: the safetensors dtypes and the one float16/bfloat16 <-> float
// conversion of the project.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hs::formats {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, U16, U32, U64, BOOL, F8_E4M3, F8_E5M2 };

const char* dtype_name(DType d);           // as in the header: "F32", "BF16", ...
std::size_t dtype_size(DType d);           // bytes per element
std::optional<DType> dtype_from_name(std::string_view name);

// IEEE binary16 -> binary32 (exact: subnormals, inf and NaN kept).
float half_to_float(uint16_t h);
// IEEE binary32 -> binary16, round to nearest even; overflow to inf, NaN kept.
uint16_t float_to_half(float f);
// bfloat16 -> binary32 (exact: bfloat16 is the top half of a binary32).
float bf16_to_float(uint16_t h);
// binary32 -> bfloat16, round to nearest even; overflow to inf, NaN kept.
uint16_t float_to_bf16(float f);

}  // namespace hs::formats
