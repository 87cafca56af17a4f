// Malformed model files: every broken config.json / safetensors / tokenizer
// combination gives one clear error naming the culprit, never a crash. Files are
// built in memory (ModelFiles with a ByteReader over a std::string), so the same
// binary runs natively and as wasm under Node. Also: F16/BF16 conversion checked
// exhaustively against an ldexp reference, unaligned data, NaN weights, and the
// run-time errors (empty text, truncation, absent heads).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "formats/safetensors.hpp"
#include "json/json.hpp"
#include "model/loader.hpp"
#include "model/run_json.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace hs::model;
using namespace hs::formats;
using Catch::Matchers::ContainsSubstring;

namespace {

// ------------------------------------------------------------------ builders

struct TensorSpec {
  std::string name;
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::string bytes;  // raw little-endian data
};

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}

// 8-byte length + header + data, exactly as given.
std::string raw_file(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

std::string shape_json(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// A well-formed file: tensors laid out contiguously in order. The header is padded
// with spaces until the data section starts at an offset = data_start_mod (mod 8):
// 0 aligns it (as make_checkpoint.py and safetensors do), 3 misaligns every tensor.
std::string build_file(const std::vector<TensorSpec>& tensors, std::size_t data_start_mod = 0,
                       const std::string& metadata = "{\"format\":\"pt\"}") {
  std::string header = "{\"__metadata__\":" + metadata;
  std::string data;
  for (const auto& t : tensors) {
    header += ",";
    hs::json::write_string(header, t.name);
    header += ":{\"dtype\":\"" + t.dtype + "\",\"shape\":" + shape_json(t.shape) + ",\"data_offsets\":[" +
              std::to_string(data.size()) + "," + std::to_string(data.size() + t.bytes.size()) + "]}";
    data += t.bytes;
  }
  header += "}";
  while ((8 + header.size()) % 8 != data_start_mod) header += ' ';
  return raw_file(header, data);
}

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(&s[0], v.data(), s.size());
  return s;
}

// float -> F16 bits, round to nearest even (normal range only; used for test data).
uint16_t to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = int32_t((x >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = x & 0x7FFFFFu;
  if (exp <= 0) return static_cast<uint16_t>(sign);  // flush (test data avoids this)
  uint32_t h = sign | (uint32_t(exp) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(h);
}

std::string f16_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 2, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    const uint16_t h = to_f16(v[i]);
    std::memcpy(&s[2 * i], &h, 2);
  }
  return s;
}

std::string bf16_bytes(const std::vector<float>& v) {  // truncation: exact for the test values
  std::string s(v.size() * 2, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    uint32_t x;
    std::memcpy(&x, &v[i], 4);
    const uint16_t h = static_cast<uint16_t>(x >> 16);
    std::memcpy(&s[2 * i], &h, 2);
  }
  return s;
}

// Deterministic values in [-0.5, 0.5) that F16 and BF16 hold exactly (multiples of 1/64).
std::vector<float> values(std::size_t n, uint32_t seed, float offset = 0.0f) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = offset + float(int((s >> 16) % 64) - 32) / 64.0f;
  }
  return v;
}

struct Shape {
  int64_t L = 1, H = 2, C = 4, P = 8, V = 256;
};

// `extra` adds fields (none of the ones written here: JSON readers take the first duplicate).
std::string config_json(const Shape& s, const std::string& extra = ",\"n_inner\":null,\"layer_norm_epsilon\":1e-5,\"activation_function\":\"gelu_new\"") {
  return "{\"model_type\":\"gpt2\",\"n_layer\":" + std::to_string(s.L) + ",\"n_head\":" + std::to_string(s.H) +
         ",\"n_embd\":" + std::to_string(s.C) + ",\"n_positions\":" + std::to_string(s.P) +
         ",\"vocab_size\":" + std::to_string(s.V) + extra + "}";
}

// The GPT-2 tensors of a model of this shape, in HuggingFace order.
std::vector<TensorSpec> gpt2_tensors(const Shape& s, const std::string& dtype = "F32") {
  const int64_t C = s.C, F = 4 * s.C;
  std::vector<TensorSpec> t;
  uint32_t seed = 1;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float offset = 0.0f) {
    std::size_t n = 1;
    for (auto d : shape) n *= std::size_t(d);
    auto v = values(n, seed++, offset);
    std::string bytes = dtype == "F32" ? f32_bytes(v) : dtype == "F16" ? f16_bytes(v) : bf16_bytes(v);
    t.push_back({name, dtype, shape, bytes});
  };
  add("wte.weight", {s.V, C});
  add("wpe.weight", {s.P, C});
  for (int64_t l = 0; l < s.L; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    add(p + "ln_1.weight", {C}, 1.0f);
    add(p + "ln_1.bias", {C});
    add(p + "attn.c_attn.weight", {C, 3 * C});
    add(p + "attn.c_attn.bias", {3 * C});
    add(p + "attn.c_proj.weight", {C, C});
    add(p + "attn.c_proj.bias", {C});
    add(p + "ln_2.weight", {C}, 1.0f);
    add(p + "ln_2.bias", {C});
    add(p + "mlp.c_fc.weight", {C, F});
    add(p + "mlp.c_fc.bias", {F});
    add(p + "mlp.c_proj.weight", {F, C});
    add(p + "mlp.c_proj.bias", {C});
  }
  add("ln_f.weight", {C}, 1.0f);
  add("ln_f.bias", {C});
  return t;
}

TensorSpec* find_spec(std::vector<TensorSpec>& t, const std::string& name) {
  for (auto& x : t)
    if (x.name == name) return &x;
  return nullptr;
}

