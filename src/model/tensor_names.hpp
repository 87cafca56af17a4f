// src/model — which HuggingFace tensors make up each weight of a family, the
// way llama.cpp maps names: one table per family, written as data. A weight may
// be made of several stored tensors (Llama's q_proj, k_proj and v_proj fill one
// fused [C, Q + 2KV] matrix), each placed as it is stored or transposed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/weights.hpp"

namespace hs::model {

enum class Placement {
  AsStored,    // the stored layout: GPT-2's Conv1D [in, out], embedding tables, vectors
  Transposed,  // a Linear weight stored [out, in], placed [in, out]
  NeoxQkv,     // GPT-NeoX's fused query_key_value, rows (or entries) per head (q, k, v of
               // head 0, then of head 1, ...), placed as columns q | k | v
};

struct TensorPart {
  std::vector<std::string> names;  // the names to look for, in order (the canonical one first)
  std::vector<int64_t> shape;      // as stored
  Placement placement = Placement::AsStored;
  int64_t offset = 0;              // where it goes: a column of a matrix, an element of a vector
};

struct WeightSlot {
  FloatBuffer* dest = nullptr;   // a vector (or a small table: positions, token types), or
  WeightArray* array = nullptr;  // a matrix or an embedding table (may be kept 16-bit)
  std::vector<int64_t> shape;  // of the weight: [K, N] for a matrix, [n], or a table [rows, C]
  bool matrix = false;         // kept packed for kernels::gemm_packed (an array)
  bool optional = false;       // absent from the file: left empty
  std::string group;           // slots of a named group are all there or all absent (an MLM head)
  std::vector<TensorPart> parts;
};

// The family's weights, pointing into `w` (whose layers are sized here).
std::vector<WeightSlot> weight_slots(const ModelSpec& spec, Weights& w);

}  // namespace hs::model
