// Whole-file and ranged file reading (see files.hpp).
#include "formats/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace hs::formats {

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

Result<ByteSource> open_byte_source(const std::string& path) {
  std::shared_ptr<FILE> f(std::fopen(path.c_str(), "rb"), [](FILE* p) { if (p) std::fclose(p); });
  if (!f) return make_error(path + ": cannot open (" + std::strerror(errno) + ")");
  if (fseeko(f.get(), 0, SEEK_END) != 0) return make_error(path + ": cannot seek");
  const off_t size = ftello(f.get());
  if (size < 0) return make_error(path + ": cannot tell its size");
  ByteSource source;
  source.name = path;
  source.size = static_cast<uint64_t>(size);
  source.read = [f](uint64_t offset, uint64_t n, unsigned char* dst) -> Status {
    if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0) return make_error("cannot seek");
    if (std::fread(dst, 1, n, f.get()) != n) return make_error("short read (file truncated while reading?)");
    return {};
  };
  return source;
}

}  // namespace hs::formats