// A byte-level BPE tokenizer.json: the 256 byte tokens (id = byte value, or
// byte + id_offset), no merges.
std::string byte_tokenizer_json(int id_offset = 0) {
  std::string vocab = "{";
  for (int b = 0; b < 256; ++b) {
    if (b) vocab += ",";
    hs::json::write_string(vocab, hs::tokenizer::bytes_to_vocab_form(std::string(1, char(b))));
    vocab += ":" + std::to_string(b + id_offset);
  }
  vocab += "}";
  return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
         "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
         "\"post_processor\":null,\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},"
         "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
         "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"vocab\":" +
         vocab + ",\"merges\":[]}}";
}

// ModelFiles over an in-memory safetensors file; reads are bounds-checked (and
// counted) like a real file's.
ModelFiles make_files(std::string safetensors, std::string config = config_json(Shape{}),
                      std::string tokenizer = byte_tokenizer_json()) {
  ModelFiles f;
  f.config_json = std::move(config);
  f.tokenizer_json = std::move(tokenizer);
  auto data = std::make_shared<std::string>(std::move(safetensors));
  f.safetensors_size = data->size();
  f.safetensors_read = [data](uint64_t offset, uint64_t n, unsigned char* dst) -> hs::Status {
    if (offset > data->size() || n > data->size() - offset)
      return hs::make_error("read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                            " past the end of the file");
    if (n) std::memcpy(dst, data->data() + offset, n);
    return {};
  };
  return f;
}

ModelFiles good_files(const Shape& s = Shape{}) { return make_files(build_file(gpt2_tensors(s)), config_json(s)); }

// The error load_model gives (FAILs if it loads).
std::string load_error(const ModelFiles& f) {
  auto m = load_model(f);
  if (m.ok()) {
    FAIL_CHECK("expected an error, but the model loaded");
    return "";
  }
  return m.error().message;
}

std::unique_ptr<Model> load_ok(const ModelFiles& f) {
  auto m = load_model(f);
  if (!m.ok()) FAIL("load failed: " << m.error().message);
  return std::move(m).value();
}

std::string header_error(const std::string& header, const std::string& data = "") {
  return load_error(make_files(raw_file(header, data)));
}

// Four F32 tensors' worth of header entry.
std::string entry(const std::string& name, const std::string& shape, uint64_t b, uint64_t e,
                  const std::string& dtype = "F32") {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(b) + "," + std::to_string(e) + "]}";
}

float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

bool same_float(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;  // bit-exact, so -0 != +0
}

}  // namespace

// ================================================================== sanity

TEST_CASE("a well-formed tiny model loads and runs", "[model][files]") {
  auto m = load_ok(good_files());
  CHECK(m->config().n_layer == 1);
  CHECK(m->config().n_inner == 16);
  CHECK_FALSE(m->weights().has_nonfinite);
  auto r = m->run("abc");
  REQUIRE(r.ok());
  CHECK(r->ids == std::vector<int32_t>{97, 98, 99});
  CHECK(r->T == 3);
  CHECK_FALSE(r->truncated);
  CHECK_FALSE(r->nonfinite);
  REQUIRE(r->attention.size() == 1 * 2 * 3 * 3);
  for (std::size_t h = 0; h < 2; ++h)
    for (std::size_t i = 0; i < 3; ++i) {
      double sum = 0;
      for (std::size_t j = 0; j < 3; ++j) {
        const float p = r->attention[(h * 3 + i) * 3 + j];
        if (j > i) CHECK(p == 0.0f);
        sum += p;
      }
      CHECK(sum == Catch::Approx(1.0).margin(1e-6));
    }
  CHECK(r->logits_last.size() == 256);
}

// ================================================================== safetensors container

TEST_CASE("safetensors: empty file and files under 8 bytes", "[model][files][safetensors]") {
  CHECK_THAT(load_error(make_files("")), ContainsSubstring("model.safetensors: file is 0 bytes, too short"));
  CHECK_THAT(load_error(make_files("\x01\x02\x03\x04\x05")),
             ContainsSubstring("model.safetensors: file is 5 bytes, too short for a safetensors header"));
  CHECK_THAT(load_error(make_files(std::string(7, '\0'))), ContainsSubstring("file is 7 bytes"));
}

TEST_CASE("safetensors: header length past the end of the file", "[model][files][safetensors]") {
  std::string f = le64(1000) + "{}";
  CHECK_THAT(load_error(make_files(f)),
             ContainsSubstring("model.safetensors: header length 1000 runs past the end of the file (10 bytes)"));
  // exactly one byte too long
  f = le64(3) + "{}";
  CHECK_THAT(load_error(make_files(f)), ContainsSubstring("header length 3 runs past the end of the file"));
  // absurd lengths (e.g. a text file's first 8 bytes)
  CHECK_THAT(load_error(make_files("{\"a\": 1}  and more text")), ContainsSubstring("exceeds the limit"));
  CHECK_THAT(load_error(make_files(le64(UINT64_MAX) + "{}")), ContainsSubstring("exceeds the limit"));
}

TEST_CASE("safetensors: header not JSON, not an object, not UTF-8, too deep", "[model][files][safetensors]") {
  CHECK_THAT(header_error("{\"wte.weight\": {"), ContainsSubstring("model.safetensors header"));
  CHECK_THAT(header_error("not json at all"), ContainsSubstring("model.safetensors header"));
  CHECK_THAT(header_error("[1, 2, 3]"), ContainsSubstring("model.safetensors: header must be a JSON object, got an array"));
  CHECK_THAT(header_error("\"text\""), ContainsSubstring("header must be a JSON object"));
  CHECK_THAT(header_error(std::string("{\"w\xff\xfe\": 1}")),
             ContainsSubstring("model.safetensors: header is not valid UTF-8"));
  CHECK_THAT(header_error(std::string("{\"\xc0\xaf\": 1}")), ContainsSubstring("not valid UTF-8"));  // overlong
  CHECK_THAT(header_error("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":[]}}}}}"), ContainsSubstring("nested deeper than"));
  CHECK_THAT(header_error(std::string(5000, '[') + std::string(5000, ']')), ContainsSubstring("nested deeper than"));
  CHECK_THAT(header_error(""), ContainsSubstring("model.safetensors header"));  // zero-length header
}

