// Loading a model's weights from a validated safetensors index, slot by slot
// through the family's tensor table (tensor_names.hpp).
#include "model/weights.hpp"

#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "kernels/kernels.hpp"
#include "model/tensor_names.hpp"

namespace hs::model {

using formats::DType;
using formats::TensorInfo;

template <typename T>
Result<Buffer<T>> Buffer<T>::allocate(uint64_t n, const std::string& what) {
  Buffer b;
  if (n == 0) return b;
  if (n > SIZE_MAX / sizeof(T))
    return make_error("out of memory allocating " + std::to_string(n * sizeof(T) / (1024 * 1024)) + " MB for " +
                      what + " (larger than this build can address)");
  void* p = std::malloc(static_cast<std::size_t>(n) * sizeof(T));
  if (!p)
    return make_error("out of memory allocating " + std::to_string(n * sizeof(T) / (1024 * 1024)) +
                      " MB for " + what + " (the model is too large for the memory available here)");
  b.data_.reset(static_cast<T*>(p));
  b.n_ = static_cast<std::size_t>(n);
  return b;
}
template class Buffer<float>;
template class Buffer<uint16_t>;

const char* weight_storage_name(WeightStorage s) {
  switch (s) {
    case WeightStorage::AsStored: return "stored";
    case WeightStorage::Float32: return "f32";
    case WeightStorage::Compact16: return "compact16";
  }
  return "?";
}

std::optional<WeightStorage> weight_storage_from_name(std::string_view name) {
  for (WeightStorage s : {WeightStorage::AsStored, WeightStorage::Float32, WeightStorage::Compact16})
    if (name == weight_storage_name(s)) return s;
  return std::nullopt;
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

  // The tensor's 16-bit values (F16 or BF16) as stored, into dst (numel values).
  Status read16(const TensorInfo& t, uint16_t* dst) {
    Status s = read_(t.begin, t.end - t.begin, reinterpret_cast<unsigned char*>(dst));
    if (!s) return with_context(index_.source + ": tensor \"" + t.name + "\": ", s.error());
    return {};
  }

 private:
  const formats::SafetensorsIndex& index_;
  const ByteReader& read_;
  std::unique_ptr<unsigned char, void (*)(void*)> scratch_{nullptr, std::free};
  uint64_t scratch_size_ = 0;
};

// Put one stored tensor `src` (float32 or 16-bit bits, its stored shape) into the weight `dst`.
//   matrix weights are [K, N]: a part fills columns [offset, offset + its width)
//   vectors: elements [offset, offset + n); tables: all of it
template <typename E>
void place(const TensorPart& part, const WeightSlot& slot, const ModelSpec& spec, const E* src, E* dst) {
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
    std::memcpy(dst + part.offset, src, static_cast<std::size_t>(n) * sizeof(E));
    return;
  }
  const int64_t N = slot.shape[1];
  switch (part.placement) {
    case Placement::AsStored: {  // [K, n] into columns [offset, offset + n)
      const int64_t K = s[0], n = s[1];
      for (int64_t k = 0; k < K; ++k) std::memcpy(dst + k * N + part.offset, src + k * n, n * sizeof(E));
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
            const E* row = src + ((h * 3 + which) * dk + d) * K;
            const int64_t col = part.offset + which * H * dk + h * dk + d;
            for (int64_t k = 0; k < K; ++k) dst[k * N + col] = row[k];
          }
      break;
    }
  }
}

// The dtype of a weight's stored parts when all are the same 16-bit type.
std::optional<DType> common_16bit_dtype(const std::vector<const TensorInfo*>& parts) {
  const DType d = parts[0]->dtype;
  if (d != DType::F16 && d != DType::BF16) return std::nullopt;
  for (const TensorInfo* t : parts)
    if (t->dtype != d) return std::nullopt;
  return d;
}

kernels::WeightType weight_type(DType d) { return d == DType::F16 ? kernels::WeightType::F16 : kernels::WeightType::BF16; }

