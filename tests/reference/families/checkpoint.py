"""Random checkpoints in exact HuggingFace layout, one family at a time.

Owns: config.json as the family's HF config class writes it (field names, defaults, rope_scaling),
model.safetensors with the tensor names and shapes of the family's LM-head / masked-LM-head class
(written byte by byte by make_checkpoint.write_safetensors; F32, F16, BF16), and a byte-level BPE
tokenizer.json (256 byte tokens, no merges) with the family's special tokens at the config's ids.
GPT-2 checkpoints come from tests/reference/make_checkpoint.py itself.

Layouts (HF class -> tensors; W is [out, in] as torch.nn.Linear stores it):
  LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM
      model.embed_tokens [V,C]; model.layers.N.{input_layernorm, post_attention_layernorm} [C];
      self_attn.q_proj [H*D,C] k_proj, v_proj [G*D,C] o_proj [C,H*D] (Qwen2: q/k/v biases always;
      Llama attention_bias: q/k/v/o biases); mlp.gate_proj, up_proj [I,C] down_proj [C,I];
      model.norm [C]; lm_head [V,C] unless tie_word_embeddings.
  GPTNeoXForCausalLM
      gpt_neox.embed_in [V,C]; gpt_neox.layers.N.{input_layernorm, post_attention_layernorm}.{weight,bias};
      attention.query_key_value [3C,C] + bias, rows per head h: q, k, v of that head (D rows each);
      attention.dense [C,C]; mlp.dense_h_to_4h [I,C]; mlp.dense_4h_to_h [C,I] (all with biases);
      gpt_neox.final_layer_norm; embed_out [V,C] unless tied.
  BertForMaskedLM / RobertaForMaskedLM
      bert.|roberta. embeddings.{word_embeddings [V,C], position_embeddings [P,C],
      token_type_embeddings [TV,C], LayerNorm}; encoder.layer.N.attention.self.{query,key,value},
      attention.output.{dense, LayerNorm}, intermediate.dense [I,C], output.{dense [C,I], LayerNorm};
      BERT head cls.predictions.{transform.dense, transform.LayerNorm, bias [V]} (+ decoder.weight when
      untied); RoBERTa head lm_head.{dense, layer_norm, bias} (+ decoder.weight when untied).
  DistilBertForMaskedLM
      distilbert.embeddings.{word_embeddings, position_embeddings, LayerNorm};
      distilbert.transformer.layer.N.attention.{q_lin,k_lin,v_lin,out_lin}, sa_layer_norm,
      ffn.{lin1,lin2}, output_layer_norm; vocab_transform, vocab_layer_norm, vocab_projector.bias
      (+ vocab_projector.weight when untied).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

REFERENCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REFERENCE_DIR)

import check_gpt2  # noqa: E402  (bytes_to_unicode, write_byte_tokenizer, make_checkpoint)
import make_checkpoint  # noqa: E402  (write_safetensors)

FAMILIES = ("gpt2", "llama", "mistral", "qwen2", "gpt_neox", "bert", "roberta", "distilbert")
DECODERS = ("gpt2", "llama", "mistral", "qwen2", "gpt_neox")
# the family group a model_type belongs to (same forward pass, other names or options)
GROUP = {"gpt2": "gpt2", "llama": "llama", "mistral": "llama", "qwen2": "llama", "gpt_neox": "gpt_neox",
         "bert": "bert", "roberta": "bert", "distilbert": "bert"}
ARCHITECTURE = {"gpt2": "GPT2LMHeadModel", "llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
                "qwen2": "Qwen2ForCausalLM", "gpt_neox": "GPTNeoXForCausalLM", "bert": "BertForMaskedLM",
                "roberta": "RobertaForMaskedLM", "distilbert": "DistilBertForMaskedLM"}
# the base model's prefix on the body's tensors (a base-model checkpoint is saved without it)
BODY_PREFIX = {"llama": "model.", "mistral": "model.", "qwen2": "model.", "gpt_neox": "gpt_neox.",
               "bert": "bert.", "roberta": "roberta.", "distilbert": "distilbert.", "gpt2": "transformer."}
DEFAULT_ACT = {"llama": "silu", "mistral": "silu", "qwen2": "silu", "gpt_neox": "gelu", "bert": "gelu",
               "roberta": "gelu", "distilbert": "gelu", "gpt2": "gelu_new"}
DEFAULT_EPS = {"llama": 1e-6, "mistral": 1e-5, "qwen2": 1e-6, "gpt_neox": 1e-5, "bert": 1e-12,
               "roberta": 1e-5, "distilbert": 1e-12, "gpt2": 1e-5}
DEFAULT_TIE = {"llama": False, "mistral": False, "qwen2": True, "gpt_neox": False, "bert": True,
               "roberta": True, "distilbert": True, "gpt2": True}
TORCH_DTYPE = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


# ---------------------------------------------------------------- options and sizes
def option_parser():
    ap = argparse.ArgumentParser(prog="families make", description="Write a random checkpoint in exact HF layout.")
    ap.add_argument("family", choices=FAMILIES)
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=None, help="key/value heads (Llama family; default: heads)")
    ap.add_argument("--head-dim", type=int, default=None, help="written as config head_dim (Llama, Mistral)")
    ap.add_argument("--hidden", type=int, default=None, help="default: heads x head-dim (head-dim 8)")
    ap.add_argument("--intermediate", type=int, default=None, help="default: 2.5 x hidden + 1")
    ap.add_argument("--positions", type=int, default=64, help="max_position_embeddings")
    ap.add_argument("--vocab", type=int, default=300)
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--std", type=float, default=0.2)
    ap.add_argument("--eps", type=float, default=None, help="rms_norm_eps / layer_norm_eps")
    ap.add_argument("--act", default=None, help="hidden_act (DistilBERT: activation)")
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--rope-scaling", choices=["llama3"], default=None)
    ap.add_argument("--rope-key", choices=["rope_type", "type"], default="rope_type",
                    help="the key naming the rope_scaling type (legacy configs say 'type')")
    ap.add_argument("--rope-factor", type=float, default=8.0)
    ap.add_argument("--rope-low-freq-factor", type=float, default=1.0)
    ap.add_argument("--rope-high-freq-factor", type=float, default=4.0)
    ap.add_argument("--rope-original-positions", type=int, default=32,
                    help="rope_scaling original_max_position_embeddings")
    ap.add_argument("--partial-rotary", type=float, default=0.25, help="NeoX rotary_pct")
    ap.add_argument("--neox-new-names", action="store_true",
                    help="NeoX: write rope_theta / partial_rotary_factor instead of rotary_emb_base / rotary_pct")
    ap.add_argument("--extras", action="store_true",
                    help="also write tensors published checkpoints carry and the LM class ignores: BERT's pooler and "
                         "NSP head (cls.seq_relationship), RoBERTa's pooler, the rotary inv_freq buffers of old "
                         "Llama / NeoX checkpoints")
    ap.add_argument("--residual", choices=["parallel", "sequential"], default="parallel",
                    help="NeoX use_parallel_residual")
    ap.add_argument("--tie", choices=["on", "off"], default=None, help="tie_word_embeddings (default: HF's)")
    ap.add_argument("--qkv-bias", action="store_true", help="Llama attention_bias (Qwen2 always has q/k/v biases)")
    ap.add_argument("--prefix", choices=["on", "off"], default=None,
                    help="the base model's prefix (bert., roberta., ...); default on, GPT-2 off as make_checkpoint.py")
    ap.add_argument("--legacy-ln", action="store_true", help="LayerNorm gamma/beta instead of weight/bias")
    ap.add_argument("--sliding-window", type=int, default=None, help="Mistral sliding_window (default null)")
    ap.add_argument("--sinusoidal", action="store_true", help="DistilBERT sinusoidal_pos_embds")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a config.json field after the fact (bad-input cases)")
    ap.add_argument("--unset", action="append", default=[], metavar="KEY",
                    help="leave a config.json field out (older configs lack e.g. num_key_value_heads, rope_theta)")
    ap.add_argument("--drop-tensor", action="append", default=[], metavar="NAME", help="leave a tensor out")
    ap.add_argument("--bad-shape", action="append", default=[], metavar="NAME",
                    help="write a tensor with its first dimension one short")
    return ap


class Sizes:
    """C hidden, H query heads, G key/value heads, D head dim, I intermediate, P positions, V vocab."""

    def __init__(self, a):
        self.H = a.heads
        self.G = a.kv_heads if a.kv_heads is not None else a.heads
        if a.family not in ("llama", "mistral", "qwen2") and self.G != self.H:
            raise SystemExit(f"{a.family}: --kv-heads is for the Llama family")
        if self.H % self.G:
            raise SystemExit(f"--heads {self.H} is not a multiple of --kv-heads {self.G}")
        if a.head_dim is not None:
            self.D = a.head_dim
            self.C = a.hidden if a.hidden is not None else self.H * self.D
        elif a.hidden is not None:
            if a.hidden % self.H:
                raise SystemExit(f"--hidden {a.hidden} is not a multiple of --heads {self.H}")
            self.C, self.D = a.hidden, a.hidden // self.H
        else:
            self.D = 8
            self.C = self.H * self.D
        if self.C != self.H * self.D and a.family not in ("llama", "mistral"):
            raise SystemExit(f"{a.family}: hidden {self.C} must be heads x head_dim")
        self.I = a.intermediate if a.intermediate is not None else int(2.5 * self.C) + 1
        self.L, self.P, self.V = a.layers, a.positions, a.vocab


# ---------------------------------------------------------------- config.json
def rope_scaling_of(a):
    if a.rope_scaling is None:
        return None
    return {a.rope_key: a.rope_scaling, "factor": a.rope_factor, "low_freq_factor": a.rope_low_freq_factor,
            "high_freq_factor": a.rope_high_freq_factor,
            "original_max_position_embeddings": a.rope_original_positions}


def config_of(a, s, specials):
    fam = a.family
    eps = a.eps if a.eps is not None else DEFAULT_EPS[fam]
    act = a.act or DEFAULT_ACT[fam]
    tie = tie_of(a)
    cfg = {"model_type": fam, "architectures": [ARCHITECTURE[fam]], "vocab_size": s.V,
           "initializer_range": 0.02, "torch_dtype": TORCH_DTYPE[a.dtype], "transformers_version": "4.44.2"}
    if fam == "distilbert":
        cfg.update(dim=s.C, n_heads=s.H, n_layers=s.L, hidden_dim=s.I, max_position_embeddings=s.P,
                   activation=act, sinusoidal_pos_embds=a.sinusoidal, dropout=0.1, attention_dropout=0.1,
                   qa_dropout=0.1, seq_classif_dropout=0.2, pad_token_id=specials.pad, tie_weights_=tie)
        if not tie:
            cfg["tie_word_embeddings"] = False
        return cfg
    cfg.update(hidden_size=s.C, num_hidden_layers=s.L, num_attention_heads=s.H, intermediate_size=s.I,
               max_position_embeddings=s.P, hidden_act=act, tie_word_embeddings=tie)
    if fam in ("llama", "mistral", "qwen2"):
        cfg.update(num_key_value_heads=s.G, rms_norm_eps=eps, rope_theta=a.rope_theta,
                   attention_dropout=0.0, use_cache=True, bos_token_id=specials.bos, eos_token_id=specials.eos)
        if fam != "mistral" or a.rope_scaling is not None:  # MistralConfig has no rope_scaling of its own
            cfg["rope_scaling"] = rope_scaling_of(a)
        if a.head_dim is not None and fam != "qwen2":
            cfg["head_dim"] = s.D
        if fam == "llama":
            cfg.update(attention_bias=a.qkv_bias, mlp_bias=False, pretraining_tp=1)
        if fam == "mistral":
            cfg["sliding_window"] = a.sliding_window
        if fam == "qwen2":  # q/k/v biases are part of the architecture: no config field says so
            cfg.update(use_sliding_window=False, sliding_window=a.sliding_window or s.P, max_window_layers=s.L)
    elif fam == "gpt_neox":
        cfg.update(layer_norm_eps=eps, use_parallel_residual=a.residual == "parallel", use_cache=True,
                   attention_dropout=0.0, hidden_dropout=0.0, classifier_dropout=0.1,
                   bos_token_id=specials.bos, eos_token_id=specials.eos, rope_scaling=rope_scaling_of(a))
        if a.neox_new_names:
            cfg.update(rope_theta=a.rope_theta, partial_rotary_factor=a.partial_rotary)
        else:
            cfg.update(rotary_emb_base=a.rope_theta, rotary_pct=a.partial_rotary)
    else:  # bert, roberta
        cfg.update(layer_norm_eps=eps, type_vocab_size=2 if fam == "bert" else 1, pad_token_id=specials.pad,
                   position_embedding_type="absolute", hidden_dropout_prob=0.1,
                   attention_probs_dropout_prob=0.1, classifier_dropout=None, use_cache=True)
        if fam == "roberta":
            cfg.update(bos_token_id=specials.bos, eos_token_id=specials.eos)
    return cfg


def tie_of(a):
    return DEFAULT_TIE[a.family] if a.tie is None else a.tie == "on"


def apply_overrides(cfg, sets, unsets=()):
    for item in sets:
        key, _, value = item.partition("=")
        cfg[key] = json.loads(value)
    for key in unsets:
        cfg.pop(key, None)
    return cfg


# ---------------------------------------------------------------- tokenizer.json
class Specials:
    """The family's special tokens: id -> text, and the ids its config names."""

    def __init__(self, fam, V):
        self.bos = self.eos = self.pad = None
        if fam in ("llama", "mistral"):
            self.tokens = {0: "<unk>", 1: "<s>", 2: "</s>"}
            self.bos, self.eos = 1, 2
        elif fam == "qwen2":
            self.tokens = {256: "<|endoftext|>", 257: "<|im_start|>", 258: "<|im_end|>"}
            self.bos = self.eos = 256
        elif fam == "gpt_neox":
            self.tokens = {0: "<|endoftext|>", 1: "<|padding|>"}
            self.bos = self.eos = 0
        elif fam in ("bert", "distilbert"):
            self.tokens = {0: "[PAD]", 100: "[UNK]", 101: "[CLS]", 102: "[SEP]", 103: "[MASK]"}
            self.pad = 0
        elif fam == "roberta":
            self.tokens = {0: "<s>", 1: "<pad>", 2: "</s>", 3: "<unk>", V - 1: "<mask>"}
            self.bos, self.pad, self.eos = 0, 1, 2
        else:
            self.tokens = {}
        need = max([255 + len(self.tokens)] + list(self.tokens)) + 1
        if V < need:
            raise SystemExit(f"{fam}: --vocab {V} cannot hold 256 byte tokens and the special tokens "
                             f"{sorted(self.tokens)} (need {need})")


