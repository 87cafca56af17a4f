// Loading GPT-2 weights from a validated safetensors index.
#include "model/weights.hpp"

#include <cmath>
#include <cstring>

#include "kernels/kernels.hpp"

namespace hs::model {

using formats::DType;
using formats::TensorInfo;

Result<FloatBuffer> FloatBuffer::allocate(uint64_t n, const std::string& what) {
  FloatBuffer b;
  if (n == 0) return b;
  if (n > SIZE_MAX / sizeof(float))
    return make_error("out of memory allocating " + std::to_string(n * sizeof(float) / (1024 * 1024)) + " MB for " +
                      what + " (larger than this build can address)");
  void* p = std::malloc(static_cast<std::size_t>(n) * sizeof(float));
  if (!p)
    return make_error("out of memory allocating " + std::to_string(n * sizeof(float) / (1024 * 1024)) +
                      " MB for " + what + " (the model is too large for the memory available here)");
  b.data_.reset(static_cast<float*>(p));
  b.n_ = static_cast<std::size_t>(n);
  return b;
}

namespace {

struct Wanted {
  std::string name;               // canonical HF name without the "transformer." prefix
  std::vector<int64_t> shape;
  FloatBuffer* dest;
  bool optional = false;
  bool pack = false;  // a Conv1D matrix [in, out], stored packed for gemm_packed
};

std::string shape_string(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

Result<Gpt2Weights> load_gpt2_weights(const Gpt2Config& cfg, const formats::SafetensorsIndex& index,
                                      const ByteReader& read, const LoadProgress& progress) {
  const int64_t C = cfg.n_embd, V = cfg.vocab_size, P = cfg.n_positions, F = cfg.n_inner;
  Gpt2Weights w;
  w.layers.resize(cfg.n_layer);
  std::vector<Wanted> wanted = {
      {"wte.weight", {V, C}, &w.wte},
      {"wpe.weight", {P, C}, &w.wpe},
      {"ln_f.weight", {C}, &w.lnf_g},
      {"ln_f.bias", {C}, &w.lnf_b},
  };
  for (int64_t l = 0; l < cfg.n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    LayerWeights& L = w.layers[l];
    wanted.push_back({p + "ln_1.weight", {C}, &L.ln1_g});
    wanted.push_back({p + "ln_1.bias", {C}, &L.ln1_b});
    wanted.push_back({p + "attn.c_attn.weight", {C, 3 * C}, &L.attn_w, false, true});
    wanted.push_back({p + "attn.c_attn.bias", {3 * C}, &L.attn_b});
    wanted.push_back({p + "attn.c_proj.weight", {C, C}, &L.proj_w, false, true});
    wanted.push_back({p + "attn.c_proj.bias", {C}, &L.proj_b});
    wanted.push_back({p + "ln_2.weight", {C}, &L.ln2_g});
    wanted.push_back({p + "ln_2.bias", {C}, &L.ln2_b});
    wanted.push_back({p + "mlp.c_fc.weight", {C, F}, &L.fc_w, false, true});
    wanted.push_back({p + "mlp.c_fc.bias", {F}, &L.fc_b});
    wanted.push_back({p + "mlp.c_proj.weight", {F, C}, &L.fc2_w, false, true});
    wanted.push_back({p + "mlp.c_proj.bias", {C}, &L.fc2_b});
  }
  wanted.push_back({"lm_head.weight", {V, C}, &w.lm_head, true});

  // Resolve names and check shapes and dtypes before allocating anything.
  std::vector<const TensorInfo*> found(wanted.size(), nullptr);
  uint64_t total = 0;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const Wanted& want = wanted[i];
    const TensorInfo* t = index.find(want.name);
    if (!t) t = index.find("transformer." + want.name);
    if (!t) {
      if (want.optional) continue;
      return make_error(index.source + ": missing tensor \"" + want.name + "\" (also looked for \"transformer." +
                        want.name + "\")");
    }
    if (t->shape != want.shape)
      return make_error(index.source + ": tensor \"" + t->name + "\" has shape " + shape_string(t->shape) +
                        " but config.json implies " + shape_string(want.shape));
    if (!dtype_is_float_supported(t->dtype))
      return make_error(index.source + ": tensor \"" + t->name + "\" has dtype " + dtype_name(t->dtype) +
                        "; Headscope reads F32, F16 and BF16 weights");
    found[i] = t;
    total += t->end - t->begin;
  }

  // Scratch for F16/BF16 bytes: malloc'd, so running out of memory is an error.
  std::unique_ptr<unsigned char, void (*)(void*)> scratch(nullptr, std::free);
  uint64_t scratch_size = 0;
  uint64_t done = 0;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const TensorInfo* t = found[i];
    if (!t) continue;
    HS_TRY_ASSIGN(*wanted[i].dest, FloatBuffer::allocate(t->numel, "tensor \"" + t->name + "\""));
    float* dest = wanted[i].dest->data();
    const uint64_t nbytes = t->end - t->begin;
    if (t->dtype == DType::F32) {
      // straight into place (little-endian hosts: native x86/ARM and wasm)
      Status s = read(t->begin, nbytes, reinterpret_cast<unsigned char*>(dest));
      if (!s) return with_context(index.source + ": tensor \"" + t->name + "\": ", s.error());
    } else {
      if (nbytes > scratch_size) {
        void* p = nbytes <= SIZE_MAX ? std::malloc(static_cast<std::size_t>(nbytes)) : nullptr;
        if (!p)
          return make_error("out of memory reading tensor \"" + t->name + "\" (" +
                            std::to_string(nbytes / (1024 * 1024)) + " MB of " + dtype_name(t->dtype) + ")");
        scratch.reset(static_cast<unsigned char*>(p));
        scratch_size = nbytes;
      }
      Status s = read(t->begin, nbytes, scratch.get());
      if (!s) return with_context(index.source + ": tensor \"" + t->name + "\": ", s.error());
      HS_TRY(convert_to_f32(*t, scratch.get(), dest));
    }
    if (wanted[i].pack) {
      // repack into gemm_packed's panel layout (one extra tensor of memory, briefly)
      const std::size_t K = t->shape[0], N = t->shape[1];
      HS_TRY_ASSIGN(FloatBuffer packed, FloatBuffer::allocate(kernels::packed_size(K, N), "tensor \"" + t->name + "\""));
      kernels::pack_weights(dest, K, N, packed.data());
      *wanted[i].dest = std::move(packed);
      dest = nullptr;
    }
    if (!w.has_nonfinite) {
      const float* values = wanted[i].dest->data();
      const uint64_t count = wanted[i].dest->size();
      for (uint64_t k = 0; k < count; ++k)
        if (!std::isfinite(values[k])) {
          w.has_nonfinite = true;
          w.nonfinite_tensor = t->name;
          break;
        }
    }
    done += nbytes;
    if (progress) progress(done, total);
  }
  // A stored lm_head identical to wte is the tied head written out: share it.
  if (!w.lm_head.empty() && std::memcmp(w.lm_head.data(), w.wte.data(), w.wte.size() * sizeof(float)) == 0)
    w.lm_head = FloatBuffer();
  return w;
}

}  // namespace hs::model
