// src/formats — file formats (see dtype.hpp). This header: reading files, whole
// (small text files: config.json, tokenizer.json, a text to run) or in ranges
// through a ByteReader (large weights files, natively from disk and in the
// browser from File slices), so a large file is never held in memory twice.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/error.hpp"

namespace hs::formats {

// Whole-file read (the bytes as they are), with an error naming the path.
Result<std::string> read_text_file(const std::string& path);

// Reads n bytes at absolute file offset `offset` into dst.
using ByteReader = std::function<Status(uint64_t offset, uint64_t n, unsigned char* dst)>;

// A file opened for ranged reads: its size and a reader (which keeps it open).
struct ByteSource {
  std::string name;  // the path, for messages
  uint64_t size = 0;
  ByteReader read;
};
Result<ByteSource> open_byte_source(const std::string& path);

}  // namespace hs::formats
