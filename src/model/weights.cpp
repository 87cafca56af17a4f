// Loading a model's weights from a validated safetensors index, slot by slot
// through the family's tensor table (tensor_names.hpp).
#include "model/weights.hpp"

#include <cmath>
#include <cstring>
#include <map>

#include "kernels/kernels.hpp"
#include "model/tensor_names.hpp"

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

std::string shape_string(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

uint64_t numel(const std::vector<int64_t>& s) {
  uint64_t n = 1;
  for (int64_t d : s) n *= static_cast<uint64_t>(d);
  return n;
}

std::string looked_for(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 1; i < names.size(); ++i) out += (i > 1 ? ", \"" : "\"") + names[i] + "\"";
  return out.empty() ? "" : " (also looked for " + out + ")";
}

// Reads tensors as float32, reusing one malloc'd scratch buffer for 16-bit data.
class TensorReader {
 public:
  TensorReader(const formats::SafetensorsIndex& index, const ByteReader& read) : index_(index), read_(read) {}

  // The tensor's values as float32 into dst (numel floats).
  Status read(const TensorInfo& t, float* dst) {
    const uint64_t nbytes = t.end - t.begin;
    if (t.dtype == DType::F32) {
      // straight into place (little-endian hosts: native x86/ARM and wasm)
      Status s = read_(t.begin, nbytes, reinterpret_cast<unsigned char*>(dst));
      if (!s) return with_context(index_.source + ": tensor \"" + t.name + "\": ", s.error());
      return {};
    }
    if (nbytes > scratch_size_) {
      void* p = nbytes <= SIZE_MAX ? std::malloc(static_cast<std::size_t>(nbytes)) : nullptr;
      if (!p)
        return make_error("out of memory reading tensor \"" + t.name + "\" (" + std::to_string(nbytes / (1024 * 1024)) +
                          " MB of " + dtype_name(t.dtype) + ")");
      scratch_.reset(static_cast<unsigned char*>(p));
      scratch_size_ = nbytes;
    }
    Status s = read_(t.begin, nbytes, scratch_.get());
    if (!s) return with_context(index_.source + ": tensor \"" + t.name + "\": ", s.error());
    return convert_to_f32(t, scratch_.get(), dst);
  }

 private:
  const formats::SafetensorsIndex& index_;
  const ByteReader& read_;
  std::unique_ptr<unsigned char, void (*)(void*)> scratch_{nullptr, std::free};
  uint64_t scratch_size_ = 0;
};

// Put one stored tensor `src` (float32, its stored shape) into the weight `dst`.
//   matrix weights are [K, N]: a part fills columns [offset, offset + its width)
//   vectors: elements [offset, offset + n); tables: all of it
void place(const TensorPart& part, const WeightSlot& slot, const ModelSpec& spec, const float* src, float* dst) {
  const std::vector<int64_t>& s = part.shape;
  if (!slot.matrix) {  // vectors and tables
    const uint64_t n = numel(s);
    if (part.placement == Placement::NeoxQkv) {
      // entries per head: [h][q|k|v][d] -> [q|k|v][h][d]
      const int64_t H = spec.n_head, dk = spec.head_dim;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t which = 0; which < 3; ++which)
          for (int64_t d = 0; d < dk; ++d)
            dst[part.offset + which * H * dk + h * dk + d] = src[(h * 3 + which) * dk + d];
      return;
    }
    std::memcpy(dst + part.offset, src, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  const int64_t N = slot.shape[1];
  switch (part.placement) {
    case Placement::AsStored: {  // [K, n] into columns [offset, offset + n)
      const int64_t K = s[0], n = s[1];
      for (int64_t k = 0; k < K; ++k) std::memcpy(dst + k * N + part.offset, src + k * n, n * sizeof(float));
      break;
    }
    case Placement::Transposed: {  // [n, K] (out, in) into columns [offset, offset + n)
      const int64_t n = s[0], K = s[1];
      for (int64_t o = 0; o < n; ++o)
        for (int64_t k = 0; k < K; ++k) dst[k * N + part.offset + o] = src[o * K + k];
      break;
    }
    case Placement::NeoxQkv: {  // [3C, C] rows per head -> [C, 3C] columns q | k | v
      const int64_t H = spec.n_head, dk = spec.head_dim, K = s[1];
      for (int64_t h = 0; h < H; ++h)
        for (int64_t which = 0; which < 3; ++which)
          for (int64_t d = 0; d < dk; ++d) {
            const float* row = src + ((h * 3 + which) * dk + d) * K;
            const int64_t col = part.offset + which * H * dk + h * dk + d;
            for (int64_t k = 0; k < K; ++k) dst[k * N + col] = row[k];
          }
      break;
    }
  }
}

}  // namespace