TEST_CASE("safetensors: tensor entries", "[model][files][safetensors]") {
  const std::string d16(16, '\0');
  CHECK_THAT(header_error("{\"a\": 5}", d16), ContainsSubstring("tensor \"a\": entry must be an object"));
  CHECK_THAT(header_error("{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", d16),
             ContainsSubstring("tensor \"a\": missing or non-string \"dtype\""));
  CHECK_THAT(header_error("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", d16),
             ContainsSubstring("tensor \"a\": missing or non-array \"shape\""));
  CHECK_THAT(header_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16,32]}}", d16),
             ContainsSubstring("\"data_offsets\" must be an array [begin, end]"));
  CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16, "F128") + "}", d16),
             ContainsSubstring("model.safetensors: tensor \"a\": unknown dtype \"F128\""));
  CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16, "f32") + "}", d16), ContainsSubstring("unknown dtype \"f32\""));
}

TEST_CASE("safetensors: shapes", "[model][files][safetensors]") {
  const std::string d16(16, '\0');
  CHECK_THAT(header_error("{" + entry("a", "[2.5]", 0, 16) + "}", d16),
             ContainsSubstring("tensor \"a\": shape must hold non-negative integers"));
  CHECK_THAT(header_error("{" + entry("a", "[-4]", 0, 16) + "}", d16),
             ContainsSubstring("tensor \"a\": shape must hold non-negative integers"));
  CHECK_THAT(header_error("{" + entry("a", "[\"4\"]", 0, 16) + "}", d16), ContainsSubstring("non-negative integers"));
  CHECK_THAT(header_error("{" + entry("a", "[4e0]", 0, 16) + "}", d16), ContainsSubstring("non-negative integers"));
  CHECK_THAT(header_error("{" + entry("a", "[99999999999999999999]", 0, 16) + "}", d16),
             ContainsSubstring("non-negative integers"));
  // 2^32 * 2^32 = 2^64: the element count overflows
  CHECK_THAT(header_error("{" + entry("a", "[4294967296,4294967296]", 0, 16) + "}", d16),
             ContainsSubstring("tensor \"a\": shape's element count overflows 64 bits"));
  // 2^31 * 2^31 * 8 = 2^65 elements; then 2^62 elements that fit, but x 4 bytes = 2^64 bytes
  CHECK_THAT(header_error("{" + entry("a", "[2147483648,2147483648,8]", 0, 16) + "}", d16),
             ContainsSubstring("overflows 64 bits"));
  CHECK_THAT(header_error("{" + entry("a", "[4611686018427387904]", 0, 16) + "}", d16),
             ContainsSubstring("tensor \"a\": byte size overflows 64 bits"));
  // a zero in the shape makes an empty tensor, not an overflow
  CHECK_THAT(header_error("{" + entry("a", "[0,4294967296,4294967296]", 0, 16) + "}", d16),
             ContainsSubstring("data_offsets span 16 bytes but shape x F32 needs 0"));
}

TEST_CASE("safetensors: data offsets", "[model][files][safetensors]") {
  const std::string d32(32, '\0');
  SECTION("not matching shape x dtype") {
    CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 12) + "," + entry("b", "[5]", 12, 32) + "}", d32),
               ContainsSubstring("tensor \"a\": data_offsets span 12 bytes but shape x F32 needs 16"));
    CHECK_THAT(header_error("{" + entry("a", "[16]", 0, 16, "F16") + "," + entry("b", "[4]", 16, 32) + "}", d32),
               ContainsSubstring("tensor \"a\": data_offsets span 16 bytes but shape x F16 needs 32"));
  }
  SECTION("out of range") {
    CHECK_THAT(header_error("{" + entry("a", "[250]", 0, 1000) + "}", d32),
               ContainsSubstring("tensor \"a\": data_offsets [0, 1000] run past the end of the data section (32 bytes)"));
    CHECK_THAT(header_error("{" + entry("a", "[1]", 32, 36) + "}", d32), ContainsSubstring("run past the end"));
    CHECK_THAT(header_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,18446744073709551616]}}", d32),
               ContainsSubstring("data_offsets must be non-negative integers"));
    CHECK_THAT(header_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-16,0]}}", d32),
               ContainsSubstring("data_offsets must be non-negative integers"));
    CHECK_THAT(header_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0.0,16]}}", d32),
               ContainsSubstring("data_offsets must be non-negative integers"));
    CHECK_THAT(header_error("{" + entry("a", "[4]", 16, 0) + "}", d32),
               ContainsSubstring("tensor \"a\": data_offsets end 0 is before begin 16"));
  }
  SECTION("overlapping") {
    CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16) + "," + entry("b", "[4]", 8, 24) + "," +
                            entry("c", "[2]", 24, 32) + "}", d32),
               ContainsSubstring("model.safetensors: tensor \"b\" overlaps the tensor before it (data_offsets begin 8)"));
    // the same bytes twice
    CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16) + "," + entry("b", "[4]", 0, 16) + "," +
                            entry("c", "[4]", 16, 32) + "}", d32),
               ContainsSubstring("overlaps the tensor before it"));
  }
  SECTION("gap, first begin not 0, trailing bytes") {
    CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16) + "," + entry("b", "[3]", 20, 32) + "}", d32),
               ContainsSubstring("gap in the data section before tensor \"b\" (data_offsets begin 20, expected 16)"));
    CHECK_THAT(header_error("{" + entry("a", "[4]", 4, 20) + "," + entry("b", "[3]", 20, 32) + "}", d32),
               ContainsSubstring("gap in the data section before tensor \"a\" (data_offsets begin 4, expected 0)"));
    CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16) + "}", d32),
               ContainsSubstring("model.safetensors: 16 trailing bytes after the last tensor's data"));
    CHECK_THAT(header_error("{}", d32), ContainsSubstring("32 trailing bytes"));
  }
  SECTION("file order need not be offset order") {
    // b before a in the header, tiling [0, 32): valid container, the model tensors are missing
    CHECK_THAT(header_error("{" + entry("b", "[4]", 16, 32) + "," + entry("a", "[4]", 0, 16) + "}", d32),
               ContainsSubstring("missing tensor \"wte.weight\""));
  }
}

