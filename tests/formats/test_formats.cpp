// src/formats on its own: what write_safetensors writes the strict reader
// accepts (sorted, tiling, 8-byte aligned data, metadata) and reads back
// exactly; float16 rounding; conversions to float64; the writer's refusals;
// HfConfig's field rules; whole-file and ranged reads. Files are written to the
// test's working folder (Node's file system in the wasm build).
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "catch.hpp"
#include "formats/dtype.hpp"
#include "formats/files.hpp"
#include "formats/hf_config.hpp"
#include "formats/safetensors.hpp"

using namespace hs::formats;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("dtypes: names, sizes and lookup agree") {
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                  DType::U8, DType::U16, DType::U32, DType::U64, DType::BOOL, DType::F8_E4M3, DType::F8_E5M2}) {
    INFO(dtype_name(d));
    REQUIRE(dtype_from_name(dtype_name(d)).has_value());
    CHECK(*dtype_from_name(dtype_name(d)) == d);
    CHECK(dtype_size(d) >= 1);
  }
  CHECK(dtype_size(DType::BF16) == 2);
  CHECK(dtype_size(DType::F64) == 8);
  CHECK_FALSE(dtype_from_name("f32").has_value());  // names are case-sensitive, as in the format
  CHECK(bf16_to_float(0x3F80) == 1.0f);
}

TEST_CASE("float16 conversion rounds to nearest even and round-trips") {
  CHECK(float_to_half(1.0f) == 0x3c00);
  CHECK(float_to_half(-2.0f) == 0xc000);
  CHECK(float_to_half(65504.0f) == 0x7bff);
  CHECK(float_to_half(1e6f) == 0x7c00);
  CHECK(float_to_half(5.960464477539063e-08f) == 0x0001);  // smallest subnormal
  CHECK(float_to_half(1.0f + 1.0f / 2048) == 0x3c00);        // tie -> even
  CHECK(float_to_half(1.0f + 3.0f / 2048) == 0x3c02);        // tie -> even (up)
  for (uint32_t h = 0; h < 0x7c00; ++h) CHECK(float_to_half(half_to_float(uint16_t(h))) == h);
}

TEST_CASE("safetensors write/read round trip, header sorted and tiling") {
  const std::string path = "test_formats_roundtrip.safetensors";
  std::vector<TensorValues> ts = {{"b.weight", DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6}},
                                  {"a.bias", DType::F16, {3}, {0.5, -1.25, 3}},
                                  {"c", DType::F64, {1}, {0.1}}};
  REQUIRE(write_safetensors(path, ts).ok());
  auto r = read_safetensors_values(path);
  REQUIRE(r.ok());
  CHECK(r->at("b.weight").values == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(r->at("a.bias").values == std::vector<double>{0.5, -1.25, 3});
  CHECK(r->at("c").values[0] == 0.1);
  std::remove(path.c_str());
}


TEST_CASE("safetensors: the written file passes the strict reader, sorted and tiling") {
  const std::string path = "test_formats_layout.safetensors";
  std::vector<TensorValues> ts = {{"z", DType::I32, {2}, {7, -3}},
                                  {"m", DType::F16, {1, 3}, {1, 2, 3}},
                                  {"a", DType::F64, {0}, {}},
                                  {"b", DType::F32, {}, {2.5}}};  // a scalar: shape [], one value
  REQUIRE(write_safetensors(path, ts, {{"format", "pt"}, {"step", "12"}}).ok());
  auto file = open_byte_source(path);
  REQUIRE(file.ok());
  auto index = read_safetensors_index(file->size, file->read, path);
  REQUIRE(index.ok());
  CHECK(index->data_start % 8 == 0);
  CHECK(index->metadata.at("step") == "12");
  REQUIRE(index->tensors.size() == 4);
  const char* sorted[] = {"a", "b", "m", "z"};
  uint64_t expected_begin = index->data_start;
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(index->tensors[i].name == sorted[i]);
    CHECK(index->tensors[i].begin == expected_begin);  // tiling in name order
    expected_begin = index->tensors[i].end;
  }
  CHECK(expected_begin == file->size);
  CHECK(index->find("z")->dtype == DType::I32);
  CHECK(index->find("b")->shape.empty());
  auto values = read_safetensors_values(path);
  REQUIRE(values.ok());
  CHECK(values->at("z").values == std::vector<double>{7, -3});
  CHECK(values->at("m").values == std::vector<double>{1, 2, 3});
  CHECK(values->at("a").values.empty());
  CHECK(values->at("b").values == std::vector<double>{2.5});
  std::remove(path.c_str());
}