bool all_finite16(const Buffer<uint16_t>& b, DType d) {
  const uint16_t exponent = d == DType::F16 ? 0x7c00 : 0x7f80;  // all ones: inf or NaN
  for (std::size_t k = 0; k < b.size(); ++k)
    if ((b.data()[k] & exponent) == exponent) return false;
  return true;
}

bool all_finite(const FloatBuffer& b) {
  for (std::size_t k = 0; k < b.size(); ++k)
    if (!std::isfinite(b.data()[k])) return false;
  return true;
}

// A matrix or table [shape] of 16-bit bits into the kernels' 16-bit layout.
Status keep_16bit(const WeightSlot& slot, Buffer<uint16_t> dense, DType d, const std::string& what, Weights& w) {
  WeightArray& a = *slot.array;
  if (slot.matrix) {
    const std::size_t K = slot.shape[0], N = slot.shape[1];
    HS_TRY_ASSIGN(a.h16, Buffer<uint16_t>::allocate(kernels::packed_size(K, N), what));
    kernels::pack_weights16(dense.data(), K, N, a.h16.data());
  } else {
    const std::size_t rows = slot.shape[0], cols = slot.shape[1];
    HS_TRY_ASSIGN(a.h16, Buffer<uint16_t>::allocate(kernels::table_size(rows, cols), what));
    kernels::pack_table16(dense.data(), rows, cols, a.h16.data());
  }
  a.type = weight_type(d);
  ++w.arrays_16bit;
  w.bytes += a.bytes();
  w.f32_bytes += 2 * a.bytes();
  return {};
}

// A matrix or table of float32 into place (matrices repacked for gemm_packed,
// tables into the table layout: one extra array of memory, briefly).
Status keep_f32(const WeightSlot& slot, FloatBuffer dense, const std::string& what, Weights& w) {
  WeightArray& a = *slot.array;
  if (slot.matrix) {
    const std::size_t K = slot.shape[0], N = slot.shape[1];
    HS_TRY_ASSIGN(a.f32, FloatBuffer::allocate(kernels::packed_size(K, N), what));
    kernels::pack_weights(dense.data(), K, N, a.f32.data());
  } else {
    const std::size_t rows = slot.shape[0], cols = slot.shape[1];
    HS_TRY_ASSIGN(a.f32, FloatBuffer::allocate(kernels::table_size(rows, cols), what));
    kernels::pack_table(dense.data(), rows, cols, a.f32.data());
  }
  a.type = kernels::WeightType::F32;
  ++w.arrays_f32;
  w.bytes += a.bytes();
  w.f32_bytes += a.bytes();
  return {};
}

struct Compacted {
  Buffer<uint16_t> bits;
  DType dtype = DType::F16;
  double rel_error = 0.0;  // ||W16 - W|| / ||W||
};

// Finite float32 values rounded to F16 (to nearest even), or to BF16 when a value
// is beyond F16's largest (65504).
Result<Compacted> compact_16bit(const FloatBuffer& dense, const std::string& what) {
  Compacted c;
  HS_TRY_ASSIGN(c.bits, Buffer<uint16_t>::allocate(dense.size(), what));
  float max_abs = 0.0f;
  for (std::size_t k = 0; k < dense.size(); ++k) max_abs = std::max(max_abs, std::fabs(dense.data()[k]));
  c.dtype = max_abs <= 65504.0f ? DType::F16 : DType::BF16;
  double err = 0.0, norm = 0.0;
  for (std::size_t k = 0; k < dense.size(); ++k) {
    const float x = dense.data()[k];
    const uint16_t h = c.dtype == DType::F16 ? formats::float_to_half(x) : formats::float_to_bf16(x);
    const float back = c.dtype == DType::F16 ? formats::half_to_float(h) : formats::bf16_to_float(h);
    c.bits.data()[k] = h;
    err += (double(back) - x) * (double(back) - x);
    norm += double(x) * x;
  }
  c.rel_error = norm > 0.0 ? std::sqrt(err / norm) : 0.0;
  return c;
}

}  // namespace

