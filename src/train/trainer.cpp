// src/train/trainer.cpp — the headscope-train command: `train` (AdamW +
// schedule + clipping over random n_ctx windows, parallel over 2 cores,
// periodic validation, CSV log, exact-resume checkpoints, HF folder export),
// `export`, `analyze` (per-head scores of src/model/head_roles, the page's
// definitions, on validation text and a repeated random sequence; an add-k
// bigram baseline), `bench` (throughput of the parallel modes) and `grad-dump`
// (float64 loss + gradients of a tiny model for the PyTorch comparison).
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "formats/files.hpp"
#include "formats/safetensors.hpp"
#include "model/head_roles.hpp"
#include "model/loader.hpp"
#include "train/data.hpp"
#include "train/gpt2.hpp"
#include "train/hf_folder.hpp"
#include "train/optim.hpp"
#include "train/rng.hpp"
#include "train/windows.hpp"

namespace fs = std::filesystem;
using namespace hs::train;
using hs::formats::DType;
using hs::formats::dtype_name;

namespace {

// ---------------------------------------------------------------------------
// Command-line options: --key value pairs and bare flags.

struct Args {
  std::map<std::string, std::string> kv;
  std::vector<std::string> positional;
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  long geti(const std::string& k, long def) const { return kv.count(k) ? std::stol(kv.at(k)) : def; }
  double getd(const std::string& k, double def) const { return kv.count(k) ? std::stod(kv.at(k)) : def; }
  bool has(const std::string& k) const { return kv.count(k) > 0; }
};

Args parse_args(int argc, char** argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      s = s.substr(2);
      if (auto eq = s.find('='); eq != std::string::npos) {
        a.kv[s.substr(0, eq)] = s.substr(eq + 1);
      } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        a.kv[s] = argv[++i];
      } else {
        a.kv[s] = "1";
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "headscope-train: %s\n", msg.c_str());
  return 2;
}

// ---------------------------------------------------------------------------
// Engine: forward (+backward) of a batch, split over worker threads
// (each with its own activations and gradient buffer, summed in fixed order,
// so results do not depend on thread timing) or one thread with Eigen's own
// OpenMP parallelism.

struct Engine {
  Layout L;
  int workers = 2;
  bool eigen_parallel = false;  // true: 1 worker, Eigen uses `workers` OpenMP threads
  std::vector<Acts<float>> acts;
  std::vector<FloatBuf> grads;

  Engine(const Layout& layout, int threads, bool eigen_mode) : L(layout), workers(threads), eigen_parallel(eigen_mode) {
    const int nw = eigen_parallel ? 1 : workers;
    Eigen::setNbThreads(eigen_parallel ? workers : 1);
    acts.resize(nw);
    grads.resize(nw);
  }

  // tok, tgt: [B*T]. Returns the summed cross-entropy. With `grad`, writes the
  // gradient of the mean cross-entropy over all B*T positions.
  double run(const float* p, const int32_t* tok, const int32_t* tgt, int B, int T, FloatBuf* grad) {
    const int nw = std::min<int>(int(acts.size()), B);
    std::vector<double> loss(nw, 0.0);
    const float scale = 1.0f / float(B * T);
    auto job = [&](int w) {
      const int b0 = B * w / nw, b1 = B * (w + 1) / nw, nb = b1 - b0;
      const size_t o = size_t(b0) * T;
      loss[w] = model_forward<float>(L, p, tok + o, tgt + o, nb, T, acts[w]);
      if (grad) {
        grads[w].assign(L.total, 0.0f);
        model_backward<float>(L, p, grads[w].data(), tok + o, tgt + o, scale, acts[w]);
      }
    };
    if (nw == 1) {
      job(0);
    } else {
      std::vector<std::thread> th;
      for (int w = 1; w < nw; ++w) th.emplace_back(job, w);
      job(0);
      for (auto& t : th) t.join();
    }
    double total = 0;
    for (double l : loss) total += l;
    if (grad) {
      grad->swap(grads[0]);
      for (int w = 1; w < nw; ++w)
        for (size_t i = 0; i < L.total; ++i) (*grad)[i] += grads[w][i];
    }
    return total;
  }
};

// ---------------------------------------------------------------------------
// Checkpoint: weights + Adam moments + step + RNG, one binary file written
// atomically (tmp + rename).

struct TrainState {
  long step = 0;
  Rng rng{1};
  FloatBuf p, m, v;
};

const char kMagic[8] = {'H', 'S', 'C', 'K', 'P', 'T', '0', '1'};

