// safetensors header parsing and validation, and dtype conversion to float32.
#include "model/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "json/json.hpp"

namespace hs::model {

namespace {

struct DTypeEntry {
  const char* name;
  DType dtype;
  std::size_t size;
};

const DTypeEntry kDTypes[] = {
    {"F64", DType::F64, 8},   {"F32", DType::F32, 4},         {"F16", DType::F16, 2},
    {"BF16", DType::BF16, 2}, {"I64", DType::I64, 8},         {"I32", DType::I32, 4},
    {"I16", DType::I16, 2},   {"I8", DType::I8, 1},           {"U8", DType::U8, 1},
    {"U16", DType::U16, 2},   {"U32", DType::U32, 4},         {"U64", DType::U64, 8},
    {"BOOL", DType::BOOL, 1}, {"F8_E4M3", DType::F8_E4M3, 1}, {"F8_E5M2", DType::F8_E5M2, 1},
};

// A name from the file as a JSON string literal (quotes, control characters
// escaped), so that error messages stay on one line.
std::string quoted(std::string_view s) {
  std::string out;
  json::write_string(out, s);
  return out;
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  out = a * b;
  return true;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) { mant <<= 1; --exp; }
      mant &= 0x3FFu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf / nan
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

const char* dtype_name(DType d) {
  for (const auto& e : kDTypes)
    if (e.dtype == d) return e.name;
  return "?";
}

std::size_t dtype_size(DType d) {
  for (const auto& e : kDTypes)
    if (e.dtype == d) return e.size;
  return 0;
}

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
    bool known = false;
    for (const auto& e : kDTypes)
      if (dtype->string == e.name) { t.dtype = e.dtype; known = true; }
    if (!known) return make_error(where + ": unknown dtype " + quoted(dtype->string));

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

Status convert_to_f32(const TensorInfo& t, const unsigned char* bytes, float* out) {
  switch (t.dtype) {
    case DType::F32:
      if (t.numel) std::memcpy(out, bytes, t.numel * 4);  // empty tensors may come with null pointers
      return {};
    case DType::F16:
      for (uint64_t i = 0; i < t.numel; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      return {};
    case DType::BF16:
      for (uint64_t i = 0; i < t.numel; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      return {};
    default:
      return make_error("tensor \"" + t.name + "\" has dtype " + dtype_name(t.dtype) +
                        "; Headscope reads F32, F16 and BF16 weights");
  }
}

}  // namespace hs::model