Result<Weights> load_weights(const ModelSpec& spec, const formats::SafetensorsIndex& index, const ByteReader& read,
                             const LoadProgress& progress, WeightStorage storage) {
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
  w.storage = storage;
  uint64_t done = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const WeightSlot& slot = slots[i];
    if (found[i].empty()) continue;
    const std::string what = "tensor \"" + found[i][0]->name + "\"";
    const uint64_t n = numel(slot.shape);
    const bool direct = !slot.matrix && slot.parts.size() == 1 && slot.parts[0].placement == Placement::AsStored;
    FloatBuffer dense;
    const std::optional<DType> dtype16 = slot.array ? common_16bit_dtype(found[i]) : std::nullopt;
    if (dtype16 && storage != WeightStorage::Float32) {
      // kept 16-bit as stored: read the bits, place them, check them
      HS_TRY_ASSIGN(Buffer<uint16_t> dense16, Buffer<uint16_t>::allocate(n, what));
      if (direct) {
        HS_TRY(reader.read16(*found[i][0], dense16.data()));
      } else {
        for (std::size_t k = 0; k < slot.parts.size(); ++k) {
          const TensorInfo& t = *found[i][k];
          HS_TRY_ASSIGN(Buffer<uint16_t> stored, Buffer<uint16_t>::allocate(t.numel, "tensor \"" + t.name + "\""));
          HS_TRY(reader.read16(t, stored.data()));
          place(slot.parts[k], slot, spec, stored.data(), dense16.data());
        }
      }
      if (all_finite16(dense16, *dtype16)) {
        HS_TRY(keep_16bit(slot, std::move(dense16), *dtype16, what, w));
      } else {
        // F16 kernels assume finite values: keep this one in float32 (and report it below)
        HS_TRY_ASSIGN(dense, FloatBuffer::allocate(n, what));
        for (std::size_t k = 0; k < n; ++k)
          dense.data()[k] = *dtype16 == DType::F16 ? formats::half_to_float(dense16.data()[k])
                                                   : formats::bf16_to_float(dense16.data()[k]);
      }
    } else {
      HS_TRY_ASSIGN(dense, FloatBuffer::allocate(n, what));
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
    }
    if (!dense.empty()) {
      const bool finite = all_finite(dense);
      if (!finite && !w.has_nonfinite) {
        w.has_nonfinite = true;
        w.nonfinite_tensor = found[i][0]->name;
      }
      if (slot.array && storage == WeightStorage::Compact16 && finite) {
        HS_TRY_ASSIGN(Compacted c, compact_16bit(dense, what));
        w.compact_max_rel_error = std::max(w.compact_max_rel_error, c.rel_error);
        ++w.arrays_compacted;
        dense = FloatBuffer();
        HS_TRY(keep_16bit(slot, std::move(c.bits), c.dtype, what, w));
      } else if (slot.array) {
        HS_TRY(keep_f32(slot, std::move(dense), what, w));
      } else {
        w.bytes += dense.size() * sizeof(float);
        w.f32_bytes += dense.size() * sizeof(float);
        *slot.dest = std::move(dense);
      }
    }
    for (const TensorInfo* t : found[i]) done += t->end - t->begin;
    if (progress) progress(done, total);
  }
  // A stored LM head identical to the embeddings is the tied head written out: share it.
  if (!w.lm_head.empty() && w.lm_head.type == w.tok_emb.type && w.lm_head.bytes() == w.tok_emb.bytes() &&
      std::memcmp(w.lm_head.ref().data, w.tok_emb.ref().data, w.tok_emb.bytes()) == 0) {
    const bool half = w.lm_head.type != kernels::WeightType::F32;
    (half ? w.arrays_16bit : w.arrays_f32) -= 1;
    w.bytes -= w.lm_head.bytes();
    w.f32_bytes -= (half ? 2 : 1) * w.lm_head.bytes();
    w.lm_head = WeightArray();
  }
  return w;
}

}  // namespace hs::model
