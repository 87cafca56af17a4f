// Model assembly from HuggingFace files.
#include "model/loader.hpp"

#include <cstdio>
#include <memory>

#include <sys/stat.h>
#include <sys/types.h>

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

Result<std::unique_ptr<Model>> load_model_weights(ModelSpec config, tokenizer::Tokenizer tok, const ModelFiles& files,
                                                  const LoadProgress& progress) {
  HS_TRY_ASSIGN(formats::SafetensorsIndex index, formats::read_safetensors_index(files.safetensors_size,
                                                                               files.safetensors_read,
                                                                               files.safetensors_name));
  HS_TRY_ASSIGN(Weights weights, load_weights(config, index, files.safetensors_read, progress));
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

Result<std::unique_ptr<Model>> load_model_folder(const std::string& dir) {
  HS_TRY_ASSIGN(ModelFiles files, tokenizer_files(dir));
  HS_TRY_ASSIGN(files.config_json, read_text_file(dir + "/config.json"));
  HS_TRY_ASSIGN(formats::ByteSource weights, formats::open_byte_source(dir + "/model.safetensors"));
  files.safetensors_size = weights.size;
  files.safetensors_name = weights.name;
  files.safetensors_read = std::move(weights.read);
  return load_model(files);
}

}  // namespace hs::model
