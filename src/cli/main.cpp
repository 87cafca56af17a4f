// src/cli — `headscope`, the native command line: tokenize, run and score a
// model folder, printing the JSON contract of src/model/run_json.hpp on stdout.
// Errors: exit status 2 and one line on stderr naming what is wrong.
//
//   headscope tokenize --model DIR (--text TEXT | --text-file PATH)
//   headscope run      --model DIR (--text TEXT | --text-file PATH) [knobs]
//   headscope score    --model DIR (--text TEXT | --text-file PATH) [knobs]
//   headscope roles    --model DIR (--text TEXT | --text-file PATH) [knobs]
//     per-head pattern scores on the text and on an induction probe (head_roles.hpp)
//   headscope generate --model DIR (--text TEXT | --text-file PATH) [--max-new N]
//             [--sample-temperature X] [--top-k K] [--top-p P] [--seed S] [knobs]
//     continue the text token by token (greedy unless a sample temperature is given; generate.hpp)
//   headscope lens     --model DIR (--text TEXT | --text-file PATH) [--top K] [knobs]
//     the logit lens: each layer's top K next tokens at every position (logit_lens.hpp; K = 5)
// knobs: the run options of src/model/run_options.hpp as flags: --no-causal
//        --no-scale --temperature X --temperature-head L.H --ablate L.H,L.H
//        --ablation zero|mean (--ablate-mode, its older name) --max-tokens N
// --weights stored|f32|compact16: how matrices and tables are kept (16-bit
//        tensors stay 16-bit by default; f32 widens all; compact16 rounds F32 ones)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "model/generate.hpp"
#include "model/head_roles.hpp"
#include "model/logit_lens.hpp"
#include "model/loader.hpp"
#include "model/run_json.hpp"

namespace {

std::string usage() {
  return "usage: headscope tokenize|run|score|roles|lens|generate --model DIR (--text TEXT | --text-file PATH)\n"
         "       [--weights stored|f32|compact16]\n"
         "       " + hs::model::run_option_flags_usage() + "\n"
         "       lens: [--top K]   generate: " + hs::model::sampling_flags_usage() + "\n";
}

int fail(const std::string& message) {
  std::fprintf(stderr, "headscope: %s\n", message.c_str());
  return 2;
}

struct Args {
  std::string command, model, text;
  bool has_text = false;
  long long top = 5;  // lens: how many tokens per layer and position
  hs::model::RunOptions options;
  hs::model::WeightStorage storage = hs::model::WeightStorage::AsStored;
  hs::model::SamplingOptions sampling;  // generate only
};

hs::Result<Args> parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) return hs::make_error("missing command (tokenize, run, score, roles, lens or generate)");
  a.command = argv[1];
  if (a.command != "tokenize" && a.command != "run" && a.command != "score" && a.command != "roles" &&
      a.command != "generate" && a.command != "lens")
    return hs::make_error("unknown command \"" + a.command + "\" (tokenize, run, score, roles, lens or generate)");
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&](std::string& out) -> hs::Status {
      if (i + 1 >= argc) return hs::make_error(flag + " needs a value");
      out = argv[++i];
      return {};
    };
    std::string v;
    HS_TRY_ASSIGN(bool is_knob, hs::model::apply_run_option_flag(a.options, argc, argv, i));
    if (is_knob) continue;
    if (a.command == "generate") {
      HS_TRY_ASSIGN(bool is_sampling, hs::model::apply_sampling_flag(a.sampling, argc, argv, i));
      if (is_sampling) continue;
    }
    if (flag == "--model") {
      HS_TRY(value(a.model));
    } else if (flag == "--text") {
      HS_TRY(value(a.text));
      a.has_text = true;
    } else if (flag == "--text-file") {
      HS_TRY(value(v));
      HS_TRY_ASSIGN(a.text, hs::model::read_text_file(v));
      a.has_text = true;
    } else if (flag == "--weights") {
      HS_TRY(value(v));
      auto s = hs::model::weight_storage_from_name(v);
      if (!s) return hs::make_error("--weights " + v + ": expected stored, f32 or compact16");
      a.storage = *s;
    } else if (flag == "--top" && a.command == "lens") {
      HS_TRY(value(v));
      char* end = nullptr;
      a.top = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || a.top < 1)
        return hs::make_error("--top must be a positive integer (tokens per layer and position), not \"" + v + "\"");
    } else if (flag == "--help" || flag == "-h") {
      return hs::make_error("help");
    } else {
      return hs::make_error("unknown option \"" + flag + "\"");
    }
  }
  if (a.model.empty()) return hs::make_error("--model DIR is required");
  if (!a.has_text) return hs::make_error("--text TEXT or --text-file PATH is required");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) {
    if (args.error().message == "help") {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    std::fputs(usage().c_str(), stderr);
    return fail(args.error().message);
  }
  const Args& a = args.value();

  std::string out;
  if (a.command == "tokenize") {
    auto tok = hs::model::load_tokenizer_folder(a.model);
    if (!tok) return fail(tok.error().message);
    std::vector<int32_t> ids = tok->encode(a.text, a.options.special);
    std::vector<std::string> tokens;
    for (int32_t id : ids) tokens.push_back(tok->token_text(id));
    out = hs::model::tokenize_json(ids, tokens);
  } else {
    auto model = hs::model::load_model_folder(a.model, a.storage);
    if (!model) return fail(model.error().message);
    if (a.command == "run") {
      auto r = model.value()->run(a.text, a.options);
      if (!r) return fail(r.error().message);
      out = hs::model::run_json(r.value());
    } else if (a.command == "generate") {
      auto g = hs::model::generate(*model.value(), a.text, a.options, a.sampling);
      if (!g) return fail(g.error().message);
      out = hs::model::generation_json(g.value(), model.value()->config());
    } else if (a.command == "lens") {
      hs::model::RunOptions opt = a.options;
      opt.lens = true;
      auto r = model.value()->run(a.text, opt);
      if (!r) return fail(r.error().message);
      auto lens = hs::model::logit_lens(*model.value(), r.value(), static_cast<std::size_t>(a.top));
      if (!lens) return fail(lens.error().message);
      out = hs::model::lens_json(r.value(), lens.value());
    } else if (a.command == "roles") {
      auto j = hs::model::roles_json(*model.value(), a.text, a.options);
      if (!j) return fail(j.error().message);
      out = j.value();
    } else {
      auto s = model.value()->score(a.text, a.options);
      if (!s) return fail(s.error().message);
      out = hs::model::score_json(s.value());
    }
  }
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
