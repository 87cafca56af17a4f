// src/json — building JSON text. The writer puts in the commas, colons and
// quotes, so a caller writes the shape of its document and nothing else.
// Numbers: integers exactly; floats with 7 significant digits (float32's
// precision), and NaN/Inf, which JSON has no words for, as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hs::json {

class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);  // inside an object, before each value

  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(const std::string& s) { return value(std::string_view(s)); }
  Writer& value(bool b);
  Writer& value(int v) { return integer(v); }
  Writer& value(long v) { return integer(v); }
  Writer& value(long long v) { return integer(v); }
  Writer& value(unsigned v) { return integer(static_cast<long long>(v)); }
  Writer& value(unsigned long v) { return integer(static_cast<long long>(v)); }
  Writer& value(unsigned long long v) { return integer(static_cast<long long>(v)); }
  Writer& value(double v);
  Writer& value(float v) { return value(static_cast<double>(v)); }
  Writer& null();
  Writer& raw(std::string_view json);  // an already-written JSON value

  // key + value
  template <class T>
  Writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  // an array of numbers or strings
  template <class T>
  Writer& array(const T* p, std::size_t n) {
    begin_array();
    for (std::size_t i = 0; i < n; ++i) value(p[i]);
    return end_array();
  }
  template <class T>
  Writer& array(const std::vector<T>& v) {
    return array(v.data(), v.size());
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  Writer& integer(long long v);
  void before_value();

  std::string out_;
  std::vector<bool> has_items_;  // one per open object/array
  bool after_key_ = false;
};

}  // namespace hs::json
