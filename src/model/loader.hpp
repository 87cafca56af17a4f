// src/model — putting a model together from its HuggingFace files: config.json,
// tokenizer.json (or vocab.json + merges.txt) and model.safetensors read through
// a ByteReader, natively from a folder on disk; or, sharded, the files that
// model.safetensors.index.json names, read as one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "formats/files.hpp"
#include "model/model.hpp"

namespace hs::model {

struct ModelFiles {
  std::string config_json;
  std::optional<std::string> tokenizer_json;
  std::optional<std::string> vocab_json;
  std::optional<std::string> merges_txt;
  uint64_t safetensors_size = 0;
  ByteReader safetensors_read;
  std::string safetensors_name = "model.safetensors";
  // Sharded weights (model-00001-of-0000N.safetensors ..., in order): when not
  // empty they are read instead of the safetensors_* fields above.
  std::vector<formats::ByteSource> shards;
  // How the matrices and tables are kept (16-bit as stored, all float32, or compacted).
  WeightStorage storage = WeightStorage::AsStored;
};

// The shard file names of a model.safetensors.index.json (its weight_map's
// values, each once, sorted), with errors naming `source`.
Result<std::vector<std::string>> safetensors_shard_names(std::string_view index_json, std::string_view source);

Result<tokenizer::Tokenizer> load_tokenizer(const ModelFiles& files);
Result<std::unique_ptr<Model>> load_model(const ModelFiles& files, const LoadProgress& progress = {});

// The second half of load_model: model.safetensors read through
// files.safetensors_read (or the shards, joined) for a config and tokenizer that are already checked
// (files.config_json and the tokenizer fields are not looked at).
Result<std::unique_ptr<Model>> load_model_weights(ModelSpec config, tokenizer::Tokenizer tok, const ModelFiles& files,
                                                  const LoadProgress& progress = {});

// A folder holding config.json, model.safetensors (or model.safetensors.index.json
// and its shards) and tokenizer.json or vocab.json + merges.txt. Errors name the
// file at fault with its path.
Result<std::unique_ptr<Model>> load_model_folder(const std::string& dir,
                                                 WeightStorage storage = WeightStorage::AsStored);
Result<tokenizer::Tokenizer> load_tokenizer_folder(const std::string& dir);

// Whole-file read, with an error naming the path (the CLI reads --text-file with it).
using formats::read_text_file;

}  // namespace hs::model
