// src/model — a model's weights in their final place, whatever its family
// (matrices and tables in float32 or kept 16-bit, vectors in float32), and
// loading them from a safetensors index through a byte reader, one tensor at a
// time (peak memory: the weights plus one matrix of scratch).
// Which HuggingFace tensors fill which weight is the family's table in
// tensor_names.cpp.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "formats/files.hpp"
#include "formats/safetensors.hpp"
#include "kernels/kernels.hpp"
#include "model/config.hpp"

namespace hs::model {

// An array from malloc, so that running out of memory (a model too big for the
// browser tab) is an error we can report, not an abort.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  // n is 64-bit so that a count too large for this build's size_t (wasm32) is an error, not a wrap.
  static Result<Buffer> allocate(uint64_t n, const std::string& what);
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t n_ = 0;
};
using FloatBuffer = Buffer<float>;

// How a checkpoint's matrices and embedding tables are kept in memory.
enum class WeightStorage {
  AsStored,   // F16/BF16 tensors stay 16-bit (widened in the kernels), F32 stay F32
  Float32,    // every weight widened to float32 at load
  Compact16,  // as stored, and F32 matrices/tables rounded to F16 (BF16 where a value exceeds F16's range)
};
const char* weight_storage_name(WeightStorage s);  // "stored", "f32", "compact16"
std::optional<WeightStorage> weight_storage_from_name(std::string_view name);

// A matrix (packed for kernels::gemm_packed) or an embedding table (the kernels' table layout),
// in float32 or in 16 bits in the kernels' 16-bit layout.
struct WeightArray {
  kernels::WeightType type = kernels::WeightType::F32;
  FloatBuffer f32;         // type F32
  Buffer<uint16_t> h16;    // type F16 or BF16
  kernels::WeightRef ref() const {
    return {type == kernels::WeightType::F32 ? static_cast<const void*>(f32.data()) : h16.data(), type};
  }
  bool empty() const { return f32.empty() && h16.empty(); }
  std::size_t bytes() const { return f32.size() * sizeof(float) + h16.size() * sizeof(uint16_t); }
};

// Matrices are kept [in, out] and packed for kernels::gemm_packed, embedding
// tables in the table layout (kernels.hpp), vectors as they are. Absent optional weights (biases a family does
// not have) are empty. C = n_embd, Q = n_head * head_dim, KV = n_kv_head * head_dim,
// F = n_inner.
struct LayerWeights {
  FloatBuffer norm1_g, norm1_b;    // [C] before attention (pre-norm), or after its residual (BERT)
  WeightArray qkv_w;               // [C, Q + 2 KV]: columns q | k | v
  FloatBuffer qkv_b;               // [Q + 2 KV]
  WeightArray o_w;                 // [Q, C]
  FloatBuffer o_b;                 // [C]
  FloatBuffer norm2_g, norm2_b;    // [C] before the MLP, or after its residual (BERT)
  WeightArray up_w;                // [C, F], or [C, 2F] gate | up for a gated MLP
  FloatBuffer up_b;
  WeightArray down_w;              // [F, C]
  FloatBuffer down_b;              // [C]
};

struct Weights {
  WeightArray tok_emb;                 // [V, C]
  FloatBuffer pos_emb;                 // [position_offset + P, C] (learned positions)
  FloatBuffer type_emb;                // [types, C]: row 0 is added (BERT, RoBERTa)
  FloatBuffer emb_norm_g, emb_norm_b;  // [C] (BERT family)
  std::vector<LayerWeights> layers;
  FloatBuffer final_norm_g, final_norm_b;  // [C] (decoders)
  WeightArray lm_head;                     // [V, C]; empty when tied to tok_emb
  // the masked-LM head (BERT family): dense [C, C] + activation + LayerNorm,
  // then the decoder (tied to tok_emb) + mlm_bias [V]
  WeightArray mlm_w;
  FloatBuffer mlm_b, mlm_norm_g, mlm_norm_b, mlm_bias;
  bool has_lm_head = true;             // false: an encoder saved without its masked-LM head
  bool has_nonfinite = false;          // some weight is NaN or Inf (loaded anyway; runs report it)
  std::string nonfinite_tensor;        // the first such tensor
  kernels::WeightRef lm_head_ref() const { return lm_head.empty() ? tok_emb.ref() : lm_head.ref(); }
  // how the matrices and tables are kept, and what they take
  WeightStorage storage = WeightStorage::AsStored;
  uint64_t bytes = 0;                  // every weight, as kept in memory
  uint64_t f32_bytes = 0;              // the same weights as float32
  int arrays_16bit = 0, arrays_f32 = 0;  // matrices and tables kept in 16 / 32 bits
  int arrays_compacted = 0;            // of those 16-bit, rounded from F32 (Compact16)
  double compact_max_rel_error = 0.0;  // max over rounded arrays of ||W16 - W|| / ||W||
};

// Reads n bytes at absolute file offset `offset` into dst (formats::ByteReader).
using formats::ByteReader;
// Called after each tensor with (bytes read so far, total bytes to read).
using LoadProgress = std::function<void(uint64_t done, uint64_t total)>;

// Find the family's HuggingFace tensors (with or without the checkpoint's
// prefix, e.g. "transformer." or "model."), check every shape against the
// config, and read them. Tensors the model does not use are ignored; a missing
// one is named in the error with the family.
Result<Weights> load_weights(const ModelSpec& spec, const formats::SafetensorsIndex& index, const ByteReader& read,
                             const LoadProgress& progress = {}, WeightStorage storage = WeightStorage::AsStored);

}  // namespace hs::model
