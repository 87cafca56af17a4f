// src/model — a model's weights in their final float32 place, whatever its
// family, and loading them from a safetensors index through a byte reader, one
// tensor at a time (peak memory: the weights plus one matrix of scratch).
// Which HuggingFace tensors fill which weight is the family's table in
// tensor_names.cpp.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "formats/files.hpp"
#include "formats/safetensors.hpp"
#include "model/config.hpp"

namespace hs::model {

// A float array from malloc, so that running out of memory (a model too big for
// the browser tab) is an error we can report, not an abort.
class FloatBuffer {
 public:
  FloatBuffer() = default;
  // n is 64-bit so that a count too large for this build's size_t (wasm32) is an error, not a wrap.
  static Result<FloatBuffer> allocate(uint64_t n, const std::string& what);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  std::size_t n_ = 0;
};

// Matrices are kept [in, out] and packed for kernels::gemm_packed; vectors and
// embedding tables as they are. Absent optional weights (biases a family does
// not have) are empty. C = n_embd, Q = n_head * head_dim, KV = n_kv_head * head_dim,
// F = n_inner.
struct LayerWeights {
  FloatBuffer norm1_g, norm1_b;    // [C] before attention (pre-norm), or after its residual (BERT)
  FloatBuffer qkv_w, qkv_b;        // [C, Q + 2 KV], [Q + 2 KV]: columns q | k | v
  FloatBuffer o_w, o_b;            // [Q, C], [C]
  FloatBuffer norm2_g, norm2_b;    // [C] before the MLP, or after its residual (BERT)
  FloatBuffer up_w, up_b;          // [C, F], or [C, 2F] gate | up for a gated MLP
  FloatBuffer down_w, down_b;      // [F, C], [C]
};

struct Weights {
  FloatBuffer tok_emb;                 // [V, C]
  FloatBuffer pos_emb;                 // [position_offset + P, C] (learned positions)
  FloatBuffer type_emb;                // [types, C]: row 0 is added (BERT, RoBERTa)
  FloatBuffer emb_norm_g, emb_norm_b;  // [C] (BERT family)
  std::vector<LayerWeights> layers;
  FloatBuffer final_norm_g, final_norm_b;  // [C] (decoders)
  FloatBuffer lm_head;                     // [V, C]; empty when tied to tok_emb
  // the masked-LM head (BERT family): dense [C, C] + activation + LayerNorm,
  // then the decoder (tied to tok_emb) + mlm_bias [V]
  FloatBuffer mlm_w, mlm_b, mlm_norm_g, mlm_norm_b, mlm_bias;
  bool has_lm_head = true;             // false: an encoder saved without its masked-LM head
  bool has_nonfinite = false;          // some weight is NaN or Inf (loaded anyway; runs report it)
  std::string nonfinite_tensor;        // the first such tensor
  const float* lm_head_data() const { return lm_head.empty() ? tok_emb.data() : lm_head.data(); }
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
                             const LoadProgress& progress = {});

}  // namespace hs::model
