// Model assembly from HuggingFace files.
#include "model/loader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/stat.h>
#include <sys/types.h>

namespace hs::model {

Result<std::string> read_text_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
  if (std::ferror(f.get())) return make_error(path + ": read error");
  return out;
}

Result<tokenizer::Tokenizer> load_tokenizer(const ModelFiles& files) {
  if (files.tokenizer_json) return tokenizer::Tokenizer::from_tokenizer_json(*files.tokenizer_json, "tokenizer.json");
  if (files.vocab_json && files.merges_txt)
    return tokenizer::Tokenizer::from_vocab_merges(*files.vocab_json, *files.merges_txt);
  if (files.vocab_json) return make_error("merges.txt is missing (vocab.json needs its merges.txt)");
  if (files.merges_txt) return make_error("vocab.json is missing (merges.txt needs its vocab.json)");
  return make_error("no tokenizer: give tokenizer.json, or vocab.json and merges.txt");
}

Result<std::unique_ptr<Model>> load_model(const ModelFiles& files, const LoadProgress& progress) {
  HS_TRY_ASSIGN(Gpt2Config config, parse_gpt2_config(files.config_json, "config.json"));
  HS_TRY_ASSIGN(tokenizer::Tokenizer tok, load_tokenizer(files));
  HS_TRY(check_tokenizer_fits(config, tok));
  return load_model_weights(std::move(config), std::move(tok), files, progress);
}

Result<std::unique_ptr<Model>> load_model_weights(Gpt2Config config, tokenizer::Tokenizer tok, const ModelFiles& files,
                                                  const LoadProgress& progress) {
  const std::string& name = files.safetensors_name;
  unsigned char first8[8] = {0};
  if (files.safetensors_size >= 8) {
    Status s = files.safetensors_read(0, 8, first8);
    if (!s) return with_context(name + ": ", s.error());
  }
  HS_TRY_ASSIGN(uint64_t header_len, safetensors_header_length(first8, files.safetensors_size, name));
  std::string header(header_len, '\0');
  if (header_len > 0) {
    Status s = files.safetensors_read(8, header_len, reinterpret_cast<unsigned char*>(header.data()));
    if (!s) return with_context(name + ": ", s.error());
  }
  HS_TRY_ASSIGN(SafetensorsIndex index, parse_safetensors_header(header, files.safetensors_size, name));
  HS_TRY_ASSIGN(Gpt2Weights weights, load_gpt2_weights(config, index, files.safetensors_read, progress));
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
  const std::string st_path = dir + "/model.safetensors";
  std::shared_ptr<FILE> f(std::fopen(st_path.c_str(), "rb"), [](FILE* p) { if (p) std::fclose(p); });
  if (!f) return make_error(st_path + ": cannot open (" + std::strerror(errno) + ")");
  if (fseeko(f.get(), 0, SEEK_END) != 0) return make_error(st_path + ": cannot seek");
  const off_t size = ftello(f.get());
  if (size < 0) return make_error(st_path + ": cannot tell its size");
  files.safetensors_size = static_cast<uint64_t>(size);
  files.safetensors_name = st_path;
  files.safetensors_read = [f, st_path](uint64_t offset, uint64_t n, unsigned char* dst) -> Status {
    if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0) return make_error("cannot seek");
    if (std::fread(dst, 1, n, f.get()) != n) return make_error("short read (file truncated while reading?)");
    return {};
  };
  return load_model(files);
}

}  // namespace hs::model