TEST_CASE("safetensors: duplicate tensors and metadata", "[model][files][safetensors]") {
  const std::string d32(32, '\0');
  CHECK_THAT(header_error("{" + entry("a", "[4]", 0, 16) + "," + entry("a", "[4]", 16, 32) + "}", d32),
             ContainsSubstring("model.safetensors: duplicate tensor name \"a\""));
  CHECK_THAT(header_error("{\"__metadata__\":{\"format\":\"pt\",\"step\":5}," + entry("a", "[8]", 0, 32) + "}", d32),
             ContainsSubstring("model.safetensors: __metadata__ value \"step\" is a number, must be a string"));
  CHECK_THAT(header_error("{\"__metadata__\":{\"x\":null}," + entry("a", "[8]", 0, 32) + "}", d32),
             ContainsSubstring("__metadata__ value \"x\" is null, must be a string"));
  CHECK_THAT(header_error("{\"__metadata__\":[\"pt\"]," + entry("a", "[8]", 0, 32) + "}", d32),
             ContainsSubstring("__metadata__ must be an object of strings"));
  // string metadata is fine (the error is then about the model's tensors)
  CHECK_THAT(header_error("{\"__metadata__\":{\"format\":\"pt\"}," + entry("a", "[8]", 0, 32) + "}", d32),
             ContainsSubstring("missing tensor"));
}

TEST_CASE("safetensors: header parsed directly", "[model][files][safetensors]") {
  auto idx = parse_safetensors_header("{" + entry("b", "[2,3]", 24, 48, "F32") + "," + entry("a", "[12]", 0, 24, "BF16") +
                                          ",\"__metadata__\":{\"format\":\"pt\"}}",
                                      0, "x.safetensors");
  // file_size 0 is smaller than the header itself: the caller must validate first; no crash either way
  CHECK_FALSE(idx.ok());
  const std::string h = "{" + entry("b", "[2,3]", 24, 48, "F32") + "," + entry("a", "[12]", 0, 24, "BF16") +
                        ",\"__metadata__\":{\"format\":\"pt\"}}";
  auto ok = parse_safetensors_header(h, 8 + h.size() + 48, "x.safetensors");
  REQUIRE(ok.ok());
  REQUIRE(ok->tensors.size() == 2);
  CHECK(ok->metadata.at("format") == "pt");
  const TensorInfo* a = ok->find("a");
  REQUIRE(a);
  CHECK(a->dtype == DType::BF16);
  CHECK(a->numel == 12);
  CHECK(a->begin == 8 + h.size());
  CHECK(a->end == 8 + h.size() + 24);
  CHECK(ok->find("b")->shape == std::vector<int64_t>{2, 3});
}

// ================================================================== the model's tensors

TEST_CASE("weights: missing tensor, wrong shape, unsupported dtype", "[model][files][weights]") {
  const Shape s;
  SECTION("missing tensor") {
    auto t = gpt2_tensors(s);
    t.erase(t.begin() + (find_spec(t, "h.0.ln_2.bias") - t.data()));
    CHECK_THAT(load_error(make_files(build_file(t))),
               ContainsSubstring("model.safetensors: missing tensor \"h.0.ln_2.bias\" (also looked for \"transformer.h.0.ln_2.bias\")"));
  }
  SECTION("shape disagreeing with config.json") {
    auto t = gpt2_tensors(s);
    find_spec(t, "h.0.attn.c_attn.weight")->shape = {12, 4};  // transposed (a Linear, not a Conv1D)
    CHECK_THAT(load_error(make_files(build_file(t))),
               ContainsSubstring("tensor \"h.0.attn.c_attn.weight\" has shape [12, 4] but config.json implies [4, 12]"));
    // config says 2 layers, the file has 1
    Shape s2 = s;
    s2.L = 2;
    CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(s)), config_json(s2))),
               ContainsSubstring("missing tensor \"h.1.ln_1.weight\""));
    // config's vocab smaller than the file's wte (tokenizer still fits: ids < 256)
    Shape big = s;
    big.V = 300;
    CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(big)), config_json(s))),
               ContainsSubstring("tensor \"wte.weight\" has shape [300, 4] but config.json implies [256, 4]"));
    // n_positions
    Shape p = s;
    p.P = 16;
    CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(p)), config_json(s))),
               ContainsSubstring("tensor \"wpe.weight\" has shape [16, 4] but config.json implies [8, 4]"));
    // an explicit n_inner
    CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(s)), config_json(s, ",\"n_inner\":8"))),
               ContainsSubstring("tensor \"h.0.mlp.c_fc.weight\" has shape [4, 16] but config.json implies [4, 8]"));
  }
  SECTION("integer dtype") {
    auto t = gpt2_tensors(s);
    find_spec(t, "ln_f.bias")->dtype = "I32";
    CHECK_THAT(load_error(make_files(build_file(t))),
               ContainsSubstring("tensor \"ln_f.bias\" has dtype I32; Headscope reads F32, F16 and BF16 weights"));
    t = gpt2_tensors(s);
    auto* w = find_spec(t, "ln_f.bias");
    w->dtype = "F64";
    w->bytes += w->bytes;  // 8 bytes per element
    CHECK_THAT(load_error(make_files(build_file(t))), ContainsSubstring("has dtype F64"));
  }
  SECTION("the transformer. prefix, extra tensors, an old attn.bias mask buffer") {
    auto t = gpt2_tensors(s);
    for (auto& x : t) x.name = "transformer." + x.name;
    t.push_back({"transformer.h.0.attn.bias", "F32", {1, 1, 8, 8}, std::string(256, '\0')});
    t.push_back({"transformer.h.0.attn.masked_bias", "F32", {}, std::string(4, '\0')});
    auto m = load_ok(make_files(build_file(t)));
    CHECK(m->run("hello").ok());
  }
  SECTION("reader failure names the tensor") {
    ModelFiles f = good_files();
    const uint64_t size = f.safetensors_size;
    auto inner = f.safetensors_read;
    f.safetensors_read = [inner, size](uint64_t off, uint64_t n, unsigned char* dst) -> hs::Status {
      if (off + n == size) return hs::make_error("short read (file truncated while reading?)");
      return inner(off, n, dst);
    };
    CHECK_THAT(load_error(f), ContainsSubstring("model.safetensors: tensor \"ln_f.bias\": short read"));
  }
}

