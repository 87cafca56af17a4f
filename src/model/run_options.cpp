// The run-options table: each option's name, what it takes, and how it sets
// RunOptions. Both sources of options (a JSON object, command-line flags) are
// turned into json::Values first, so one check per option serves both.
#include "model/run_options.hpp"

#include <cmath>
#include <cstdlib>
#include <functional>

#include "json/json.hpp"

namespace hs::model {

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

namespace {

enum class Kind {
  Switch,  // true | false; on the command line --no-NAME (the default is on) or --NAME
  Number,  // a number
  Count,   // a non-negative integer
  Text,    // a string (or null for "none")
};

struct OptionSpec {
  const char* name;
  Kind kind;
  bool on_command_line;  // internal options (what a run keeps) are JSON only
  const char* value_help;
  // `v` has the kind's type (or is null for Text); `who` names the option in errors
  std::function<Status(RunOptions&, const json::Value& v, const std::string& who)> set;
};

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = {
      {"causal", Kind::Switch, true, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.causal = v.boolean;
         return {};
       }},
      {"scale", Kind::Switch, true, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.scale = v.boolean;
         return {};
       }},
      {"temperature", Kind::Number, true, "X", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.temperature = static_cast<float>(v.number);
         return {};
       }},
      {"temperature_head", Kind::Text, true, "L.H",
       [](RunOptions& o, const json::Value& v, const std::string& who) -> Status {
         o.temperature_head = {-1, -1};
         if (v.is_null() || v.string.empty()) return {};
         HS_TRY_ASSIGN(auto heads, parse_head_list(v.string));
         if (heads.size() != 1) return make_error(who + " takes one head, L.H");
         o.temperature_head = heads[0];
         return {};
       }},
      {"ablate", Kind::Text, true, "L.H,L.H", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.ablate.clear();
         if (v.is_null()) return {};
         HS_TRY_ASSIGN(o.ablate, parse_head_list(v.string));
         return {};
       }},
      {"ablation", Kind::Text, true, "zero|mean",
       [](RunOptions& o, const json::Value& v, const std::string& who) -> Status {
         if (v.is_null()) return {};
         if (v.string == "zero") o.ablation = AblationMode::Zero;
         else if (v.string == "mean") o.ablation = AblationMode::Mean;
         else return make_error(who + " must be \"zero\" or \"mean\", not \"" + v.string + "\"");
         return {};
       }},
      {"max_tokens", Kind::Count, true, "N", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.max_tokens = static_cast<std::size_t>(v.integer);
         return {};
       }},
      {"special", Kind::Switch, true, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.special = v.boolean;
         return {};
       }},
      {"value_weighted", Kind::Switch, true, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.value_weighted = v.boolean;
         return {};
       }},
      {"all_logits", Kind::Switch, false, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.all_logits = v.boolean;
         return {};
       }},
      {"lens", Kind::Switch, false, "", [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.lens = v.boolean;
         return {};
       }},
      {"intermediates", Kind::Switch, false, "",
       [](RunOptions& o, const json::Value& v, const std::string&) -> Status {
         o.keep_intermediates = v.boolean;
         return {};
       }},
  };
  return table;
}

// Older spellings the CLI still accepts.
const char* canonical_flag_name(const std::string& name) {
  if (name == "ablate_mode") return "ablation";
  return nullptr;
}

const OptionSpec* find_option(const std::string& name) {
  for (const OptionSpec& s : option_table())
    if (name == s.name) return &s;
  return nullptr;
}

std::string known_names() {
  std::string out;
  for (const OptionSpec& s : option_table()) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

// The kind's type check, then the option's own.
Status apply(RunOptions& o, const OptionSpec& spec, const json::Value& v, const std::string& who) {
  switch (spec.kind) {
    case Kind::Switch:
      if (!v.is_bool()) return make_error(who + " must be true or false");
      break;
    case Kind::Number:
      if (!v.is_number() || !std::isfinite(v.number)) return make_error(who + " must be a number");
      break;
    case Kind::Count:
      if (v.is_null()) return {};
      if (!v.is_number() || !v.is_integer || v.integer < 0)
        return make_error(who + " must be a non-negative integer");
      break;
    case Kind::Text:
      if (!v.is_null() && !v.is_string())
        return make_error(who + " must be a string" + (*spec.value_help ? std::string(" (") + spec.value_help + ")" : ""));
      break;
  }
  return spec.set(o, v, who);
}

std::string flag_of(const std::string& name) {
  std::string f = "--" + name;
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

}  // namespace

Result<RunOptions> run_options_from_json(std::string_view json_text) {
  RunOptions o;
  if (json_text.empty()) return o;
  HS_TRY_ASSIGN(json::Value v, json::parse(json_text, "run options"));
  if (!v.is_object()) return make_error("run options must be a JSON object");
  for (std::size_t i = 0; i < v.keys.size(); ++i) {
    const OptionSpec* spec = find_option(v.keys[i]);
    if (!spec) return make_error("unknown run option \"" + v.keys[i] + "\" (known: " + known_names() + ")");
    HS_TRY(apply(o, *spec, v.items[i], "run option \"" + v.keys[i] + "\""));
  }
  return o;
}

Result<bool> apply_run_option_flag(RunOptions& o, int argc, char** argv, int& i) {
  const std::string flag = argv[i];
  if (flag.size() < 3 || flag.compare(0, 2, "--") != 0) return false;
  std::string name = flag.substr(2);
  for (char& c : name)
    if (c == '-') c = '_';
  bool negated = false;
  if (!find_option(name) && name.compare(0, 3, "no_") == 0) {
    negated = true;
    name = name.substr(3);
  }
  if (const char* canon = canonical_flag_name(name)) name = canon;
  const OptionSpec* spec = find_option(name);
  if (!spec || !spec->on_command_line) return false;
  json::Value v;
  if (spec->kind == Kind::Switch) {
    v.type = json::Type::Bool;
    v.boolean = !negated;
    HS_TRY(apply(o, *spec, v, flag));
    return true;
  }
  if (negated) return false;
  if (i + 1 >= argc) return make_error(flag + " needs a value (" + spec->value_help + ")");
  const std::string text = argv[++i];
  if (spec->kind == Kind::Text) {
    v.type = json::Type::String;
    v.string = text;
  } else {
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
      return make_error(flag + " must be " + (spec->kind == Kind::Count ? "a non-negative integer" : "a number") +
                        ", not \"" + text + "\"");
    v.type = json::Type::Number;
    v.number = x;
    v.is_integer = std::floor(x) == x && std::abs(x) < 9e15;
    v.integer = v.is_integer ? static_cast<int64_t>(x) : 0;
  }
  HS_TRY(apply(o, *spec, v, flag));
  return true;
}

std::string run_option_flags_usage() {
  std::string out;
  for (const OptionSpec& s : option_table()) {
    if (!s.on_command_line) continue;
    if (!out.empty()) out += ' ';
    if (s.kind == Kind::Switch) {
      RunOptions d;  // a switch on by default is turned off with --no-NAME; one off by default, on with --NAME
      json::Value off;
      off.type = json::Type::Bool;
      const Status ignored = s.set(d, off, "");  // (a switch's setter cannot fail)
      (void)ignored;
      const bool on_by_default = !(d == RunOptions{});
      out += "[" + flag_of(on_by_default ? std::string("no_") + s.name : std::string(s.name)) + "]";
    }
    else out += "[" + flag_of(s.name) + " " + s.value_help + "]";
  }
  return out;
}

}  // namespace hs::model
