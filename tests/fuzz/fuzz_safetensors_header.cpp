// libFuzzer harness: the input is a whole safetensors file. Runs the header
// length check and the header parser, then (when the header is accepted) checks
// the index's invariants and converts every float tensor from the input's bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "formats/safetensors.hpp"

using namespace hs::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned char first8[8] = {0};
  for (size_t i = 0; i < 8 && i < size; ++i) first8[i] = data[i];
  auto len = safetensors_header_length(first8, size, "model.safetensors");
  if (!len) { hs::fuzz::check_error(len.error()); return 0; }
  const uint64_t n = *len;
  if (n > size - 8) hs::fuzz::fail("header length accepted past the end", std::to_string(n));
  std::string_view header(reinterpret_cast<const char*>(data) + 8, n);
  auto idx = parse_safetensors_header(header, size, "model.safetensors");
  if (!idx) { hs::fuzz::check_error(idx.error()); return 0; }
  const SafetensorsIndex& index = idx.value();
  if (index.data_start != 8 + n) hs::fuzz::fail("data_start", std::to_string(index.data_start));
  uint64_t covered = 0;
  std::vector<float> out;
  for (const TensorInfo& t : index.tensors) {
    if (t.begin < index.data_start || t.end < t.begin || t.end > size)
      hs::fuzz::fail("tensor outside the data section", t.name);
    if (t.end - t.begin != t.numel * dtype_size(t.dtype)) hs::fuzz::fail("byte length != numel x size", t.name);
    covered += t.end - t.begin;
    if (dtype_is_float_supported(t.dtype)) {
      out.resize(t.numel);
      hs::Status s = convert_to_f32(t, data + t.begin, out.data());
      if (!s) hs::fuzz::fail("convert_to_f32 refused a float dtype", s.error().message);
    }
  }
  if (covered != size - index.data_start) hs::fuzz::fail("tensors do not tile the data section", "");
  return 0;
}