def write_tokenizer(path, specials, V):
    """check_gpt2's byte-level tokenizer.json, with the byte tokens moved to the ids the specials leave free."""
    check_gpt2.write_byte_tokenizer(path)
    with open(path, encoding="utf-8") as f:
        tok = json.load(f)
    b2u = check_gpt2.bytes_to_unicode()
    free = [i for i in range(V) if i not in specials.tokens]
    vocab = {b2u[b]: free[b] for b in range(256)}
    vocab.update({text: i for i, text in specials.tokens.items()})
    tok["model"]["vocab"] = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    tok["added_tokens"] = [{"id": i, "content": text, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True} for i, text in sorted(specials.tokens.items())]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


# ---------------------------------------------------------------- tensors
class Draw:
    """Random float32 tensors: weights N(0, std), norm gains 1 + N(0, 0.1), biases N(0, 0.1)."""

    def __init__(self, seed, std):
        self.rng = np.random.default_rng(seed)
        self.std = std

    def weight(self, *shape):
        return self.rng.normal(0.0, self.std, size=shape).astype(np.float32)

    def gain(self, n):
        return (1.0 + self.rng.normal(0.0, 0.1, size=n)).astype(np.float32)

    def bias(self, n):
        return self.rng.normal(0.0, 0.1, size=n).astype(np.float32)


