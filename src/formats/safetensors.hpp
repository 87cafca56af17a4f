// src/formats — file formats (see dtype.hpp). This header: the safetensors
// container. Reading is strict and streaming: the header is parsed and
// validated, and every byte is read through a ByteReader (a file natively, File
// slices in the browser), so a large file is never held in memory twice.
// Writing (the trainer's checkpoints and exports) produces what the reader
// accepts: tensors sorted by name, tiling an 8-byte aligned data section.
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
#include "formats/dtype.hpp"
#include "formats/files.hpp"

namespace hs::formats {

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

// Read the first 8 bytes and the header through `read` and parse them: the
// index of a file of `file_size` bytes named `source`.
Result<SafetensorsIndex> read_safetensors_index(uint64_t file_size, const ByteReader& read,
                                                std::string_view source = "model.safetensors");

bool dtype_is_float_supported(DType d);  // F32, F16, BF16: what convert_to_f32 reads

// Convert a tensor's raw little-endian bytes to float32 (F32, F16, BF16 only).
// `bytes` may be unaligned: values are read with memcpy.
Status convert_to_f32(const TensorInfo& t, const unsigned char* bytes, float* out);

// Convert to float64: the float dtypes above plus F64 and I32 (what
// write_safetensors writes).
Status convert_to_f64(const TensorInfo& t, const unsigned char* bytes, double* out);

// A tensor held as doubles, for writing (stored converted to `dtype`: F16, F32,
// F64 or I32, whose values must be integral) and for reading small files whole.
struct TensorValues {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// Write `tensors` (any order; sorted by name in the file) to `path`, through a
// temporary file renamed into place.
Status write_safetensors(const std::string& path, std::vector<TensorValues> tensors,
                         const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Read every tensor of the file at `path` (strictly, one tensor at a time) as doubles.
Result<std::map<std::string, TensorValues>> read_safetensors_values(const std::string& path);

}  // namespace hs::formats