TEST_CASE("weights: a stored lm_head is used, or shared when equal to wte", "[model][files][weights]") {
  const Shape s;
  auto t = gpt2_tensors(s);
  auto lm = *find_spec(t, "wte.weight");
  lm.name = "lm_head.weight";
  t.push_back(lm);
  auto tied = load_ok(make_files(build_file(t)));
  CHECK(tied->weights().lm_head.empty());

  t.back().bytes = f32_bytes(std::vector<float>(256 * 4, 0.0f));  // zero head: all logits 0
  auto untied = load_ok(make_files(build_file(t)));
  CHECK_FALSE(untied->weights().lm_head.empty());
  auto r = untied->run("hi");
  REQUIRE(r.ok());
  for (float v : r->logits_last) CHECK(v == 0.0f);
}

// ================================================================== config.json

TEST_CASE("config.json errors", "[model][files][config]") {
  const std::string st = build_file(gpt2_tensors(Shape{}));
  auto cfg_error = [&](const std::string& cfg) { return load_error(make_files(st, cfg)); };
  CHECK_THAT(cfg_error("{\"n_layer\":1,\"n_head\":3,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: n_embd (4) is not divisible by n_head (3)"));
  CHECK_THAT(cfg_error("{\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: required field \"n_layer\" is missing"));
  CHECK_THAT(cfg_error("{\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8}"),
             ContainsSubstring("config.json: required field \"vocab_size\" is missing"));
  CHECK_THAT(cfg_error("{\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"vocab_size\":256}"),
             ContainsSubstring("required field \"n_positions\" is missing"));
  CHECK(cfg_error("{\"model_type\":\"t5\",\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}") ==
        "config.json: model_type \"t5\" is not supported (supported: gpt2, llama, mistral, qwen2, gpt_neox, bert, "
        "roberta, distilbert)");
  // a supported family reads its own field names
  CHECK_THAT(cfg_error("{\"model_type\":\"llama\",\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: required field \"num_hidden_layers\" is missing"));
  CHECK_THAT(cfg_error("{\"model_type\":5,\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: field \"model_type\" must be a string"));
  CHECK_THAT(cfg_error("{\"activation_function\":\"swish\",\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: activation_function \"swish\" is not supported"));
  CHECK_THAT(cfg_error("{\"n_layer\":\"1\",\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: field \"n_layer\" must be an integer, got a string"));
  CHECK_THAT(cfg_error("{\"n_layer\":1.5,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("field \"n_layer\" must be an integer"));
  CHECK_THAT(cfg_error("{\"n_layer\":0,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("config.json: field \"n_layer\" = 0 is out of range"));
  CHECK_THAT(cfg_error("{\"n_layer\":1,\"n_head\":-2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}"),
             ContainsSubstring("field \"n_head\" = -2 is out of range"));
  CHECK_THAT(cfg_error(config_json(Shape{}, ",\"scale_attn_by_inverse_layer_idx\":true")),
             ContainsSubstring("\"scale_attn_by_inverse_layer_idx\": true is not supported"));
  CHECK_THAT(cfg_error(config_json(Shape{}, ",\"layer_norm_epsilon\":-1")),
             ContainsSubstring("config.json: field \"layer_norm_epsilon\" must be a number in (0, 1]"));
  CHECK_THAT(cfg_error(config_json(Shape{}, ",\"scale_attn_weights\":1")),
             ContainsSubstring("field \"scale_attn_weights\" must be true or false"));
  CHECK_THAT(cfg_error("[]"), ContainsSubstring("config.json: expected a JSON object, got an array"));
  CHECK_THAT(cfg_error("{\"n_layer\": 1,"), ContainsSubstring("config.json"));
  CHECK_THAT(cfg_error(""), ContainsSubstring("config.json"));
  // HF aliases are accepted
  auto alias = load_model(make_files(st, "{\"num_hidden_layers\":1,\"num_attention_heads\":2,\"hidden_size\":4,"
                                         "\"max_position_embeddings\":8,\"vocab_size\":256}"));
  CHECK(alias.ok());
}

// ================================================================== tokenizer vs model

TEST_CASE("tokenizer that does not fit the model", "[model][files][tokenizer]") {
  Shape s;
  s.V = 200;  // tokenizer has ids up to 255
  CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(s)), config_json(s))),
             ContainsSubstring("tokenizer: its vocabulary has ids up to 255 but config.json vocab_size is 200"));
  // shifted ids: up to 299 in a 256-row model
  CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(Shape{})), config_json(Shape{}), byte_tokenizer_json(44))),
             ContainsSubstring("ids up to 299 but config.json vocab_size is 256"));
  // no tokenizer at all
  ModelFiles f = good_files();
  f.tokenizer_json.reset();
  CHECK_THAT(load_error(f), ContainsSubstring("no tokenizer"));
  f.vocab_json = "{}";
  CHECK_THAT(load_error(f), ContainsSubstring("merges.txt is missing"));
  // a broken tokenizer.json names itself
  CHECK_THAT(load_error(make_files(build_file(gpt2_tensors(Shape{})), config_json(Shape{}), "{\"model\": 3")),
             ContainsSubstring("tokenizer.json"));
  // a smaller tokenizer than the model is fine (GPT-2's padded vocabularies)
  Shape bigger;
  bigger.V = 260;
  CHECK(load_model(make_files(build_file(gpt2_tensors(bigger)), config_json(bigger))).ok());
}