def add_linear(t, name, draw, n_out, n_in, bias=True):
    t[name + ".weight"] = draw.weight(n_out, n_in)
    if bias:
        t[name + ".bias"] = draw.bias(n_out)


def add_layer_norm(t, name, draw, n, bias=True):
    t[name + ".weight"] = draw.gain(n)
    if bias:
        t[name + ".bias"] = draw.bias(n)


def llama_tensors(a, s, draw):
    fam, t = a.family, {}
    q_bias = fam == "qwen2" or (fam == "llama" and a.qkv_bias)
    o_bias = fam == "llama" and a.qkv_bias
    t["model.embed_tokens.weight"] = draw.weight(s.V, s.C)
    for i in range(s.L):
        p = f"model.layers.{i}."
        add_layer_norm(t, p + "input_layernorm", draw, s.C, bias=False)
        add_linear(t, p + "self_attn.q_proj", draw, s.H * s.D, s.C, q_bias)
        add_linear(t, p + "self_attn.k_proj", draw, s.G * s.D, s.C, q_bias)
        add_linear(t, p + "self_attn.v_proj", draw, s.G * s.D, s.C, q_bias)
        add_linear(t, p + "self_attn.o_proj", draw, s.C, s.H * s.D, o_bias)
        add_layer_norm(t, p + "post_attention_layernorm", draw, s.C, bias=False)
        add_linear(t, p + "mlp.gate_proj", draw, s.I, s.C, bias=False)
        add_linear(t, p + "mlp.up_proj", draw, s.I, s.C, bias=False)
        add_linear(t, p + "mlp.down_proj", draw, s.C, s.I, bias=False)
        if a.extras:
            t[p + "self_attn.rotary_emb.inv_freq"] = inv_freq_buffer(a.rope_theta, s.D)
    add_layer_norm(t, "model.norm", draw, s.C, bias=False)
    if not tie_of(a):
        t["lm_head.weight"] = draw.weight(s.V, s.C)
    return t