hs::Status save_checkpoint(const std::string& path, const Layout& L, const TrainState& s) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return hs::make_error(tmp + ": cannot open");
    f.write(kMagic, 8);
    const int32_t cfg[5] = {L.cfg.n_layer, L.cfg.n_head, L.cfg.n_embd, L.cfg.n_ctx, L.cfg.vocab_size};
    f.write(reinterpret_cast<const char*>(cfg), sizeof cfg);
    const int64_t step = s.step, total = int64_t(L.total);
    f.write(reinterpret_cast<const char*>(&step), 8);
    f.write(reinterpret_cast<const char*>(s.rng.s), sizeof s.rng.s);
    f.write(reinterpret_cast<const char*>(&total), 8);
    for (const auto* vec : {&s.p, &s.m, &s.v}) f.write(reinterpret_cast<const char*>(vec->data()), std::streamsize(L.total * 4));
    if (!f) return hs::make_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return hs::make_error(path + ": rename failed");
  return {};
}

hs::Result<TrainState> load_checkpoint(const std::string& path, const Layout& L) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return hs::make_error(path + ": cannot open");
  char magic[8];
  f.read(magic, 8);
  if (!f || std::memcmp(magic, kMagic, 8) != 0) return hs::make_error(path + ": not a headscope checkpoint");
  int32_t cfg[5];
  f.read(reinterpret_cast<char*>(cfg), sizeof cfg);
  if (cfg[0] != L.cfg.n_layer || cfg[1] != L.cfg.n_head || cfg[2] != L.cfg.n_embd || cfg[3] != L.cfg.n_ctx ||
      cfg[4] != L.cfg.vocab_size)
    return hs::make_error(path + ": checkpoint model config differs from the requested one");
  TrainState s;
  int64_t step, total;
  f.read(reinterpret_cast<char*>(&step), 8);
  f.read(reinterpret_cast<char*>(s.rng.s), sizeof s.rng.s);
  f.read(reinterpret_cast<char*>(&total), 8);
  if (!f || size_t(total) != L.total) return hs::make_error(path + ": truncated or wrong size");
  s.step = step;
  for (auto* vec : {&s.p, &s.m, &s.v}) {
    vec->resize(L.total);
    f.read(reinterpret_cast<char*>(vec->data()), std::streamsize(L.total * 4));
  }
  if (!f) return hs::make_error(path + ": truncated");
  return s;
}

// ---------------------------------------------------------------------------
// Data for a run: cached id streams in the run folder.

struct RunData {
  std::vector<int32_t> train, valid;
  int vocab_size = 0, eot_id = 0;
  std::string tokenizer_json;
};

hs::Result<RunData> prepare_data(const Args& a, const std::string& run) {
  RunData d;
  const std::string tr = run + "/train.ids", va = run + "/valid.ids";
  if (a.has("synthetic")) {
    d.vocab_size = int(a.geti("vocab", 256));
    d.eot_id = 0;
    d.train = synthetic_stream(size_t(a.geti("synthetic-tokens", 400000)), d.vocab_size, 11);
    d.valid = synthetic_stream(50000, d.vocab_size, 12);
    return d;
  }
  const std::string data_dir = a.get("data-dir", "data/brown");
  // the run keeps its own copy of tokenizer.json, so the cached ids, the
  // checkpoints and the exported folder agree even if data/ is regenerated
  d.tokenizer_json = run + "/tokenizer.json";
  if (!fs::exists(d.tokenizer_json)) {
    std::error_code ec;
    fs::copy_file(a.get("tokenizer", data_dir + "/tokenizer.json"), d.tokenizer_json, ec);
    if (ec) return hs::make_error(a.get("tokenizer", data_dir + "/tokenizer.json") + ": cannot copy: " + ec.message());
  }
  HS_TRY_ASSIGN(TokenizerFacts facts, read_tokenizer_facts(d.tokenizer_json));
  d.vocab_size = facts.vocab_size;
  d.eot_id = facts.eot_id;
  if (fs::exists(tr) && fs::exists(va)) {
    HS_TRY_ASSIGN(d.train, read_ids(tr));
    HS_TRY_ASSIGN(d.valid, read_ids(va));
    std::printf("data: cached ids %s (%zu tokens), %s (%zu tokens)\n", tr.c_str(), d.train.size(), va.c_str(),
                d.valid.size());
    return d;
  }
  const double t0 = now_s();
  HS_TRY_ASSIGN(d.train, tokenize_file(data_dir + "/train.txt", d.tokenizer_json, d.eot_id));
  HS_TRY_ASSIGN(d.valid, tokenize_file(data_dir + "/valid.txt", d.tokenizer_json, d.eot_id));
  for (const auto* ids : {&d.train, &d.valid})
    for (int32_t id : *ids)
      if (id < 0 || id >= d.vocab_size) return hs::make_error("tokenizer produced id " + std::to_string(id) + " outside the vocabulary");
  HS_TRY(write_ids(tr, d.train));
  HS_TRY(write_ids(va, d.valid));
  std::printf("data: tokenized train %zu tokens, valid %zu tokens in %.1fs (cached in %s)\n", d.train.size(),
              d.valid.size(), now_s() - t0, run.c_str());
  return d;
}