// ================================================================== dtype conversion

namespace {
// F16 by its definition: (-1)^s * 2^(e-15) * (1 + m/1024), subnormal 2^-14 * m/1024.
float f16_reference(uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
  double v;
  if (e == 0) v = std::ldexp(double(m), -24);
  else if (e == 31) v = m ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else v = std::ldexp(1024.0 + m, e - 25);
  return float(s ? -v : v);
}
// BF16: (-1)^s * 2^(e-127) * (1 + m/128), subnormal 2^-126 * m/128.
float bf16_reference(uint16_t h) {
  const int s = h >> 15, e = (h >> 7) & 0xFF, m = h & 0x7F;
  double v;
  if (e == 0) v = std::ldexp(double(m), -133);
  else if (e == 255) v = m ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else v = std::ldexp(128.0 + m, e - 134);
  return float(s ? -v : v);
}
}  // namespace

TEST_CASE("F16 and BF16 to float32: exact for all 65536 values, from unaligned bytes", "[model][files][dtype]") {
  for (DType dt : {DType::F16, DType::BF16}) {
    TensorInfo t;
    t.name = "x";
    t.dtype = dt;
    t.numel = 65536;
    std::vector<unsigned char> buf(2 * 65536 + 1);
    for (uint32_t i = 0; i < 65536; ++i) {  // at offset 1: every element misaligned
      buf[1 + 2 * i] = static_cast<unsigned char>(i & 0xFF);
      buf[2 + 2 * i] = static_cast<unsigned char>(i >> 8);
    }
    std::vector<float> out(65536);
    REQUIRE(convert_to_f32(t, buf.data() + 1, out.data()).ok());
    int bad = 0;
    for (uint32_t i = 0; i < 65536; ++i) {
      const float want = dt == DType::F16 ? f16_reference(uint16_t(i)) : bf16_reference(uint16_t(i));
      if (!same_float(out[i], want)) {
        if (++bad <= 5) FAIL_CHECK(dtype_name(dt) << " bits 0x" << std::hex << i << ": got " << out[i] << " want " << want);
      }
    }
    CHECK(bad == 0);
  }
  SECTION("named F16 values") {
    TensorInfo t;
    t.dtype = DType::F16;
    const uint16_t h[] = {0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0x8001};
    t.numel = sizeof h / 2;
    std::vector<float> out(t.numel);
    REQUIRE(convert_to_f32(t, reinterpret_cast<const unsigned char*>(h), out.data()).ok());
    CHECK(same_float(out[0], 0.0f));
    CHECK(same_float(out[1], -0.0f));
    CHECK(out[2] == 1.0f);
    CHECK(out[3] == -2.0f);
    CHECK(out[4] == 65504.0f);
    CHECK(out[5] == std::ldexp(1.0f, -24));                 // smallest subnormal
    CHECK(out[6] == std::ldexp(1023.0f, -24));              // largest subnormal
    CHECK(out[7] == std::ldexp(1.0f, -14));                 // smallest normal
    CHECK(out[8] == std::numeric_limits<float>::infinity());
    CHECK(out[9] == -std::numeric_limits<float>::infinity());
    CHECK(std::isnan(out[10]));
    CHECK(std::isnan(out[11]));                             // signalling payload stays NaN, not inf
    CHECK(out[12] == -std::ldexp(1.0f, -24));
  }
  SECTION("named BF16 values") {
    TensorInfo t;
    t.dtype = DType::BF16;
    const uint16_t h[] = {0x3F80, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x7F81, 0x8000, 0x7F7F};
    t.numel = sizeof h / 2;
    std::vector<float> out(t.numel);
    REQUIRE(convert_to_f32(t, reinterpret_cast<const unsigned char*>(h), out.data()).ok());
    CHECK(out[0] == 1.0f);
    CHECK(out[1] == bits_to_float(0x00010000u));  // subnormal, 2^-133
    CHECK(out[2] == std::numeric_limits<float>::infinity());
    CHECK(out[3] == -std::numeric_limits<float>::infinity());
    CHECK(std::isnan(out[4]));
    CHECK(std::isnan(out[5]));
    CHECK(same_float(out[6], -0.0f));
    CHECK(out[7] == bits_to_float(0x7F7F0000u));
  }
  SECTION("other dtypes are refused") {
    TensorInfo t;
    t.name = "ids";
    t.dtype = DType::I64;
    t.numel = 1;
    unsigned char b[8] = {0};
    float out;
    auto st = convert_to_f32(t, b, &out);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().message, ContainsSubstring("tensor \"ids\" has dtype I64"));
  }
}

TEST_CASE("F16, BF16 and F32 files with unaligned data sections load the same weights", "[model][files][dtype]") {
  const Shape s;
  auto ref = load_ok(good_files());
  const auto& want = ref->weights();
  REQUIRE(want.tok_emb.type == hs::kernels::WeightType::F32);
  for (const char* dt : {"F32", "F16", "BF16"}) {
    for (std::size_t mod : {std::size_t(0), std::size_t(3), std::size_t(5)}) {
      const std::string file = build_file(gpt2_tensors(s, dt), mod);
      INFO(dt << " data section at offset = " << mod << " (mod 8)");
      ModelFiles files = make_files(file);
      files.storage = WeightStorage::Float32;  // widened at load: the same floats as the F32 file
      auto m = load_ok(files);
      const auto& w = m->weights();
      REQUIRE(w.tok_emb.f32.size() == want.tok_emb.f32.size());
      CHECK(std::memcmp(w.tok_emb.f32.data(), want.tok_emb.f32.data(), want.tok_emb.bytes()) == 0);
      CHECK(std::memcmp(w.layers[0].down_w.f32.data(), want.layers[0].down_w.f32.data(), want.layers[0].down_w.bytes()) == 0);
      CHECK(std::memcmp(w.final_norm_g.data(), want.final_norm_g.data(), want.final_norm_g.size() * 4) == 0);
      CHECK(w.arrays_16bit == 0);
    }
  }
  // make sure the file really has an odd data start
  const std::string h = build_file(gpt2_tensors(s, "F16"), 3);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(h[i]);
  CHECK((8 + n) % 2 == 1);
}