def inv_freq_buffer(theta, rot):
    """The non-persistent-now rotary buffer old checkpoints saved: theta^(-2i / rot)."""
    return (1.0 / theta ** (np.arange(0, rot, 2) / rot)).astype(np.float32)


def neox_tensors(a, s, draw):
    t = {"gpt_neox.embed_in.weight": draw.weight(s.V, s.C)}
    rot = int(s.D * a.partial_rotary)
    for i in range(s.L):
        p = f"gpt_neox.layers.{i}."
        add_layer_norm(t, p + "input_layernorm", draw, s.C)
        add_layer_norm(t, p + "post_attention_layernorm", draw, s.C)
        add_linear(t, p + "attention.query_key_value", draw, 3 * s.C, s.C)  # rows: head 0 q|k|v, head 1 q|k|v, ...
        add_linear(t, p + "attention.dense", draw, s.C, s.C)
        if a.extras:
            t[p + "attention.rotary_emb.inv_freq"] = inv_freq_buffer(a.rope_theta, rot)
        add_linear(t, p + "mlp.dense_h_to_4h", draw, s.I, s.C)
        add_linear(t, p + "mlp.dense_4h_to_h", draw, s.C, s.I)
    add_layer_norm(t, "gpt_neox.final_layer_norm", draw, s.C)
    if not tie_of(a):
        t["embed_out.weight"] = draw.weight(s.V, s.C)
    return t