TEST_CASE("safetensors: the writer refuses what the reader would") {
  const std::string path = "test_formats_refused.safetensors";
  CHECK_THAT(write_safetensors(path, {{"w", DType::F32, {2, 2}, {1, 2, 3}}}).error().message,
             ContainsSubstring("tensor \"w\" has 3 values for a shape of 4 elements"));
  CHECK_THAT(write_safetensors(path, {{"w", DType::F32, {1}, {1}}, {"w", DType::F32, {1}, {2}}}).error().message,
             ContainsSubstring("duplicate tensor name \"w\""));
  CHECK_THAT(write_safetensors(path, {{"w", DType::BF16, {1}, {1}}}).error().message,
             ContainsSubstring("writing dtype BF16 is not supported"));
  CHECK_THAT(write_safetensors(path, {{"w", DType::F32, {-1}, {}}}).error().message,
             ContainsSubstring("tensor \"w\" has an invalid shape"));
  CHECK_FALSE(open_byte_source(path).ok());  // nothing was written
  CHECK_THAT(write_safetensors("no-such-folder/x.safetensors", {}).error().message,
             ContainsSubstring("no-such-folder/x.safetensors.tmp: cannot open for writing"));
}

TEST_CASE("safetensors: conversion to float64") {
  TensorInfo t;
  t.name = "ids";
  t.dtype = DType::I32;
  t.numel = 2;
  const int32_t ids[] = {-5, 2147483647};
  double out[2];
  REQUIRE(convert_to_f64(t, reinterpret_cast<const unsigned char*>(ids), out).ok());
  CHECK(out[0] == -5);
  CHECK(out[1] == 2147483647.0);
  t.dtype = DType::BF16;
  const uint16_t bf[] = {0x3F80, 0xC000};
  REQUIRE(convert_to_f64(t, reinterpret_cast<const unsigned char*>(bf), out).ok());
  CHECK(out[0] == 1.0);
  CHECK(out[1] == -2.0);
  t.dtype = DType::U8;
  auto refused = convert_to_f64(t, reinterpret_cast<const unsigned char*>(bf), out);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, ContainsSubstring("tensor \"ids\" has dtype U8"));
}

TEST_CASE("safetensors: a short read while reading the index names the file") {
  const std::string header = "{}";
  auto failing = [](uint64_t, uint64_t, unsigned char*) -> hs::Status { return hs::make_error("disk on fire"); };
  auto r = read_safetensors_index(8 + header.size(), failing, "w.safetensors");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "w.safetensors: disk on fire");
}

TEST_CASE("HfConfig: aliases, fallbacks, types and ranges") {
  auto c = HfConfig::parse("{\"hidden_size\": 64, \"n_inner\": null, \"eps\": 0.5, \"name\": \"x\", \"flag\": true,"
                           " \"off\": false, \"big\": 9}",
                           "m/config.json");
  REQUIRE(c.ok());
  CHECK(c->integer({"n_embd", "hidden_size"}, 1, 100).value() == 64);      // the alias is used
  CHECK(c->integer_or({"n_inner"}, 256, 1, 1000).value() == 256);          // null counts as absent
  CHECK(c->number_or("eps", 1e-5, 0.0, 1.0).value() == 0.5);
  CHECK(c->number_or("absent", 1e-5, 0.0, 1.0).value() == 1e-5);
  CHECK(*c->string("name").value() == "x");
  CHECK_FALSE(c->string("absent").value().has_value());
  CHECK(c->boolean_or("flag", false).value());
  CHECK(c->is_true("flag"));
  CHECK_FALSE(c->is_true("off"));
  CHECK_FALSE(c->is_true("name"));
  CHECK(c->integer({"n_layer"}, 1, 10).error().message == "m/config.json: required field \"n_layer\" is missing");
  CHECK(c->integer({"big"}, 1, 8).error().message == "m/config.json: field \"big\" = 9 is out of range [1, 8]");
  CHECK(c->integer({"name"}, 1, 8).error().message == "m/config.json: field \"name\" must be an integer, got a string");
  CHECK(c->integer({"eps"}, 0, 8).error().message == "m/config.json: field \"eps\" must be an integer, got a number");
  CHECK(c->number_or("big", 1e-5, 0.0, 1.0).error().message == "m/config.json: field \"big\" must be a number in (0, 1]");
  CHECK(c->string("big").error().message == "m/config.json: field \"big\" must be a string");
  CHECK(c->boolean_or("big", true).error().message == "m/config.json: field \"big\" must be true or false");
  CHECK(HfConfig::parse("[1]", "c.json").error().message == "c.json: expected a JSON object, got an array");
  CHECK_THAT(HfConfig::parse("{\"a\":", "c.json").error().message, ContainsSubstring("c.json"));
}

TEST_CASE("files: whole and ranged reads, errors naming the path") {
  const std::string path = "test_formats_file.bin";
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite("0123456789", 1, 10, f);
    std::fclose(f);
  }
  CHECK(read_text_file(path).value() == "0123456789");
  auto src = open_byte_source(path);
  REQUIRE(src.ok());
  CHECK(src->size == 10);
  CHECK(src->name == path);
  unsigned char buf[3];
  REQUIRE(src->read(4, 3, buf).ok());
  CHECK(std::string(reinterpret_cast<char*>(buf), 3) == "456");
  CHECK_THAT(src->read(8, 3, buf).error().message, ContainsSubstring("short read"));
  std::remove(path.c_str());
  CHECK_THAT(read_text_file("no-such-file.txt").error().message, ContainsSubstring("no-such-file.txt: cannot open"));
  CHECK_THAT(open_byte_source("no-such-file.bin").error().message, ContainsSubstring("no-such-file.bin: cannot open"));
}
