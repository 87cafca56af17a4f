// Strict recursive-descent JSON reader; see json.hpp.
#include "json/json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace hs::json {

const char* type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  if (type != Type::Object) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static const uint32_t min_for_length[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[n]) return 0;            // overlong
  if (cp > 0x10FFFF) return 0;                      // out of range
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;       // surrogate
  return n;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, ParseOptions options)
      : text_(text), source_(source), options_(options) {}

  Result<Value> parse_document() {
    Value v;
    skip_whitespace();
    if (!parse_value(v, 0)) return error_;
    skip_whitespace();
    if (pos_ != text_.size()) return fail("unexpected text after the JSON value");
    return v;
  }

 private:
  std::string_view text_;
  std::string_view source_;
  ParseOptions options_;
  size_t pos_ = 0;
  Error error_;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  Error fail(const std::string& what) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') { ++line; column = 1; } else { ++column; }
    }
    error_ = Error{std::string(source_) + ": invalid JSON at line " + std::to_string(line) +
                   ", column " + std::to_string(column) + ": " + what};
    return error_;
  }
  bool failed(const std::string& what) { fail(what); return false; }

  void skip_whitespace() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') ++pos_;
      else break;
    }
  }

  bool expect_literal(const char* lit) {
    size_t n = std::strlen(lit);
    if (text_.substr(pos_, n) != lit) return failed("unknown literal");
    pos_ += n;
    return true;
  }

  bool parse_value(Value& v, int depth) {
    if (at_end()) return failed("unexpected end of input");
    char c = peek();
    switch (c) {
      case '{': return parse_object(v, depth + 1);
      case '[': return parse_array(v, depth + 1);
      case '"': v.type = Type::String; return parse_string(v.string);
      case 't': v.type = Type::Bool; v.boolean = true; return expect_literal("true");
      case 'f': v.type = Type::Bool; v.boolean = false; return expect_literal("false");
      case 'n': v.type = Type::Null; return expect_literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(v);
        return failed(std::string("unexpected character '") + printable(c) + "'");
    }
  }

  static std::string printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", u);
    return buf;
  }

  bool parse_object(Value& v, int depth) {
    if (depth > options_.max_depth) return failed("nested deeper than " + std::to_string(options_.max_depth) + " levels");
    v.type = Type::Object;
    ++pos_;  // {
    skip_whitespace();
    if (!at_end() && peek() == '}') { ++pos_; return true; }
    for (;;) {
      skip_whitespace();
      if (at_end() || peek() != '"') return failed("expected a string key");
      std::string key;
      if (!parse_string(key)) return false;
      skip_whitespace();
      if (at_end() || peek() != ':') return failed("expected ':' after a key");
      ++pos_;
      skip_whitespace();
      Value member;
      if (!parse_value(member, depth)) return false;
      v.keys.push_back(std::move(key));
      v.items.push_back(std::move(member));
      skip_whitespace();
      if (at_end()) return failed("unexpected end of input inside an object");
      if (peek() == ',') { ++pos_; continue; }
      if (peek() == '}') { ++pos_; return true; }
      return failed("expected ',' or '}'");
    }
  }

  bool parse_array(Value& v, int depth) {
    if (depth > options_.max_depth) return failed("nested deeper than " + std::to_string(options_.max_depth) + " levels");
    v.type = Type::Array;
    ++pos_;  // [
    skip_whitespace();
    if (!at_end() && peek() == ']') { ++pos_; return true; }
    for (;;) {
      skip_whitespace();
      Value item;
      if (!parse_value(item, depth)) return false;
      v.items.push_back(std::move(item));
      skip_whitespace();
      if (at_end()) return failed("unexpected end of input inside an array");
      if (peek() == ',') { ++pos_; continue; }
      if (peek() == ']') { ++pos_; return true; }
      return failed("expected ',' or ']'");
    }
  }

  bool parse_hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return failed("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= c - '0';
      else if (c >= 'a' && c <= 'f') out |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') out |= c - 'A' + 10;
      else return failed("bad hex digit in \\u escape");
    }
    return true;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return failed("unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') { ++pos_; return true; }
      if (c < 0x20) return failed("control character in a string");
      if (c == '\\') {
        ++pos_;
        if (at_end()) return failed("unterminated escape");
        char e = text_[pos_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            uint32_t cp;
            if (!parse_hex4(cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t low;
              if (text_.substr(pos_, 2) != "\\u") return failed("unpaired surrogate in \\u escape");
              pos_ += 2;
              if (!parse_hex4(low)) return false;
              if (low < 0xDC00 || low > 0xDFFF) return failed("unpaired surrogate in \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return failed("unpaired surrogate in \\u escape");
            }
            append_utf8(out, cp);
            break;
          }
          default: return failed(std::string("unknown escape '\\") + printable(e) + "'");
        }
        continue;
      }
      size_t n = utf8_sequence_length(text_, pos_);
      if (n == 0) return failed("invalid UTF-8 in a string");
      out.append(text_.data() + pos_, n);
      pos_ += n;
    }
  }

  bool parse_number(Value& v) {
    size_t start = pos_;
    bool integer = true;
    if (peek() == '-') ++pos_;
    if (at_end()) return failed("truncated number");
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      return failed("bad number");
    }
    if (!at_end() && peek() == '.') {
      integer = false;
      ++pos_;
      if (at_end() || !(peek() >= '0' && peek() <= '9')) return failed("bad number: digits expected after '.'");
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integer = false;
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (at_end() || !(peek() >= '0' && peek() <= '9')) return failed("bad number: digits expected in exponent");
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    }
    std::string literal(text_.substr(start, pos_ - start));
    v.type = Type::Number;
    v.number = std::strtod(literal.c_str(), nullptr);
    if (integer) {
      errno = 0;
      long long n = std::strtoll(literal.c_str(), nullptr, 10);
      if (errno == 0) { v.is_integer = true; v.integer = n; }
    }
    return true;
  }
};

}  // namespace

Result<Value> parse(std::string_view text, std::string_view source, ParseOptions options) {
  Parser p(text, source, options);
  return p.parse_document();
}

bool is_valid_utf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string quoted(std::string_view s) {
  std::string out;
  write_string(out, s);
  return out;
}

void write_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace hs::json