def bert_tensors(a, s, draw):
    """BertForMaskedLM / RobertaForMaskedLM."""
    fam, t = a.family, {}
    p = BODY_PREFIX[fam]
    t[p + "embeddings.word_embeddings.weight"] = draw.weight(s.V, s.C)
    t[p + "embeddings.position_embeddings.weight"] = draw.weight(s.P, s.C)
    t[p + "embeddings.token_type_embeddings.weight"] = draw.weight(2 if fam == "bert" else 1, s.C)
    add_layer_norm(t, p + "embeddings.LayerNorm", draw, s.C)
    for i in range(s.L):
        q = f"{p}encoder.layer.{i}."
        for part in ("query", "key", "value"):
            add_linear(t, q + "attention.self." + part, draw, s.C, s.C)
        add_linear(t, q + "attention.output.dense", draw, s.C, s.C)
        add_layer_norm(t, q + "attention.output.LayerNorm", draw, s.C)
        add_linear(t, q + "intermediate.dense", draw, s.I, s.C)
        add_linear(t, q + "output.dense", draw, s.C, s.I)
        add_layer_norm(t, q + "output.LayerNorm", draw, s.C)
    head = "cls.predictions." if fam == "bert" else "lm_head."
    add_linear(t, head + ("transform.dense" if fam == "bert" else "dense"), draw, s.C, s.C)
    add_layer_norm(t, head + ("transform.LayerNorm" if fam == "bert" else "layer_norm"), draw, s.C)
    t[head + "bias"] = draw.bias(s.V)
    if not tie_of(a):
        t[head + "decoder.weight"] = draw.weight(s.V, s.C)
    if a.extras:  # what BertForPreTraining / RobertaModel checkpoints add
        add_linear(t, p + "pooler.dense", draw, s.C, s.C)
        if fam == "bert":
            add_linear(t, "cls.seq_relationship", draw, 2, s.C)
    return t


