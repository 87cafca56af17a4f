// safetensors: header parsing and validation, reading through a ByteReader,
// dtype conversion, writing (see safetensors.hpp).
#include "formats/safetensors.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include "json/json.hpp"

namespace hs::formats {

namespace {

using json::quoted;

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  out = a * b;
  return true;
}

}  // namespace

bool dtype_is_float_supported(DType d) { return d == DType::F32 || d == DType::F16 || d == DType::BF16; }

const TensorInfo* SafetensorsIndex::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Result<uint64_t> safetensors_header_length(const unsigned char* first8, uint64_t file_size,
                                           std::string_view source) {
  const std::string src(source);
  if (file_size < 8)
    return make_error(src + ": file is " + std::to_string(file_size) +
                      " bytes, too short for a safetensors header (needs at least 8)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first8[i];
  if (n > kMaxSafetensorsHeader)
    return make_error(src + ": header length " + std::to_string(n) + " exceeds the limit of " +
                      std::to_string(kMaxSafetensorsHeader) + " bytes (not a safetensors file?)");
  if (n > file_size - 8)
    return make_error(src + ": header length " + std::to_string(n) + " runs past the end of the file (" +
                      std::to_string(file_size) + " bytes)");
  return n;
}

Result<SafetensorsIndex> parse_safetensors_header(std::string_view header, uint64_t file_size,
                                                  std::string_view source) {
  const std::string src(source);
  if (!json::is_valid_utf8(header)) return make_error(src + ": header is not valid UTF-8");
  json::ParseOptions opts;
  opts.max_depth = 4;
  HS_TRY_ASSIGN(json::Value root, json::parse(header, src + " header", opts));
  if (!root.is_object())
    return make_error(src + ": header must be a JSON object, got " + json::type_name(root.type));

  if (file_size < 8 || header.size() > file_size - 8)
    return make_error(src + ": header of " + std::to_string(header.size()) + " bytes does not fit in a file of " +
                      std::to_string(file_size) + " bytes");
  SafetensorsIndex index;
  index.source = src;
  index.header_size = header.size();
  index.data_start = 8 + header.size();
  index.file_size = file_size;
  const uint64_t data_size = file_size - index.data_start;

  for (std::size_t i = 0; i < root.keys.size(); ++i) {
    const std::string& name = root.keys[i];
    const json::Value& v = root.items[i];
    if (name == "__metadata__") {
      if (!v.is_object()) return make_error(src + ": __metadata__ must be an object of strings");
      for (std::size_t m = 0; m < v.keys.size(); ++m) {
        if (!v.items[m].is_string())
          return make_error(src + ": __metadata__ value " + quoted(v.keys[m]) + " is " +
                            json::type_name(v.items[m].type) + ", must be a string");
        index.metadata[v.keys[m]] = v.items[m].string;
      }
      continue;
    }
    const std::string where = src + ": tensor " + quoted(name);
    if (!v.is_object()) return make_error(where + ": entry must be an object");
    const json::Value* dtype = v.find("dtype");
    const json::Value* shape = v.find("shape");
    const json::Value* offsets = v.find("data_offsets");
    if (!dtype || !dtype->is_string()) return make_error(where + ": missing or non-string \"dtype\"");
    if (!shape || !shape->is_array()) return make_error(where + ": missing or non-array \"shape\"");
    if (!offsets || !offsets->is_array() || offsets->items.size() != 2)
      return make_error(where + ": \"data_offsets\" must be an array [begin, end]");

    TensorInfo t;
    t.name = name;
    const std::optional<DType> known = dtype_from_name(dtype->string);
    if (!known) return make_error(where + ": unknown dtype " + quoted(dtype->string));
    t.dtype = *known;

    uint64_t numel = 1;
    for (const auto& d : shape->items) {
      if (!d.is_number() || !d.is_integer || d.integer < 0)
        return make_error(where + ": shape must hold non-negative integers");
      t.shape.push_back(d.integer);
      if (!checked_mul(numel, static_cast<uint64_t>(d.integer), numel))
        return make_error(where + ": shape's element count overflows 64 bits");
    }
    t.numel = numel;
    uint64_t nbytes;
    if (!checked_mul(numel, dtype_size(t.dtype), nbytes))
      return make_error(where + ": byte size overflows 64 bits");
    for (const auto& o : offsets->items)
      if (!o.is_number() || !o.is_integer || o.integer < 0)
        return make_error(where + ": data_offsets must be non-negative integers");
    const uint64_t b = offsets->items[0].integer, e = offsets->items[1].integer;
    if (e < b)
      return make_error(where + ": data_offsets end " + std::to_string(e) + " is before begin " + std::to_string(b));
    if (e > data_size)
      return make_error(where + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                        "] run past the end of the data section (" + std::to_string(data_size) + " bytes)");
    if (e - b != nbytes)
      return make_error(where + ": data_offsets span " + std::to_string(e - b) + " bytes but shape x " +
                        dtype_name(t.dtype) + " needs " + std::to_string(nbytes));
    for (const auto& other : index.tensors)
      if (other.name == name) return make_error(src + ": duplicate tensor name " + quoted(name));
    t.begin = index.data_start + b;
    t.end = index.data_start + e;
    index.tensors.push_back(std::move(t));
  }

  // Sorted by offset, the tensors must tile the data section exactly.
  std::vector<const TensorInfo*> order;
  for (const auto& t : index.tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  uint64_t expected = index.data_start;
  for (const TensorInfo* t : order) {
    if (t->begin < expected)
      return make_error(src + ": tensor " + quoted(t->name) + " overlaps the tensor before it (data_offsets begin " +
                        std::to_string(t->begin - index.data_start) + ")");
    if (t->begin > expected)
      return make_error(src + ": gap in the data section before tensor " + quoted(t->name) + " (data_offsets begin " +
                        std::to_string(t->begin - index.data_start) + ", expected " +
                        std::to_string(expected - index.data_start) + ")");
    expected = t->end;
  }
  if (expected != file_size)
    return make_error(src + ": " + std::to_string(file_size - expected) +
                      " trailing bytes after the last tensor's data");
  return index;
}

Result<SafetensorsIndex> read_safetensors_index(uint64_t file_size, const ByteReader& read, std::string_view source) {
  const std::string name(source);
  unsigned char first8[8] = {0};
  if (file_size >= 8) {
    Status s = read(0, 8, first8);
    if (!s) return with_context(name + ": ", s.error());
  }
  HS_TRY_ASSIGN(uint64_t header_len, safetensors_header_length(first8, file_size, name));
  std::string header(header_len, '\0');
  if (header_len > 0) {
    Status s = read(8, header_len, reinterpret_cast<unsigned char*>(header.data()));
    if (!s) return with_context(name + ": ", s.error());
  }
  return parse_safetensors_header(header, file_size, name);
}

namespace {

template <class Scalar>
Scalar load_le(const unsigned char* p) {  // x86 and wasm are little-endian
  Scalar v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Element-wise conversion of the dtypes both float32 and float64 readers take;
// false for any other dtype.
template <class Out>
bool convert_float_dtype(const TensorInfo& t, const unsigned char* bytes, Out* out) {
  switch (t.dtype) {
    case DType::F32:
      if (std::is_same_v<Out, float>) {
        if (t.numel) std::memcpy(out, bytes, t.numel * 4);  // empty tensors may come with null pointers
      } else {
        for (uint64_t i = 0; i < t.numel; ++i) out[i] = load_le<float>(bytes + 4 * i);
      }
      return true;
    case DType::F16:
      for (uint64_t i = 0; i < t.numel; ++i) out[i] = half_to_float(load_le<uint16_t>(bytes + 2 * i));
      return true;
    case DType::BF16:
      for (uint64_t i = 0; i < t.numel; ++i) out[i] = bf16_to_float(load_le<uint16_t>(bytes + 2 * i));
      return true;
    default:
      return false;
  }
}

}  // namespace

Status convert_to_f32(const TensorInfo& t, const unsigned char* bytes, float* out) {
  if (convert_float_dtype(t, bytes, out)) return {};
  return make_error("tensor " + quoted(t.name) + " has dtype " + dtype_name(t.dtype) +
                    "; Headscope reads F32, F16 and BF16 weights");
}

Status convert_to_f64(const TensorInfo& t, const unsigned char* bytes, double* out) {
  if (convert_float_dtype(t, bytes, out)) return {};
  switch (t.dtype) {
    case DType::F64:
      for (uint64_t i = 0; i < t.numel; ++i) out[i] = load_le<double>(bytes + 8 * i);
      return {};
    case DType::I32:
      for (uint64_t i = 0; i < t.numel; ++i) out[i] = load_le<int32_t>(bytes + 4 * i);
      return {};
    default:
      return make_error("tensor " + quoted(t.name) + " has dtype " + dtype_name(t.dtype) +
                        "; readable as float64: F64, F32, F16, BF16, I32");
  }
}

namespace {

void append_le(std::string& out, const void* p, std::size_t n) {
  out.append(static_cast<const char*>(p), n);  // x86 and wasm are little-endian
}

// The tensor's values in its dtype, appended to `data`.
Status append_tensor_data(const std::string& path, const TensorValues& t, std::string& data) {
  uint64_t numel = 1;
  for (int64_t d : t.shape) {
    if (d < 0 || !checked_mul(numel, static_cast<uint64_t>(d), numel))
      return make_error(path + ": tensor " + quoted(t.name) + " has an invalid shape");
  }
  if (numel != t.values.size())
    return make_error(path + ": tensor " + quoted(t.name) + " has " + std::to_string(t.values.size()) +
                      " values for a shape of " + std::to_string(numel) + " elements");
  for (double v : t.values) {
    switch (t.dtype) {
      case DType::F16: { const uint16_t h = float_to_half(float(v)); append_le(data, &h, 2); break; }
      case DType::F32: { const float f = float(v); append_le(data, &f, 4); break; }
      case DType::F64: append_le(data, &v, 8); break;
      case DType::I32: { const int32_t k = int32_t(std::llround(v)); append_le(data, &k, 4); break; }
      default:
        return make_error(path + ": tensor " + quoted(t.name) + ": writing dtype " + dtype_name(t.dtype) +
                          " is not supported (F16, F32, F64, I32)");
    }
  }
  return {};
}

}  // namespace

Status write_safetensors(const std::string& path, std::vector<TensorValues> tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorValues& a, const TensorValues& b) { return a.name < b.name; });
  std::string header = "{";
  if (!metadata.empty()) {
    json::write_string(header, "__metadata__");
    header += ":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) header += ",";
      first = false;
      json::write_string(header, k);
      header += ":";
      json::write_string(header, v);
    }
    header += "}";
  }
  std::string data;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorValues& t = tensors[i];
    if (i > 0 && t.name == tensors[i - 1].name) return make_error(path + ": duplicate tensor name " + quoted(t.name));
    const std::size_t begin = data.size();
    HS_TRY(append_tensor_data(path, t, data));
    if (header.size() > 1) header += ",";
    json::write_string(header, t.name);
    header += ":{\"dtype\":\"" + std::string(dtype_name(t.dtype)) + "\",\"shape\":[";
    for (std::size_t d = 0; d < t.shape.size(); ++d) header += (d ? "," : "") + std::to_string(t.shape[d]);
    header += "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  while (header.size() % 8) header += ' ';  // keep the data section 8-byte aligned
  unsigned char header_len[8];
  for (int i = 0; i < 8; ++i) header_len[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
  const std::string tmp = path + ".tmp";
  {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!f) return make_error(tmp + ": cannot open for writing (" + std::strerror(errno) + ")");
    const bool written = std::fwrite(header_len, 1, 8, f.get()) == 8 &&
                         std::fwrite(header.data(), 1, header.size(), f.get()) == header.size() &&
                         std::fwrite(data.data(), 1, data.size(), f.get()) == data.size();
    if (!written || std::fclose(f.release()) != 0) return make_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return make_error(path + ": rename failed");
  return {};
}

Result<std::map<std::string, TensorValues>> read_safetensors_values(const std::string& path) {
  HS_TRY_ASSIGN(ByteSource file, open_byte_source(path));
  HS_TRY_ASSIGN(SafetensorsIndex index, read_safetensors_index(file.size, file.read, path));
  std::map<std::string, TensorValues> out;
  std::vector<unsigned char> bytes;
  for (const TensorInfo& t : index.tensors) {
    TensorValues v;
    v.name = t.name;
    v.dtype = t.dtype;
    v.shape = t.shape;
    bytes.resize(t.end - t.begin);
    if (!bytes.empty()) {
      Status s = file.read(t.begin, bytes.size(), bytes.data());
      if (!s) return with_context(path + ": ", s.error());
    }
    v.values.resize(t.numel);
    if (Status s = convert_to_f64(t, bytes.data(), v.values.data()); !s) return with_context(path + ": ", s.error());
    out[t.name] = std::move(v);
  }
  return out;
}

}  // namespace hs::formats