Config config_from_args(const Args& a, int vocab) {
  Config c;
  c.n_layer = int(a.geti("n-layer", 4));
  c.n_head = int(a.geti("n-head", 4));
  c.n_embd = int(a.geti("n-embd", 192));
  c.n_ctx = int(a.geti("n-ctx", 128));
  c.vocab_size = vocab;
  return c;
}

// Mean cross-entropy over non-overlapping windows of `ids` (at most max_windows).
double eval_loss(Engine& eng, const float* p, const std::vector<int32_t>& ids, int T, int max_windows, int chunk) {
  const long nwin = std::min<long>(max_windows, long(ids.size() - 1) / T);
  double sum = 0;
  long count = 0;
  std::vector<int32_t> tok, tgt;
  for (long w0 = 0; w0 < nwin; w0 += chunk) {
    const int B = int(std::min<long>(chunk, nwin - w0));
    tok.resize(size_t(B) * T);
    tgt.resize(size_t(B) * T);
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t) {
        tok[size_t(b) * T + t] = ids[size_t(w0 + b) * T + t];
        tgt[size_t(b) * T + t] = ids[size_t(w0 + b) * T + t + 1];
      }
    sum += eng.run(p, tok.data(), tgt.data(), B, T, nullptr);
    count += long(B) * T;
  }
  return count ? sum / double(count) : 0.0;
}

// Keep the CSV header and the rows up to `step` (a resumed run rewrites the rest).
void truncate_csv(const std::string& path, long step) {
  std::ifstream in(path);
  if (!in) {
    std::ofstream out(path);
    out << "step,tokens,lr,train_loss,val_loss,grad_norm,tokens_per_s,elapsed_s\n";
    return;
  }
  std::string line, kept;
  bool header = true;
  while (std::getline(in, line)) {
    if (header || std::stol(line.substr(0, line.find(','))) <= step) kept += line + "\n";
    header = false;
  }
  in.close();
  std::ofstream out(path, std::ios::trunc);
  out << kept;
}

