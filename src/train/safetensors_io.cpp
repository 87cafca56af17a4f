// src/train/safetensors_io.cpp — safetensors write/read for the trainer (see header).
#include "train/safetensors_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "json/json.hpp"

namespace hs::train {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F16: return "F16";
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I32: return "I32";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F16: return 2;
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
  }
  return 0;
}

// IEEE binary32 -> binary16, round to nearest even; overflow to inf, NaN kept.
uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exp = (x >> 23) & 0xffu;
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xff) return uint16_t(sign | 0x7c00u | (mant ? 0x200u : 0));
  int e = int(exp) - 127 + 15;
  if (e >= 31) return uint16_t(sign | 0x7c00u);
  if (e <= 0) {  // subnormal half (or zero)
    if (e < -10) return uint16_t(sign);
    mant |= 0x800000u;
    const int shift = 14 - e;  // 24-bit significand -> (11 - 1 + e)-bit
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return uint16_t(sign | h);
  }
  uint32_t h = (uint32_t(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent: correct
  return uint16_t(sign | h);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0) {
    const float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  } else if (exp == 31) {
    x = sign | 0x7f800000u | (mant << 13);
  } else {
    x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

static void put_le(std::string& out, const void* p, size_t n) {
  out.append(static_cast<const char*>(p), n);  // x86/wasm are little-endian
}

Status write_safetensors(const std::string& path, std::vector<StTensor> tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(), [](const StTensor& a, const StTensor& b) { return a.name < b.name; });
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
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    size_t n = 1;
    for (auto d : t.shape) n *= size_t(d);
    if (n != t.values.size())
      return make_error(path + ": tensor " + t.name + " has " + std::to_string(t.values.size()) +
                        " values for its shape");
    const size_t begin = data.size();
    for (double v : t.values) {
      switch (t.dtype) {
        case DType::F16: { uint16_t h = float_to_half(float(v)); put_le(data, &h, 2); break; }
        case DType::F32: { float f = float(v); put_le(data, &f, 4); break; }
        case DType::F64: put_le(data, &v, 8); break;
        case DType::I32: { int32_t k = int32_t(std::llround(v)); put_le(data, &k, 4); break; }
      }
    }
    if (header.size() > 1) header += ",";
    json::write_string(header, t.name);
    header += ":{\"dtype\":\"" + std::string(dtype_name(t.dtype)) + "\",\"shape\":[";
    for (size_t d = 0; d < t.shape.size(); ++d) header += (d ? "," : "") + std::to_string(t.shape[d]);
    header += "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  while (header.size() % 8) header += ' ';  // keep the data section 8-byte aligned
  const uint64_t hlen = header.size();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return make_error(tmp + ": cannot open for writing");
    f.write(reinterpret_cast<const char*>(&hlen), 8);
    f.write(header.data(), std::streamsize(header.size()));
    f.write(data.data(), std::streamsize(data.size()));
    if (!f) return make_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return make_error(path + ": rename failed");
  return {};
}

Result<std::map<std::string, StTensor>> read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() < 8) return make_error(path + ": shorter than the 8-byte header length");
  uint64_t hlen;
  std::memcpy(&hlen, bytes.data(), 8);
  if (hlen > bytes.size() - 8) return make_error(path + ": header length exceeds the file");
  HS_TRY_ASSIGN(json::Value root, json::parse(std::string_view(bytes).substr(8, hlen), path));
  if (!root.is_object()) return make_error(path + ": header is not a JSON object");
  const size_t data0 = 8 + hlen, dlen = bytes.size() - data0;
  std::map<std::string, StTensor> out;
  for (size_t i = 0; i < root.keys.size(); ++i) {
    if (root.keys[i] == "__metadata__") continue;
    const json::Value& v = root.items[i];
    const json::Value* dt = v.find("dtype");
    const json::Value* sh = v.find("shape");
    const json::Value* off = v.find("data_offsets");
    if (!dt || !dt->is_string() || !sh || !sh->is_array() || !off || !off->is_array() || off->items.size() != 2)
      return make_error(path + ": tensor " + root.keys[i] + ": malformed entry");
    StTensor t;
    t.name = root.keys[i];
    if (dt->string == "F16") t.dtype = DType::F16;
    else if (dt->string == "F32") t.dtype = DType::F32;
    else if (dt->string == "F64") t.dtype = DType::F64;
    else if (dt->string == "I32") t.dtype = DType::I32;
    else return make_error(path + ": tensor " + t.name + ": unsupported dtype " + dt->string);
    size_t n = 1;
    for (const auto& d : sh->items) {
      if (!d.is_integer || d.integer < 0) return make_error(path + ": tensor " + t.name + ": bad shape");
      t.shape.push_back(d.integer);
      n *= size_t(d.integer);
    }
    const int64_t b = off->items[0].integer, e = off->items[1].integer;
    if (b < 0 || e < b || size_t(e) > dlen || size_t(e - b) != n * dtype_size(t.dtype))
      return make_error(path + ": tensor " + t.name + ": data_offsets do not match its shape and dtype");
    const char* p = bytes.data() + data0 + b;
    t.values.resize(n);
    for (size_t k = 0; k < n; ++k) {
      switch (t.dtype) {
        case DType::F16: { uint16_t h; std::memcpy(&h, p + 2 * k, 2); t.values[k] = half_to_float(h); break; }
        case DType::F32: { float x; std::memcpy(&x, p + 4 * k, 4); t.values[k] = x; break; }
        case DType::F64: std::memcpy(&t.values[k], p + 8 * k, 8); break;
        case DType::I32: { int32_t x; std::memcpy(&x, p + 4 * k, 4); t.values[k] = x; break; }
      }
    }
    out[t.name] = std::move(t);
  }
  return out;
}

}  // namespace hs::train
