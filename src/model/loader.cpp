// Model assembly from HuggingFace files.
#include "model/loader.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

#include <sys/stat.h>
#include <sys/types.h>

#include "json/json.hpp"

namespace hs::model {

Result<tokenizer::Tokenizer> load_tokenizer(const ModelFiles& files) {
  if (files.tokenizer_json) return tokenizer::Tokenizer::from_tokenizer_json(*files.tokenizer_json, "tokenizer.json");
  if (files.vocab_json && files.merges_txt)
    return tokenizer::Tokenizer::from_vocab_merges(*files.vocab_json, *files.merges_txt);
  if (files.vocab_json) return make_error("merges.txt is missing (vocab.json needs its merges.txt)");
  if (files.merges_txt) return make_error("vocab.json is missing (merges.txt needs its vocab.json)");
  return make_error("no tokenizer: give tokenizer.json, or vocab.json and merges.txt");
}

Result<std::unique_ptr<Model>> load_model(const ModelFiles& files, const LoadProgress& progress) {
  HS_TRY_ASSIGN(ModelSpec config, parse_model_spec(files.config_json, "config.json"));
  HS_TRY_ASSIGN(tokenizer::Tokenizer tok, load_tokenizer(files));
  HS_TRY(check_tokenizer_fits(config, tok));
  return load_model_weights(std::move(config), std::move(tok), files, progress);
}

namespace {
// Shards read as one file: shard k's bytes sit at [base_k, base_k + size_k) of
// one offset space, and its tensors' offsets are moved there, so load_weights
// reads them (tensor by tensor, never across two shards) as from one file.
struct JoinedShards {
  formats::SafetensorsIndex index;
  ByteReader read;
};

Result<JoinedShards> join_shards(const std::vector<formats::ByteSource>& shards) {
  JoinedShards joined;
  joined.index.source = "the shards of model.safetensors.index.json";
  std::vector<uint64_t> bases;
  std::set<std::string> seen;
  uint64_t base = 0;
  for (const formats::ByteSource& shard : shards) {
    HS_TRY_ASSIGN(formats::SafetensorsIndex one, formats::read_safetensors_index(shard.size, shard.read, shard.name));
    for (formats::TensorInfo t : one.tensors) {
      if (!seen.insert(t.name).second)
        return make_error(shard.name + ": tensor \"" + t.name + "\" is also in an earlier shard");
      t.begin += base;
      t.end += base;
      joined.index.tensors.push_back(std::move(t));
    }
    bases.push_back(base);
    base += shard.size;
  }
  joined.index.file_size = base;
  joined.read = [shards, bases](uint64_t offset, uint64_t n, unsigned char* dst) -> Status {
    const std::size_t k = static_cast<std::size_t>(std::upper_bound(bases.begin(), bases.end(), offset) - bases.begin()) - 1;
    if (offset + n > bases[k] + shards[k].size)
      return make_error(shards[k].name + ": a read of " + std::to_string(n) + " bytes runs past the end of the shard");
    Status s = shards[k].read(offset - bases[k], n, dst);
    if (!s) return with_context(shards[k].name + ": ", s.error());
    return {};
  };
  return joined;
}
}  // namespace

Result<std::vector<std::string>> safetensors_shard_names(std::string_view index_json, std::string_view source) {
  HS_TRY_ASSIGN(json::Value index, json::parse(index_json, source));
  const json::Value* map = index.find("weight_map");
  if (!map || !map->is_object() || map->items.empty())
    return make_error(std::string(source) + ": no weight_map (tensor name -> shard file) in it");
  std::set<std::string> names;
  for (std::size_t i = 0; i < map->items.size(); ++i) {
    const json::Value& file = map->items[i];
    if (!file.is_string() || file.string.empty() || file.string.find('/') != std::string::npos ||
        file.string.find("..") != std::string::npos)
      return make_error(std::string(source) + ": weight_map[\"" + map->keys[i] + "\"] is not a shard file name in the folder");
    names.insert(file.string);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::unique_ptr<Model>> load_model_weights(ModelSpec config, tokenizer::Tokenizer tok, const ModelFiles& files,
                                                  const LoadProgress& progress) {
  formats::SafetensorsIndex index;
  ByteReader read = files.safetensors_read;
  if (!files.shards.empty()) {
    HS_TRY_ASSIGN(JoinedShards joined, join_shards(files.shards));
    index = std::move(joined.index);
    read = std::move(joined.read);
  } else {
    HS_TRY_ASSIGN(index, formats::read_safetensors_index(files.safetensors_size, files.safetensors_read,
                                                         files.safetensors_name));
  }
  HS_TRY_ASSIGN(Weights weights, load_weights(config, index, read, progress, files.storage));
  std::unique_ptr<Model> m(new (std::nothrow) Model(std::move(config), std::move(tok), std::move(weights)));
  if (!m) return make_error("out of memory creating the model");
  return m;
}

namespace {
bool file_exists(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::fclose(f);
  return true;
}

bool folder_exists(const std::string& dir) {
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<ModelFiles> tokenizer_files(const std::string& dir) {
  ModelFiles files;
  if (!folder_exists(dir)) return make_error(dir + ": no such model folder");
  if (file_exists(dir + "/tokenizer.json")) {
    HS_TRY_ASSIGN(files.tokenizer_json, read_text_file(dir + "/tokenizer.json"));
  } else if (file_exists(dir + "/vocab.json") || file_exists(dir + "/merges.txt")) {
    HS_TRY_ASSIGN(files.vocab_json, read_text_file(dir + "/vocab.json"));
    HS_TRY_ASSIGN(files.merges_txt, read_text_file(dir + "/merges.txt"));
  } else {
    return make_error(dir + ": no tokenizer.json, nor vocab.json + merges.txt");
  }
  return files;
}
}  // namespace

Result<tokenizer::Tokenizer> load_tokenizer_folder(const std::string& dir) {
  HS_TRY_ASSIGN(ModelFiles files, tokenizer_files(dir));
  return load_tokenizer(files);
}

Result<std::unique_ptr<Model>> load_model_folder(const std::string& dir, WeightStorage storage) {
  HS_TRY_ASSIGN(ModelFiles files, tokenizer_files(dir));
  files.storage = storage;
  HS_TRY_ASSIGN(files.config_json, read_text_file(dir + "/config.json"));
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (!file_exists(dir + "/model.safetensors") && file_exists(index_path)) {
    HS_TRY_ASSIGN(std::string index_json, read_text_file(index_path));
    HS_TRY_ASSIGN(std::vector<std::string> names, safetensors_shard_names(index_json, index_path));
    for (const std::string& name : names) {
      HS_TRY_ASSIGN(formats::ByteSource shard, formats::open_byte_source(dir + "/" + name));
      files.shards.push_back(std::move(shard));
    }
    return load_model(files);
  }
  HS_TRY_ASSIGN(formats::ByteSource weights, formats::open_byte_source(dir + "/model.safetensors"));
  files.safetensors_size = weights.size;
  files.safetensors_name = weights.name;
  files.safetensors_read = std::move(weights.read);
  return load_model(files);
}

}  // namespace hs::model