// ================================================================== 16-bit weights kept 16-bit

namespace {
std::unique_ptr<Model> load_stored_as(const std::string& file, const Shape& s, WeightStorage storage) {
  ModelFiles f = make_files(file, config_json(s));
  f.storage = storage;
  return load_ok(f);
}
}  // namespace

TEST_CASE("16-bit checkpoints stay 16-bit and run exactly as when widened to F32", "[model][files][dtype]") {
  const Shape s{2, 3, 42, 16, 256};  // C = 42: 16-bit groups and a tail at every lane count
  for (const char* dt : {"F16", "BF16"}) {
    INFO(dt);
    const std::string file = build_file(gpt2_tensors(s, dt));
    auto kept = load_stored_as(file, s, WeightStorage::AsStored);
    auto wide = load_stored_as(file, s, WeightStorage::Float32);
    const Weights& w = kept->weights();
    const auto want = std::string(dt) == "F16" ? hs::kernels::WeightType::F16 : hs::kernels::WeightType::BF16;
    CHECK(w.tok_emb.type == want);
    CHECK(w.layers[1].qkv_w.type == want);
    CHECK(w.layers[0].down_w.type == want);
    CHECK(w.arrays_16bit == 1 + 4 * 2);  // the table and four matrices a layer (the head is tied)
    CHECK(w.arrays_f32 == 0);
    CHECK(wide->weights().arrays_16bit == 0);
    CHECK(double(w.bytes) / double(wide->weights().bytes) < 0.56);
    CHECK(w.f32_bytes == wide->weights().bytes);
    for (const char* text : {"a", "hello there, 16 bits", "0123456789abcde"}) {
      auto a = kept->run(text);
      auto b = wide->run(text);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      // widening is exact and the kernels sum in the same order: the same floats
      CHECK(a->attention == b->attention);
      CHECK(a->logits_last == b->logits_last);
      CHECK(a->final_hidden == b->final_hidden);
    }
  }
}

TEST_CASE("compact16 rounds F32 matrices and tables to F16 and says how much it changed them", "[model][files][dtype]") {
  const Shape s{2, 3, 42, 16, 256};
  auto t = gpt2_tensors(s, "F32");
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  for (auto& spec : t)  // values F16 cannot hold exactly (the builder's are exact in F16)
    if (spec.shape.size() == 2) {
      std::vector<float> v(spec.bytes.size() / 4);
      for (float& x : v) x = normal(rng);
      spec.bytes = f32_bytes(v);
    }
  const std::string file = build_file(t);
  auto f32 = load_stored_as(file, s, WeightStorage::AsStored);
  auto c16 = load_stored_as(file, s, WeightStorage::Compact16);
  CHECK(f32->weights().arrays_16bit == 0);
  const Weights& w = c16->weights();
  CHECK(w.arrays_compacted == 9);
  CHECK(w.arrays_16bit == 9);
  CHECK(w.tok_emb.type == hs::kernels::WeightType::F16);
  CHECK(w.compact_max_rel_error > 0.0);
  CHECK(w.compact_max_rel_error < 1e-3);  // F16 keeps 11 significant bits: ~2.8e-4 at worst per value
  CHECK(double(w.bytes) / double(f32->weights().bytes) < 0.56);
  auto a = c16->run("compact me");
  auto b = f32->run("compact me");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  double max_attn = 0.0, max_logit = 0.0;
  for (std::size_t i = 0; i < a->attention.size(); ++i)
    max_attn = std::max(max_attn, double(std::fabs(a->attention[i] - b->attention[i])));
  for (std::size_t i = 0; i < a->logits_last.size(); ++i)
    max_logit = std::max(max_logit, double(std::fabs(a->logits_last[i] - b->logits_last[i])));
  CHECK(max_attn > 0.0);  // it did change something
  CHECK(max_attn < 1e-2);
  CHECK(max_logit < 1e-2);
}

TEST_CASE("a 16-bit matrix holding inf is kept in F32, and the run reports nonfinite", "[model][files][dtype][nonfinite]") {
  const Shape s{1, 2, 8, 8, 256};
  auto t = gpt2_tensors(s, "F16");
  auto* fc = find_spec(t, "h.0.mlp.c_fc.weight");
  fc->bytes[2] = 0x00;
  fc->bytes[3] = 0x7C;  // element 1 = +inf
  auto m = load_stored_as(build_file(t), s, WeightStorage::AsStored);
  const Weights& w = m->weights();
  CHECK(w.has_nonfinite);
  CHECK(w.nonfinite_tensor == "h.0.mlp.c_fc.weight");
  CHECK(w.layers[0].up_w.type == hs::kernels::WeightType::F32);
  CHECK(w.layers[0].qkv_w.type == hs::kernels::WeightType::F16);
  auto r = m->run("x y");
  REQUIRE(r.ok());
  CHECK(r->nonfinite);
}

TEST_CASE("weight storage names", "[model][files][dtype]") {
  for (WeightStorage st : {WeightStorage::AsStored, WeightStorage::Float32, WeightStorage::Compact16})
    CHECK(weight_storage_from_name(weight_storage_name(st)) == st);
  CHECK_FALSE(weight_storage_from_name("f16").has_value());
}

// ================================================================== non-finite weights

