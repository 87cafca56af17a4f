// src/model — GPT-2's weights in their final float32 place, and loading them from
// a safetensors index through a byte reader, one tensor at a time (peak memory is
// the weights plus one tensor of scratch for F16/BF16 files).
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

// The four Conv1D matrices of a layer are kept packed for kernels::gemm_packed
// (kernels::pack_weights of the [in, out] matrix); vectors are kept as they are.
struct LayerWeights {
  FloatBuffer ln1_g, ln1_b;      // [C]
  FloatBuffer attn_w, attn_b;    // [C, 3C], [3C]   (Conv1D: [in, out])
  FloatBuffer proj_w, proj_b;    // [C, C], [C]
  FloatBuffer ln2_g, ln2_b;      // [C]
  FloatBuffer fc_w, fc_b;        // [C, F], [F]     F = n_inner
  FloatBuffer fc2_w, fc2_b;      // [F, C], [C]
};

struct Gpt2Weights {
  FloatBuffer wte;  // [V, C]
  FloatBuffer wpe;  // [P, C]
  std::vector<LayerWeights> layers;
  FloatBuffer lnf_g, lnf_b;  // [C]
  FloatBuffer lm_head;       // [V, C]; empty when tied to wte
  bool has_nonfinite = false;  // some weight is NaN or Inf (loaded anyway; runs report it)
  std::string nonfinite_tensor;  // the first such tensor
  const float* lm_head_data() const { return lm_head.empty() ? wte.data() : lm_head.data(); }
};

// Reads n bytes at absolute file offset `offset` into dst (formats::ByteReader).
using formats::ByteReader;
// Called after each tensor with (bytes read so far, total bytes to read).
using LoadProgress = std::function<void(uint64_t done, uint64_t total)>;

// Map HuggingFace tensor names (with or without the "transformer." prefix) onto
// GPT-2's weights, check every shape against the config, and read them.
// Tensors the model does not use (e.g. old checkpoints' "h.0.attn.bias" mask
// buffers) are ignored; a missing one is named in the error.
Result<Gpt2Weights> load_gpt2_weights(const Gpt2Config& config, const formats::SafetensorsIndex& index,
                                      const ByteReader& read, const LoadProgress& progress = {});

}  // namespace hs::model