def sinusoidal_positions(P, C):
    """DistilBERT's create_sinusoidal_embeddings: even columns sin, odd columns cos of pos / 10000^(2j/C)."""
    pos = np.arange(P)[:, None]
    j = np.arange(C)[None, :]
    angle = pos / np.power(10000.0, 2 * (j // 2) / C)
    out = np.zeros((P, C))
    out[:, 0::2] = np.sin(angle[:, 0::2])
    out[:, 1::2] = np.cos(angle[:, 1::2])
    return out.astype(np.float32)


def distilbert_tensors(a, s, draw):
    t = {"distilbert.embeddings.word_embeddings.weight": draw.weight(s.V, s.C)}
    t["distilbert.embeddings.position_embeddings.weight"] = \
        sinusoidal_positions(s.P, s.C) if a.sinusoidal else draw.weight(s.P, s.C)
    add_layer_norm(t, "distilbert.embeddings.LayerNorm", draw, s.C)
    for i in range(s.L):
        p = f"distilbert.transformer.layer.{i}."
        for part in ("q_lin", "k_lin", "v_lin", "out_lin"):
            add_linear(t, p + "attention." + part, draw, s.C, s.C)
        add_layer_norm(t, p + "sa_layer_norm", draw, s.C)
        add_linear(t, p + "ffn.lin1", draw, s.I, s.C)
        add_linear(t, p + "ffn.lin2", draw, s.C, s.I)
        add_layer_norm(t, p + "output_layer_norm", draw, s.C)
    add_linear(t, "vocab_transform", draw, s.C, s.C)
    add_layer_norm(t, "vocab_layer_norm", draw, s.C)
    t["vocab_projector.bias"] = draw.bias(s.V)
    if not tie_of(a):
        t["vocab_projector.weight"] = draw.weight(s.V, s.C)
    return t


TENSORS = {"llama": llama_tensors, "mistral": llama_tensors, "qwen2": llama_tensors, "gpt_neox": neox_tensors,
           "bert": bert_tensors, "roberta": bert_tensors, "distilbert": distilbert_tensors}


def renamed(t, a):
    """Apply the naming variants: no base-model prefix, legacy LayerNorm gamma/beta."""
    prefix = BODY_PREFIX[a.family]
    out = {}
    for name, arr in t.items():
        if a.prefix == "off" and name.startswith(prefix):
            name = name[len(prefix):]
        if a.legacy_ln and ("LayerNorm" in name or "layer_norm" in name):
            name = name.replace(".weight", ".gamma").replace(".bias", ".beta")
        out[name] = arr
    return out


def spoiled(t, a):
    """The bad-input variants: tensors left out or one row short."""
    for name in a.drop_tensor + a.bad_shape:
        if name not in t:
            raise SystemExit(f"no tensor {name} in this {a.family} checkpoint (have {sorted(t)[:6]}...)")
    for name in a.drop_tensor:
        del t[name]
    for name in a.bad_shape:
        t[name] = t[name][:-1]
    return t


# ---------------------------------------------------------------- make
def make_gpt2(a, s):
    """GPT-2 via make_checkpoint.py (its GPT2LMHeadModel layout), with the byte-level tokenizer.json."""
    if a.drop_tensor or a.bad_shape or a.kv_heads not in (None, a.heads) or a.legacy_ln:
        raise SystemExit("gpt2: only the options of make_checkpoint.py apply")
    with tempfile.TemporaryDirectory() as tmp:
        tok = os.path.join(tmp, "tokenizer.json")
        check_gpt2.write_byte_tokenizer(tok)
        args = ["--layers", s.L, "--heads", s.H, "--embd", s.C, "--positions", s.P, "--vocab", s.V,
                "--dtype", a.dtype, "--seed", a.seed, "--std", a.std, "--tokenizer-json", tok]
        if a.prefix == "on":
            args += ["--prefix", "transformer."]
        if not tie_of(a):  # and say so, as GPT2Config would (HF ties lm_head to wte otherwise)
            args.append("--untied-lm-head")
            a.set = ["tie_word_embeddings=false"] + a.set
        check_gpt2.make_checkpoint(a.out, *args)
    if a.set or a.unset:
        path = os.path.join(a.out, "config.json")
        with open(path) as f:
            cfg = json.load(f)
        with open(path, "w") as f:
            json.dump(apply_overrides(cfg, a.set, a.unset), f, indent=2)


def make(a):
    s = Sizes(a)
    if a.family == "gpt2":
        if s.V < 256:
            raise SystemExit("gpt2: --vocab must hold the 256 byte tokens")
        return make_gpt2(a, s)
    os.makedirs(a.out, exist_ok=True)
    specials = Specials(a.family, s.V)
    cfg = apply_overrides(config_of(a, s, specials), a.set, a.unset)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    tensors = spoiled(renamed(TENSORS[a.family](a, s, Draw(a.seed, a.std)), a), a)
    make_checkpoint.write_safetensors(os.path.join(a.out, "model.safetensors"), tensors, a.dtype, "")
    write_tokenizer(os.path.join(a.out, "tokenizer.json"), specials, s.V)


def make_args(family, out, **options):
    """Options as keyword arguments (hyphens as underscores, lists for the repeatable ones) -> namespace."""
    argv = [family, out]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        for v in (value if isinstance(value, list) else [value]):
            if v is True:
                argv.append(flag)
            elif v is not False and v is not None:
                argv += [flag, str(v)]
    return option_parser().parse_args(argv)


def main(argv):
    a = option_parser().parse_args(argv)
    make(a)
    print(a.out)
    return 0
