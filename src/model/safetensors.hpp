// src/model — the safetensors container: parsing and validating its header, and
// converting one tensor's bytes to float32. Reading the bytes themselves is the
// caller's business (a file natively, File slices in the browser), so a large
// file is never held in memory twice.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data section; offsets are relative to the data section.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace hs::model {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, U16, U32, U64, BOOL, F8_E4M3, F8_E5M2 };

const char* dtype_name(DType d);
std::size_t dtype_size(DType d);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t numel = 0;
  uint64_t begin = 0;  // absolute file offsets of the tensor's bytes
  uint64_t end = 0;
};

struct SafetensorsIndex {
  std::string source;  // file name, for messages
  uint64_t header_size = 0;
  uint64_t data_start = 0;  // 8 + header_size
  uint64_t file_size = 0;
  std::vector<TensorInfo> tensors;  // in file order
  std::map<std::string, std::string> metadata;

  const TensorInfo* find(std::string_view name) const;
};

constexpr uint64_t kMaxSafetensorsHeader = 100000000;

// The header length stored in the first 8 bytes, validated against file_size.
Result<uint64_t> safetensors_header_length(const unsigned char* first8, uint64_t file_size,
                                           std::string_view source);

// Parse and validate the header (the N bytes after the first 8). Enforces what
// the reference reader does: JSON object, known dtypes, integer non-negative
// shapes, checked products, offsets that tile the data section exactly, byte
// lengths equal to numel x dtype size, no duplicate names, string metadata.
Result<SafetensorsIndex> parse_safetensors_header(std::string_view header, uint64_t file_size,
                                                  std::string_view source = "model.safetensors");

// Convert a tensor's raw little-endian bytes to float32 (F32, F16, BF16 only).
// `bytes` may be unaligned: values are read with memcpy.
Status convert_to_f32(const TensorInfo& t, const unsigned char* bytes, float* out);

bool dtype_is_float_supported(DType d);

}  // namespace hs::model