Result<Weights> load_weights(const ModelSpec& spec, const formats::SafetensorsIndex& index, const ByteReader& read,
                             const LoadProgress& progress) {
  Weights w;
  std::vector<WeightSlot> slots = weight_slots(spec, w);
  const std::string family = family_name(spec.family);

  // Resolve names and check shapes and dtypes before allocating anything.
  std::vector<std::vector<const TensorInfo*>> found(slots.size());
  std::map<std::string, bool> group_present;  // group -> its first slot was found
  uint64_t total = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const WeightSlot& slot = slots[i];
    for (const TensorPart& part : slot.parts) {
      const TensorInfo* t = nullptr;
      for (const std::string& n : part.names)
        if ((t = index.find(n))) break;
      if (!slot.group.empty() && !group_present.count(slot.group)) group_present[slot.group] = t != nullptr;
      const bool group_absent = !slot.group.empty() && !group_present[slot.group];
      if (!t) {
        if (group_absent) break;
        if (slot.optional && slot.group.empty()) break;
        return make_error(index.source + ": missing tensor \"" + part.names[0] + "\"" + looked_for(part.names) +
                          (slot.group.empty() ? ", which a " + family + " model needs"
                                              : ", which " + slot.group + " of a " + family + " model needs"));
      }
      if (group_absent)
        return make_error(index.source + ": tensor \"" + t->name + "\" is there but the rest of " + slot.group +
                          " is not");
      if (t->shape != part.shape)
        return make_error(index.source + ": tensor \"" + t->name + "\" has shape " + shape_string(t->shape) +
                          " but config.json implies " + shape_string(part.shape));
      if (!dtype_is_float_supported(t->dtype))
        return make_error(index.source + ": tensor \"" + t->name + "\" has dtype " + dtype_name(t->dtype) +
                          "; Headscope reads F32, F16 and BF16 weights");
      found[i].push_back(t);
      total += t->end - t->begin;
    }
    if (!found[i].empty() && found[i].size() != slot.parts.size())
      return make_error(index.source + ": missing tensor \"" + slot.parts[found[i].size()].names[0] + "\"" +
                        looked_for(slot.parts[found[i].size()].names) + ", which a " + family + " model needs");
  }
  for (const auto& [group, present] : group_present)
    if (group == "the masked-LM head") w.has_lm_head = present;

  TensorReader reader(index, read);
  uint64_t done = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const WeightSlot& slot = slots[i];
    if (found[i].empty()) continue;
    const std::string what = "tensor \"" + found[i][0]->name + "\"";
    const bool direct = !slot.matrix && slot.parts.size() == 1 && slot.parts[0].placement == Placement::AsStored;
    HS_TRY_ASSIGN(FloatBuffer dense, FloatBuffer::allocate(numel(slot.shape), what));
    if (direct) {
      HS_TRY(reader.read(*found[i][0], dense.data()));
    } else {
      for (std::size_t k = 0; k < slot.parts.size(); ++k) {
        const TensorInfo& t = *found[i][k];
        HS_TRY_ASSIGN(FloatBuffer stored, FloatBuffer::allocate(t.numel, "tensor \"" + t.name + "\""));
        HS_TRY(reader.read(t, stored.data()));
        place(slot.parts[k], slot, spec, stored.data(), dense.data());
      }
    }
    if (!w.has_nonfinite)
      for (std::size_t k = 0; k < dense.size(); ++k)
        if (!std::isfinite(dense.data()[k])) {
          w.has_nonfinite = true;
          w.nonfinite_tensor = found[i][0]->name;
          break;
        }
    if (slot.matrix) {
      // repack into gemm_packed's panel layout (one extra matrix of memory, briefly)
      const std::size_t K = slot.shape[0], N = slot.shape[1];
      HS_TRY_ASSIGN(*slot.dest, FloatBuffer::allocate(kernels::packed_size(K, N), what));
      kernels::pack_weights(dense.data(), K, N, slot.dest->data());
    } else {
      *slot.dest = std::move(dense);
    }
    for (const TensorInfo* t : found[i]) done += t->end - t->begin;
    if (progress) progress(done, total);
  }
  // A stored LM head identical to the embeddings is the tied head written out: share it.
  if (!w.lm_head.empty() && std::memcmp(w.lm_head.data(), w.tok_emb.data(), w.tok_emb.size() * sizeof(float)) == 0)
    w.lm_head = FloatBuffer();
  return w;
}

}  // namespace hs::model