std::string fmt_eta(double s) {
  char buf[32];
  const long t = long(s);
  std::snprintf(buf, sizeof buf, "%ldh%02ldm%02lds", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

// ---------------------------------------------------------------------------
// train

int cmd_train(const Args& a) {
  const std::string run = a.get("run", "runs/default");
  fs::create_directories(run);
  auto data_r = prepare_data(a, run);
  if (!data_r) return fail(data_r.error().message);
  RunData& data = data_r.value();
  const Config cfg = config_from_args(a, data.vocab_size);
  const Layout L = make_layout(cfg);
  const int T = cfg.n_ctx, B = int(a.geti("batch", 16)), threads = int(a.geti("threads", 2));
  Schedule sched;
  sched.max_lr = a.getd("lr", 2e-3);
  sched.min_lr_frac = a.getd("min-lr-frac", 0.1);
  sched.total = a.geti("steps", 2000);
  sched.warmup = a.geti("warmup", std::max(1L, sched.total / 20));
  AdamWConfig adam;
  adam.weight_decay = a.getd("weight-decay", 0.1);
  adam.beta2 = a.getd("beta2", 0.95);
  const double clip = a.getd("clip", 1.0);
  const long eval_every = a.geti("eval-every", 200), ckpt_every = a.geti("ckpt-every", 200),
             log_every = a.geti("log-every", 10);
  const int val_windows = int(a.geti("val-windows", 512));
  const uint64_t seed = uint64_t(a.geti("seed", 1337));
  if (cfg.n_embd % cfg.n_head) return fail("n-embd must be divisible by n-head");
  if (data.train.size() < size_t(T) + 2) return fail("training stream shorter than one window");

  std::printf("model: n_layer=%d n_head=%d n_embd=%d n_ctx=%d vocab=%d params=%zu (%.2f MB f32, %.2f MB f16)\n",
              cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.n_ctx, cfg.vocab_size, L.total, L.total * 4 / 1e6,
              L.total * 2 / 1e6);
  std::printf("train: batch=%d x %d tokens, steps=%ld (%.1fM tokens, %.2f epochs of %zu), lr=%g warmup=%ld wd=%g clip=%g seed=%" PRIu64 "\n",
              B, T, sched.total, double(sched.total) * B * T / 1e6,
              double(sched.total) * B * T / double(data.train.size()), data.train.size(), sched.max_lr, sched.warmup,
              adam.weight_decay, clip, seed);

  const std::string ckpt = run + "/checkpoint.bin", csv = run + "/log.csv";
  TrainState st;
  if (fs::exists(ckpt) && !a.has("fresh")) {
    auto r = load_checkpoint(ckpt, L);
    if (!r) return fail(r.error().message);
    st = std::move(r.value());
    std::printf("resumed from %s at step %ld\n", ckpt.c_str(), st.step);
  } else {
    init_gpt2_weights(L, st.p, seed);
    if (a.get("wpe-init", "normal") == "sinusoid") init_wpe_sinusoid(L, st.p, 0.02);
    st.m.assign(L.total, 0.0f);
    st.v.assign(L.total, 0.0f);
    st.rng = Rng(seed ^ 0x5eedda7aull);
    st.step = 0;
  }
  truncate_csv(csv, st.step);
  std::fflush(stdout);

  Engine eng(L, threads, a.get("parallel", "batch") == "eigen");
  Engine eval_eng(L, threads, a.get("parallel", "batch") == "eigen");  // separate buffers: eval never touches training state
  ExportOptions ex;
  ex.eot_id = data.eot_id;
  ex.tokenizer_json = data.tokenizer_json;
  std::vector<int32_t> tok(size_t(B) * T), tgt(size_t(B) * T);
  FloatBuf grad;
  const double t_start = now_s();
  const long step0 = st.step;
  double t_log = t_start, loss_acc = 0;
  long n_acc = 0;
  // what each training window holds (train/windows.hpp)
  WindowMix mix;
  mix.copy_frac = a.getd("copy-frac", 0.0);
  mix.alt_frac = a.getd("alt-frac", 0.0);
  mix.repeat_frac = a.getd("repeat-frac", 0.0);
  mix.vocab = data.vocab_size;
  mix.copy_vocab = int(a.geti("copy-vocab", 0));
  mix.eot = data.eot_id;
  if (mix.copy_frac < 0 || mix.alt_frac < 0 || mix.repeat_frac < 0 || mix.copy_frac + mix.alt_frac > 1 ||
      mix.repeat_frac > 1)
    return fail("--copy-frac, --alt-frac and --repeat-frac are fractions (copy + alt at most 1)");
  // --short-ctx S --short-steps K: the first K steps train on windows of S
  // tokens (B*T/S of them, the same tokens per step). Attention that has to
  // find one position among S instead of T gets a T/S times stronger gradient
  // toward it, so the copy task's induction heads form within the budget;
  // the remaining steps use the full context.
  const int short_ctx = int(a.geti("short-ctx", T));
  const long short_steps = a.geti("short-steps", 0);
  if (short_steps > 0 && (short_ctx < 8 || short_ctx > T || (B * T) % short_ctx != 0))
    return fail("--short-ctx must be in [8, n_ctx] and divide batch x n_ctx");
  // a repeated span is 8..n/2 tokens long (add_repeat): windows of n >= 16 tokens
  const int shortest_window = (short_steps > 0 ? std::min(short_ctx, T) : T) + 1;
  if (mix.repeat_frac > 0 && shortest_window < 16)
    return fail("--repeat-frac needs training windows of at least 16 tokens (a repeated span is 8 to half a window "
                "long); the shortest here is " + std::to_string(shortest_window) + " (--n-ctx / --short-ctx + 1)");
  const long stop_at = a.geti("stop-at", sched.total);  // stop early (tests the resume path)
  // best validation loss so far (the exported model is the best-validation checkpoint)
  double best_val = 1e300;
  if (std::ifstream bf(run + "/best-hf/val_loss.txt"); bf) bf >> best_val;
  std::vector<int32_t> win;  // one window of Tw+1 tokens (resized once when the context grows)
  for (long step = st.step; step < sched.total && step < stop_at; ++step) {
    const int Tw = step < short_steps ? short_ctx : T, Bw = B * T / Tw;
    win.resize(size_t(Tw) + 1);
    for (int b = 0; b < Bw; ++b) {  // random windows of Tw+1 tokens
      fill_training_window(data.train, mix, st.rng, win);
      std::memcpy(&tok[size_t(b) * Tw], win.data(), size_t(Tw) * 4);
      std::memcpy(&tgt[size_t(b) * Tw], win.data() + 1, size_t(Tw) * 4);
    }
    const double loss = eng.run(st.p.data(), tok.data(), tgt.data(), Bw, Tw, &grad) / double(Bw * Tw);
    if (!std::isfinite(loss)) return fail("loss is not finite at step " + std::to_string(step));
    const double gnorm = clip_grad_norm(grad, clip);
    const double lr = sched.at(step);
    adamw_step(L, st.p, grad, st.m, st.v, adam, lr, step + 1);
    st.step = step + 1;
    loss_acc += loss;
    ++n_acc;

    const bool last = st.step == sched.total;
    const double t = now_s();
    const double tps = double(st.step - step0) * B * T / (t - t_start);
    const double eta = double(sched.total - st.step) * B * T / tps;
    double val = -1;
    if (st.step % eval_every == 0 || last) val = eval_loss(eval_eng, st.p.data(), data.valid, T, val_windows, B);
    if (val >= 0 && val < best_val) {
      best_val = val;
      ex.dtype = DType::F32;
      if (auto s = write_hf_folder(run + "/best-hf", L, st.p.data(), ex); !s) return fail(s.error().message);
      std::ofstream(run + "/best-hf/val_loss.txt") << val << " " << st.step << "\n";
    }
    if (st.step % log_every == 0 || last || val >= 0) {
      std::printf("step %6ld/%ld  loss %.4f  lr %.2e  gnorm %.3f  %.0f tok/s  elapsed %s  eta %s", st.step, sched.total,
                  loss_acc / n_acc, lr, gnorm, tps, fmt_eta(t - t_start).c_str(), fmt_eta(eta).c_str());
      if (val >= 0) std::printf("  | val %.4f", val);
      std::printf("\n");
      std::fflush(stdout);
      std::ofstream out(csv, std::ios::app);
      out << st.step << "," << st.step * long(B) * T << "," << lr << "," << loss_acc / n_acc << ",";
      if (val >= 0) out << val;
      out << "," << gnorm << "," << tps << "," << (t - t_start) << "\n";
      loss_acc = 0;
      n_acc = 0;
      t_log = t;
    }
    if (st.step % ckpt_every == 0 || last || st.step == stop_at) {
      if (auto s = save_checkpoint(ckpt, L, st); !s) return fail(s.error().message);
      ex.dtype = DType::F32;
      if (auto s = write_hf_folder(run + "/hf", L, st.p.data(), ex); !s) return fail(s.error().message);
    }
  }
  (void)t_log;
  if (a.has("out") && st.step == sched.total) {
    // --export best (default): the best-validation weights; --export final: the
    // last step's (heads can still form after validation loss stops falling)
    const std::string which = a.get("export", "best");
    if (which != "best" && which != "final") return fail("--export is best or final");
    FloatBuf best = st.p;
    if (which == "best" && fs::exists(run + "/best-hf/model.safetensors")) {
      auto m = load_hf_folder(run + "/best-hf");
      if (!m) return fail(m.error().message);
      best = m->params;
    }
    ex.dtype = a.get("dtype", "f16") == "f32" ? DType::F32 : DType::F16;
    if (auto s = write_hf_folder(a.get("out"), L, best.data(), ex); !s) return fail(s.error().message);
    if (which == "best")
      std::printf("wrote %s (%s, best validation loss %.4f)\n", a.get("out").c_str(), dtype_name(ex.dtype), best_val);
    else
      std::printf("wrote %s (%s, weights of step %ld)\n", a.get("out").c_str(), dtype_name(ex.dtype), st.step);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// export: checkpoint -> HF folder

int cmd_export(const Args& a) {
  const std::string run = a.get("run", "runs/default"), out = a.get("out");
  if (out.empty()) return fail("export needs --out DIR");
  auto m = load_hf_folder(run + "/hf");
  if (!m) return fail(m.error().message);
  ExportOptions ex;
  ex.dtype = a.get("dtype", "f16") == "f32" ? DType::F32 : DType::F16;
  ex.eot_id = m->eot_id;
  if (fs::exists(run + "/hf/tokenizer.json")) ex.tokenizer_json = run + "/hf/tokenizer.json";
  if (auto s = write_hf_folder(out, m->layout, m->params.data(), ex); !s) return fail(s.error().message);
  std::printf("wrote %s (%s)\n", out.c_str(), dtype_name(ex.dtype));
  return 0;
}

// ---------------------------------------------------------------------------
// analyze: per-head attention scores + bigram baseline

hs::Result<std::vector<int32_t>> analysis_ids(const Args& a, const std::string& which, const std::string& model_dir,
                                              int eot) {
  if (a.has(which + "-ids")) return read_ids(a.get(which + "-ids"));
  if (a.has("run") && fs::exists(a.get("run") + "/" + which + ".ids")) return read_ids(a.get("run") + "/" + which + ".ids");
  return tokenize_file(a.get("data-dir", "data/brown") + "/" + which + ".txt", model_dir + "/tokenizer.json", eot);
}

// The model as the page runs it (src/model), for head scores. A folder without
// a tokenizer (a --synthetic run) gets an empty one: analyze works on ids.
hs::Result<std::unique_ptr<hs::model::Model>> load_scoring_model(const std::string& dir) {
  HS_TRY_ASSIGN(std::string config_json, hs::formats::read_text_file(dir + "/config.json"));
  HS_TRY_ASSIGN(hs::model::ModelSpec config, hs::model::parse_model_spec(config_json, dir + "/config.json"));
  hs::tokenizer::Tokenizer tok;
  if (fs::exists(dir + "/tokenizer.json") || fs::exists(dir + "/vocab.json")) {
    HS_TRY_ASSIGN(tok, hs::model::load_tokenizer_folder(dir));
  }
  HS_TRY_ASSIGN(hs::formats::ByteSource weights, hs::formats::open_byte_source(dir + "/model.safetensors"));
  hs::model::ModelFiles files;
  files.safetensors_size = weights.size;
  files.safetensors_name = weights.name;
  files.safetensors_read = std::move(weights.read);
  return hs::model::load_model_weights(std::move(config), std::move(tok), files);
}

int cmd_analyze(const Args& a) {
  std::string dir = a.get("model", a.positional.empty() ? "" : a.positional[0]);
  if (dir.empty()) return fail("analyze needs a model folder");
  auto mr = load_hf_folder(dir);
  if (!mr) return fail(mr.error().message);
  LoadedModel& m = mr.value();
  const Config& c = m.layout.cfg;
  const int T = c.n_ctx, H = c.n_head, NL = c.n_layer, V = c.vocab_size;
  auto valid_r = analysis_ids(a, "valid", dir, m.eot_id);
  if (!valid_r) return fail(valid_r.error().message);
  const std::vector<int32_t>& valid = valid_r.value();
  Engine eng(m.layout, int(a.geti("threads", 2)), false);
  const int nwin = int(std::min<long>(a.geti("windows", 64), long(valid.size() - 1) / T));

  // head scores with the page's definitions (src/model/head_roles.hpp), from
  // the model's own forward pass: pattern scores on the validation windows
  auto model_r = load_scoring_model(dir);
  if (!model_r) return fail(model_r.error().message);
  const hs::model::Model& model = *model_r.value();
  hs::model::HeadScoreTotals text_totals, probe_totals;
  for (int w = 0; w < nwin; ++w) {
    auto run = model.run_ids(std::vector<int32_t>(valid.begin() + long(w) * T, valid.begin() + long(w + 1) * T));
    if (!run) return fail(run.error().message);
    text_totals.add(run.value());
  }
  const double val_loss = eval_loss(eng, m.params.data(), valid, T, nwin, 16);

  // induction on [eot, r_1..r_R, r_1..r_R] (random r): a query whose token occurred
  // before attends to the token after that occurrence (the second r_i to the first
  // r_{i+1}); the copy losses say whether the model uses it.
  // --induction-len R: a shorter test (a head that only looks a fixed distance back
  // scores on one length only; an induction head scores on every length)
  const int R = std::max(2, std::min<int>((T - 1) / 2, int(a.geti("induction-len", (T - 1) / 2))));
  const int nseq = int(a.geti("induction-seqs", 32));
  Rng rng(4242);
  long n_copy = 0;
  double copy_loss[2] = {0, 0};
  Acts<float> acts;
  for (int sidx = 0; sidx < nseq; ++sidx) {
    std::vector<int32_t> tok(size_t(2 * R + 1));
    tok[0] = m.eot_id >= 0 ? m.eot_id : 0;
    for (int i = 0; i < R; ++i) {
      int32_t t;
      do t = int32_t(rng.below(uint64_t(V))); while (t == m.eot_id);
      tok[1 + i] = tok[1 + R + i] = t;
    }
    model_forward<float>(m.layout, m.params.data(), tok.data(), nullptr, 1, 2 * R + 1, acts);
    // next-token loss inside the first copy vs inside the second copy
    for (int i = 0; i + 1 < R; ++i) {
      copy_loss[0] -= std::log(std::max(1e-30, double(acts.probs(1 + i, tok[2 + i]))));
      copy_loss[1] -= std::log(std::max(1e-30, double(acts.probs(1 + R + i, tok[2 + R + i]))));
    }
    n_copy += R - 1;
    auto run = model.run_ids(tok);
    if (!run) return fail(run.error().message);
    probe_totals.add(run.value());
  }

  std::printf("model %s: n_layer=%d n_head=%d n_embd=%d n_ctx=%d vocab=%d\n", dir.c_str(), NL, H, c.n_embd, T, V);
  std::printf("validation: %d windows x %d tokens, cross-entropy %.4f nats (ppl %.1f)\n", nwin, T, val_loss,
              std::exp(val_loss));
  std::printf("\nhead    prev-token  first-token  same-token  induction\n");
  const std::vector<hs::model::HeadScores> text = text_totals.scores(), probe = probe_totals.scores();
  std::vector<double> prev(NL * H), first(NL * H), same(NL * H), ind(NL * H);
  int best_prev = 0, best_ind = 0;
  for (int k = 0; k < NL * H; ++k) {
    prev[k] = text[k].previous_token;
    first[k] = text[k].first_token;
    same[k] = text[k].same_token;
    ind[k] = probe[k].induction;
    if (prev[k] > prev[best_prev]) best_prev = k;
    if (ind[k] > ind[best_ind]) best_ind = k;
    std::printf("L%dH%d    %10.3f  %11.3f  %10.3f  %9.3f\n", k / H, k % H, prev[k], first[k], same[k], ind[k]);
  }
  std::printf("\nrepeated random tokens (%d x [eot, %d tokens, same %d tokens]): loss in first copy %.3f, in second copy %.3f nats\n",
              nseq, R, R, copy_loss[0] / double(n_copy), copy_loss[1] / double(n_copy));
  std::printf("best previous-token head: L%dH%d %.3f (target >= 0.8) %s\n", best_prev / H, best_prev % H,
              prev[best_prev], prev[best_prev] >= 0.8 ? "PASS" : "FAIL");
  std::printf("best induction head:      L%dH%d %.3f (target >= 0.5) %s\n", best_ind / H, best_ind % H, ind[best_ind],
              ind[best_ind] >= 0.5 ? "PASS" : "FAIL");

  // add-k bigram baseline on the full validation stream, counts from train
  double bigram_best = -1;
  auto train_r = analysis_ids(a, "train", dir, m.eot_id);
  if (train_r) {
    const auto& tr = train_r.value();
    std::vector<double> uni(V, 0);
    std::map<uint64_t, double> bi;
    for (size_t i = 0; i + 1 < tr.size(); ++i) {
      uni[tr[i]] += 1;
      bi[uint64_t(tr[i]) * V + tr[i + 1]] += 1;
    }
    std::printf("\nadd-k bigram baseline (train %zu tokens -> valid %zu tokens):\n", tr.size(), valid.size());
    for (double k : {0.001, 0.01, 0.03, 0.1, 0.3, 1.0}) {
      double nll = 0;
      for (size_t i = 0; i + 1 < valid.size(); ++i) {
        auto it = bi.find(uint64_t(valid[i]) * V + valid[i + 1]);
        const double cnt = it == bi.end() ? 0.0 : it->second;
        nll -= std::log((cnt + k) / (uni[valid[i]] + k * V));
      }
      nll /= double(valid.size() - 1);
      std::printf("  k=%-6g %.4f nats\n", k, nll);
      if (bigram_best < 0 || nll < bigram_best) bigram_best = nll;
    }
    std::printf("best bigram %.4f vs model %.4f nats (model better by %.3f)\n", bigram_best, val_loss,
                bigram_best - val_loss);
  } else {
    std::printf("\n(no training ids for the bigram baseline: %s)\n", train_r.error().message.c_str());
  }
  if (a.has("json")) {
    std::ofstream j(a.get("json"));
    j << "{\"val_loss\":" << val_loss << ",\"bigram_loss\":" << bigram_best << ",\"copy_loss_first\":"
      << copy_loss[0] / double(n_copy) << ",\"copy_loss_second\":" << copy_loss[1] / double(n_copy) << ",\"heads\":[";
    for (int k = 0; k < NL * H; ++k)
      j << (k ? "," : "") << "{\"layer\":" << k / H << ",\"head\":" << k % H << ",\"prev\":" << prev[k]
        << ",\"first\":" << first[k] << ",\"same\":" << same[k] << ",\"induction\":" << ind[k] << "}";
    j << "]}\n";
  }
  return 0;
}

// ---------------------------------------------------------------------------
// bench: tokens/s of forward+backward+AdamW for each parallel mode

int cmd_bench(const Args& a) {
  Config cfg = config_from_args(a, int(a.geti("vocab", 4096)));
  const Layout L = make_layout(cfg);
  const int T = cfg.n_ctx, B = int(a.geti("batch", 16)), steps = int(a.geti("steps", 5));
  FloatBuf p, m(L.total, 0), v(L.total, 0), g;
  init_gpt2_weights(L, p, 1);
  Rng rng(3);
  std::vector<int32_t> tok(size_t(B) * T), tgt(size_t(B) * T);
  for (auto& t : tok) t = int32_t(rng.below(cfg.vocab_size));
  for (auto& t : tgt) t = int32_t(rng.below(cfg.vocab_size));
  std::printf("bench: n_layer=%d n_head=%d n_embd=%d n_ctx=%d vocab=%d batch=%d params=%zu\n", cfg.n_layer,
              cfg.n_head, cfg.n_embd, T, cfg.vocab_size, B, L.total);
  struct Mode { const char* name; int threads; bool eigen; };
  for (Mode md : {Mode{"1 thread", 1, false}, Mode{"batch split over 2 std::threads", 2, false},
                  Mode{"Eigen/OpenMP 2 threads", 2, true}}) {
    if (a.has("only-batch") && md.eigen) continue;
    Engine eng(L, md.threads, md.eigen);
    eng.run(p.data(), tok.data(), tgt.data(), B, T, &g);  // warm-up
    const double t0 = now_s();
    for (int s = 0; s < steps; ++s) {
      eng.run(p.data(), tok.data(), tgt.data(), B, T, &g);
      clip_grad_norm(g, 1.0);
      adamw_step(L, p, g, m, v, AdamWConfig{}, 1e-4, s + 1);
    }
    const double dt = now_s() - t0;
    std::printf("  %-34s %8.0f tok/s (%.3f s/step)\n", md.name, double(steps) * B * T / dt, dt / steps);
    std::fflush(stdout);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// grad-dump: tiny model, float64 loss and gradients, for tests/train/torch_compare.py

int cmd_grad_dump(const Args& a) {
  const std::string out = a.get("out");
  if (out.empty()) return fail("grad-dump needs --out DIR");
  Config cfg;
  cfg.n_layer = int(a.geti("n-layer", 2));
  cfg.n_head = int(a.geti("n-head", 2));
  cfg.n_embd = int(a.geti("n-embd", 8));
  cfg.n_ctx = int(a.geti("n-ctx", 5));
  cfg.vocab_size = int(a.geti("vocab", 11));
  const int B = int(a.geti("batch", 2)), T = cfg.n_ctx;
  const Layout L = make_layout(cfg);
  // weights with O(1) structure so every path matters; rounded to float so the
  // F32 safetensors file holds exactly the weights used in float64 here
  Rng rng(uint64_t(a.geti("seed", 7)));
  FloatBuf pf(L.total);
  for (const auto& t : L.tensors) {
    const bool ln_w = t.name.find(".ln_") != std::string::npos && t.name.find(".weight") != std::string::npos;
    for (size_t i = 0; i < t.size; ++i)
      pf[t.offset + i] = float(ln_w ? 1.0 + 0.3 * rng.normal() : 0.4 * rng.normal());
  }
  std::vector<double> p(pf.begin(), pf.end()), g(L.total, 0.0);
  std::vector<int32_t> seq(size_t(B) * (T + 1)), tok(size_t(B) * T), tgt(size_t(B) * T);
  for (auto& s : seq) s = int32_t(rng.below(cfg.vocab_size));
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      tok[size_t(b) * T + t] = seq[size_t(b) * (T + 1) + t];
      tgt[size_t(b) * T + t] = seq[size_t(b) * (T + 1) + t + 1];
    }
  Acts<double> acts;
  const double loss = model_forward<double>(L, p.data(), tok.data(), tgt.data(), B, T, acts) / double(B * T);
  model_backward<double>(L, p.data(), g.data(), tok.data(), tgt.data(), 1.0 / double(B * T), acts);
  ExportOptions ex;
  ex.eot_id = 0;
  if (auto s = write_hf_folder(out, L, pf.data(), ex); !s) return fail(s.error().message);
  std::vector<hs::formats::TensorValues> ts;
  for (const auto& t : L.tensors) {
    hs::formats::TensorValues s;
    s.name = "grad." + t.name;
    s.dtype = DType::F64;
    s.shape = t.shape;
    s.values.assign(g.begin() + long(t.offset), g.begin() + long(t.offset + t.size));
    ts.push_back(std::move(s));
  }
  ts.push_back(hs::formats::TensorValues{"tokens", DType::I32, {B, T + 1}, std::vector<double>(seq.begin(), seq.end())});
  ts.push_back(hs::formats::TensorValues{"loss", DType::F64, {1}, {loss}});
  if (auto s = hs::formats::write_safetensors(out + "/grads.safetensors", std::move(ts)); !s) return fail(s.error().message);
  std::printf("grad-dump: loss %.12f, %zu parameters, wrote %s/{config.json,model.safetensors,grads.safetensors}\n",
              loss, L.total, out.c_str());
  return 0;
}

void usage() {
  std::printf(
      "usage: headscope-train COMMAND [--options]\n"
      "  train     --run DIR [--data-dir data/brown | --synthetic] [--n-layer 4 --n-head 4 --n-embd 192 --n-ctx 128]\n"
      "            [--batch 16 --steps 2000 --lr 2e-3 --warmup N --weight-decay 0.1 --clip 1.0 --seed 1337]\n"
      "            [--eval-every 200 --ckpt-every 200 --val-windows 512 --threads 2 --parallel batch|eigen]\n"
      "            [--repeat-frac F --copy-frac F --copy-vocab N --alt-frac F --short-ctx S --short-steps K --wpe-init normal|sinusoid]\n"
      "            [--out MODEL_DIR --dtype f16|f32 --export best|final] [--fresh]   (re-running resumes from DIR/checkpoint.bin)\n"
      "  export    --run DIR --out MODEL_DIR [--dtype f16|f32]\n"
      "  analyze   MODEL_DIR [--run DIR | --data-dir data/brown | --valid-ids F --train-ids F] [--json OUT]\n"
      "  bench     [model options] [--batch 16 --steps 5]\n"
      "  grad-dump --out DIR   (tiny model: float64 loss/grads for tests/train/torch_compare.py)\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--analyze") cmd = "analyze";
  const Args a = parse_args(argc, argv, 2);
  try {
    if (cmd == "train") return cmd_train(a);
    if (cmd == "export") return cmd_export(a);
    if (cmd == "analyze") return cmd_analyze(a);
    if (cmd == "bench") return cmd_bench(a);
    if (cmd == "grad-dump") return cmd_grad_dump(a);
  } catch (const std::exception& e) {
    return fail(std::string("bad option value: ") + e.what());
  }
  usage();
  return 2;
}
