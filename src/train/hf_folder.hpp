// src/train/hf_folder.hpp — a trained model as a HuggingFace GPT-2 checkpoint
// folder: config.json (GPT2Config fields), model.safetensors (GPT2LMHeadModel
// tensor names, lm_head tied to wte and omitted), tokenizer.json copied in.
// Also reads such a folder back into a Layout + flat parameter buffer.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "formats/dtype.hpp"
#include "train/gpt2.hpp"

namespace hs::train {

struct ExportOptions {
  formats::DType dtype = formats::DType::F32;  // F32 or F16
  int eot_id = 0;                  // bos/eos token id (<|endoftext|>)
  std::string tokenizer_json;      // copied into the folder when not empty
};

// Initial weights as GPT-2 does: N(0, 0.02) for matmul weights and embeddings,
// residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02/sqrt(2 n_layer)),
// biases 0, layer-norm gains 1.
void init_gpt2_weights(const Layout& L, FloatBuf& p, uint64_t seed);

// Optional position-embedding init: the sinusoids of "Attention Is All You
// Need" (wpe[t, 2i] = sin(t / 10000^(2i/C)), wpe[t, 2i+1] = cos(...)) scaled to
// RMS `rms` (0.02: the same power as the N(0, 0.02) token embeddings). Still a
// learned GPT-2 wpe; only its starting point has relative-offset structure, so
// previous-token (and then induction) heads form in far fewer steps.
void init_wpe_sinusoid(const Layout& L, FloatBuf& p, double rms);

std::string gpt2_config_json(const Config& cfg, formats::DType dtype, int eot_id);

Status write_hf_folder(const std::string& dir, const Layout& L, const float* params, const ExportOptions& opt);

// Write only model.safetensors (all tensors in `dtype`) — for tests and dumps.
Status write_params_safetensors(const std::string& path, const Layout& L, const double* values, formats::DType dtype);

// Reads config.json with the model's strict GPT-2 config reader (refusing what
// this trainer's GPT-2 does not have: n_inner other than 4 n_embd, activations
// other than gelu_new, unscaled attention) and model.safetensors strictly.
struct LoadedModel {
  Layout layout;
  FloatBuf params;
  int eot_id = -1;
};
Result<LoadedModel> load_hf_folder(const std::string& dir);

}  // namespace hs::train