TEST_CASE("NaN weights load, and the run reports nonfinite", "[model][files][nonfinite]") {
  const Shape s;
  auto t = gpt2_tensors(s);
  std::vector<float> g(4, 1.0f);
  g[2] = std::numeric_limits<float>::quiet_NaN();
  find_spec(t, "h.0.ln_2.weight")->bytes = f32_bytes(g);
  auto m = load_ok(make_files(build_file(t)));
  CHECK(m->weights().has_nonfinite);
  CHECK(m->weights().nonfinite_tensor == "h.0.ln_2.weight");
  auto r = m->run("xyz");
  REQUIRE(r.ok());
  CHECK(r->nonfinite);
  const std::string j = run_json(r.value());
  CHECK_THAT(j, ContainsSubstring("\"nonfinite\":true"));
  CHECK_THAT(j, ContainsSubstring("null"));
  CHECK_THAT(j, !ContainsSubstring("nan"));  // never NaN in JSON
  CHECK_THAT(j, !ContainsSubstring("inf"));
  auto sc = m->score("xyz");
  REQUIRE(sc.ok());  // scoring does not fail; the number is not finite
  CHECK_THAT(score_json(sc.value()), ContainsSubstring("\"mean_nll\":null"));

  // an infinite F16 weight in wpe
  auto t16 = gpt2_tensors(s, "F16");
  auto* wpe = find_spec(t16, "wpe.weight");
  wpe->bytes[0] = 0x00;
  wpe->bytes[1] = 0x7C;  // +inf
  auto m16 = load_ok(make_files(build_file(t16)));
  CHECK(m16->weights().nonfinite_tensor == "wpe.weight");
  auto r16 = m16->run("x");
  REQUIRE(r16.ok());
  CHECK(r16->nonfinite);
}

// ================================================================== run-time errors

TEST_CASE("run: empty text, truncation, absent heads", "[model][files][run]") {
  auto m = load_ok(good_files());
  SECTION("empty text") {
    auto r = m->run("");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, ContainsSubstring("text is empty"));
    auto sc = m->score("");
    REQUIRE_FALSE(sc.ok());
    CHECK_THAT(sc.error().message, ContainsSubstring("text is empty"));
    auto one = m->score("a");
    REQUIRE_FALSE(one.ok());
    CHECK_THAT(one.error().message, ContainsSubstring("scoring needs at least 2"));
    CHECK_FALSE(m->run_ids({}).ok());
  }
  SECTION("text longer than n_positions is truncated") {
    auto r = m->run("0123456789abcdef");  // 16 byte tokens, n_positions 8
    REQUIRE(r.ok());
    CHECK(r->truncated);
    CHECK(r->T == 8);
    CHECK(r->n_tokens_in_text == 16);
    CHECK(r->ids.size() == 8);
    CHECK(r->tokens.size() == 8);
    CHECK(r->attention.size() == 2 * 8 * 8);
    CHECK(r->ids.back() == '7');
    CHECK_THAT(run_json(r.value()), ContainsSubstring("\"truncated\":true"));
    auto exact = m->run("01234567");
    REQUIRE(exact.ok());
    CHECK_FALSE(exact->truncated);
    CHECK(exact->T == 8);
    // truncation keeps the first n_positions tokens: same attention as the prefix alone
    CHECK(exact->attention == r->attention);
    auto sc = m->score("0123456789abcdef");
    REQUIRE(sc.ok());
    CHECK(sc->truncated);
    CHECK(sc->tokens == 8);
  }
  SECTION("ablating a head that does not exist") {
    RunOptions o;
    o.ablate = {{0, 2}};
    auto r = m->run("ab", o);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, ContainsSubstring("ablate: head 0.2 does not exist (the model has 1 layers x 2 heads)"));
    o.ablate = {{1, 0}};
    CHECK_THAT(m->run("ab", o).error().message, ContainsSubstring("head 1.0 does not exist"));
    o.ablate = {{0, 1}};
    CHECK(m->run("ab", o).ok());
    auto bad = parse_head_list("0.1,x.2");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, ContainsSubstring("bad head \"x.2\""));
    CHECK_FALSE(parse_head_list("1").ok());
    CHECK_FALSE(parse_head_list("-1.0").ok());
    CHECK_FALSE(parse_head_list("1.2.3").ok());
    auto two = parse_head_list("0.1,2.3");
    REQUIRE(two.ok());
    CHECK(two->size() == 2);
  }
  SECTION("ids outside the embedding table") {
    auto r = m->run_ids({1, 256});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, ContainsSubstring("token id 256 is outside the model's vocabulary"));
    CHECK_FALSE(m->run_ids({-1}).ok());
  }
  SECTION("invalid UTF-8 text runs (byte tokens)") {
    auto r = m->run(std::string("\xff\xfe", 2));
    REQUIRE(r.ok());
    CHECK(r->ids == std::vector<int32_t>{255, 254});
    CHECK_THAT(run_json(r.value()), ContainsSubstring("<0xFF>"));
  }
}

TEST_CASE("fill_all_logits: the same numbers as a run with all_logits, without a new run", "[model][files][run]") {
  auto m = load_ok(good_files());
  RunOptions all;
  all.all_logits = true;
  auto ref = m->run("Hi there", all);
  REQUIRE(ref.ok());
  auto r = m->run("Hi there");
  REQUIRE(r.ok());
  REQUIRE(r->logits_all.empty());
  REQUIRE(m->fill_all_logits(r.value()).ok());
  CHECK(r->logits_all == ref->logits_all);  // same kernel on the same final hidden states: bitwise equal
  // the last row is the run's last-position logits
  const std::size_t V = std::size_t(r->vocab_size);
  CHECK(std::vector<float>(r->logits_all.end() - std::ptrdiff_t(V), r->logits_all.end()) == r->logits_last);
  REQUIRE(m->fill_all_logits(r.value()).ok());  // a second call keeps them
  CHECK(r->logits_all == ref->logits_all);
  RunResult none;
  auto e = m->fill_all_logits(none);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == "all logits: there is no finished run of this model to compute them for");
}
