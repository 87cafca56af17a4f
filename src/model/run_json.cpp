// JSON writers for the CLI contract.
#include "model/run_json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "json/json.hpp"

namespace hs::model {

namespace {
// Non-finite numbers are not JSON: they are written as null (RunResult.nonfinite says so).
void put_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.7g", v);
  out.append(buf, n);
}

void put_ids(std::string& out, const std::vector<int32_t>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  out += ']';
}

void put_tokens(std::string& out, const std::vector<std::string>& tokens) {
  out += '[';
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i) out += ',';
    json::write_string(out, tokens[i]);
  }
  out += ']';
}
}  // namespace

std::string tokenize_json(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens) {
  std::string out = "{\"ids\":";
  put_ids(out, ids);
  out += ",\"tokens\":";
  put_tokens(out, tokens);
  out += "}";
  return out;
}

std::string run_json(const RunResult& r) {
  std::string out;
  out.reserve(64 + r.attention.size() * 10 + r.logits_last.size() * 12);
  out += "{\"ids\":";
  put_ids(out, r.ids);
  out += ",\"tokens\":";
  put_tokens(out, r.tokens);
  out += ",\"n_layer\":" + std::to_string(r.n_layer);
  out += ",\"n_head\":" + std::to_string(r.n_head);
  out += std::string(",\"truncated\":") + (r.truncated ? "true" : "false");
  out += std::string(",\"nonfinite\":") + (r.nonfinite ? "true" : "false");
  out += ",\"attention\":[";
  const std::size_t T = r.T;
  for (int l = 0; l < r.n_layer; ++l) {
    out += l ? ",[" : "[";
    for (int h = 0; h < r.n_head; ++h) {
      out += h ? ",[" : "[";
      for (std::size_t i = 0; i < T; ++i) {
        out += i ? ",[" : "[";
        const float* row = r.attention.data() + ((std::size_t(l) * r.n_head + h) * T + i) * T;
        for (std::size_t j = 0; j < T; ++j) {
          if (j) out += ',';
          put_number(out, row[j]);
        }
        out += ']';
      }
      out += ']';
    }
    out += ']';
  }
  out += "],\"logits_last\":[";
  for (std::size_t v = 0; v < r.logits_last.size(); ++v) {
    if (v) out += ',';
    put_number(out, r.logits_last[v]);
  }
  out += "]}";
  return out;
}

std::string score_json(const Model::Score& s) {
  std::string out = "{\"tokens\":" + std::to_string(s.tokens) + ",\"mean_nll\":";
  put_number(out, s.mean_nll);
  out += std::string(",\"truncated\":") + (s.truncated ? "true" : "false") + "}";
  return out;
}

Result<std::vector<HeadRef>> parse_head_list(const std::string& spec) {
  std::vector<HeadRef> heads;
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    std::string item = spec.substr(pos, comma - pos);
    if (!item.empty()) {
      std::size_t dot = item.find('.');
      char* end1 = nullptr;
      char* end2 = nullptr;
      long l = -1, h = -1;
      if (dot != std::string::npos && dot > 0 && dot + 1 < item.size()) {
        std::string a = item.substr(0, dot), b = item.substr(dot + 1);
        l = std::strtol(a.c_str(), &end1, 10);
        h = std::strtol(b.c_str(), &end2, 10);
        if (*end1 != '\0' || *end2 != '\0') l = -1;
      }
      if (l < 0 || h < 0 || l > 100000 || h > 100000)
        return make_error("bad head \"" + item + "\": write heads as LAYER.HEAD, e.g. 0.3,1.0");
      heads.push_back({int(l), int(h)});
    }
    pos = comma + 1;
  }
  return heads;
}

}  // namespace hs::model
