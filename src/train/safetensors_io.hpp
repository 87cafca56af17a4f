// src/train/safetensors_io.hpp — the trainer's safetensors writer and reader
// (8-byte little-endian header length, JSON header with dtype/shape/
// data_offsets, tensors sorted by name and tiling the data section,
// "__metadata__": {"format": "pt"}) plus float16 conversion. Used for exported
// HF checkpoints (F32/F16), gradient dumps for the PyTorch comparison (F64),
// and for reading a checkpoint back (analysis).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace hs::train {

enum class DType { F16, F32, F64, I32 };

const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct StTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<double> values;   // written converted to dtype (I32 values must be integral)
};

// Write `tensors` (any order; sorted by name in the file) to `path`.
Status write_safetensors(const std::string& path, std::vector<StTensor> tensors,
                         const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Read every tensor of a safetensors file, values widened to double.
Result<std::map<std::string, StTensor>> read_safetensors(const std::string& path);

uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

}  // namespace hs::train
