"""Float64 torch forward passes, one per family, written from the published HF architectures.

Owns: reading a checkpoint folder back (config.json + model.safetensors parsed with numpy, names
brought to the HF class's own: base-model prefix restored, legacy gamma/beta -> weight/bias), the
shared blocks (norms, activations, rotary, attention) and each family's forward. Every forward takes
token ids and returns (attention probabilities [L, H, T, T] with H query heads, logits at the last
position [V]): causal LM head for decoders, masked-LM head for encoders (no mask, bidirectional).
Given a list `residuals`, a forward also appends the residual stream after each block ([T, C] each),
and HEAD[family](ck, x) is the family's LM head with its input transform on any rows: the logit lens
(`lens`) reads every layer through it.

Shapes: T tokens, C hidden, H query heads, G key/value heads, D head dim, V vocab.
"""
import json
import math
import os

import torch

from families import checkpoint
from families.checkpoint import BODY_PREFIX

import check_gpt2  # read_safetensors; RefModel.layer_norm / gelu_new

torch.set_default_dtype(torch.float64)

# the head's tensors, which never carry the base-model prefix
HEAD_PREFIXES = {"gpt2": ("lm_head.",), "llama": ("lm_head.",), "mistral": ("lm_head.",), "qwen2": ("lm_head.",),
                 "gpt_neox": ("embed_out.",), "bert": ("cls.",), "roberta": ("lm_head.",),
                 "distilbert": ("vocab_transform.", "vocab_layer_norm.", "vocab_projector.")}


# ---------------------------------------------------------------- reading a checkpoint back
class Checkpoint:
    """config.json as a dict, and the tensors under the names of the family's HF class (float64)."""

    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            self.cfg = json.load(f)
        self.family = self.cfg["model_type"]
        raw = check_gpt2.read_safetensors(os.path.join(folder, "model.safetensors"))
        self.w = {self.hf_name(k): torch.from_numpy(v) for k, v in raw.items()}

    def hf_name(self, name):
        fam = self.family
        if name.endswith(".gamma"):
            name = name[:-len("gamma")] + "weight"
        elif name.endswith(".beta"):
            name = name[:-len("beta")] + "bias"
        prefix = BODY_PREFIX[fam]
        if not name.startswith(prefix) and not name.startswith(HEAD_PREFIXES[fam]):
            name = prefix + name
        return name

    def tied(self):
        c = self.cfg
        if self.family == "distilbert":
            return c.get("tie_word_embeddings", c.get("tie_weights_", True))
        return c.get("tie_word_embeddings", checkpoint.DEFAULT_TIE[self.family])

    def output_embedding(self, untied_name, embedding_name):
        return self.w[embedding_name] if self.tied() else self.w[untied_name]


# ---------------------------------------------------------------- blocks
layer_norm = check_gpt2.RefModel.layer_norm  # (x - mean) / sqrt(var + eps) * g + b over the last axis


def rms_norm(x, g, eps):
    return x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps) * g


def gelu_exact(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


ACTIVATIONS = {"gelu": gelu_exact, "gelu_new": check_gpt2.RefModel.gelu_new,
               "gelu_pytorch_tanh": check_gpt2.RefModel.gelu_new, "gelu_fast": check_gpt2.RefModel.gelu_new,
               "silu": lambda x: x * torch.sigmoid(x), "swish": lambda x: x * torch.sigmoid(x),
               "relu": torch.relu}


def activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} has no reference (have {sorted(ACTIVATIONS)})")
    return ACTIVATIONS[name]


def linear(x, w, name):
    """torch.nn.Linear: x W^T + b (b when the checkpoint has one)."""
    y = x @ w[name + ".weight"].T
    b = w.get(name + ".bias")
    return y if b is None else y + b


def split_heads(x, n):
    """[T, n*D] -> [n, T, D]"""
    T = x.shape[0]
    return x.reshape(T, n, -1).transpose(0, 1)


def merge_heads(x):
    """[n, T, D] -> [T, n*D]"""
    return x.transpose(0, 1).reshape(x.shape[1], -1)


def allowed_keys(T, causal, window=None):
    """[T, T] bool: query i may attend key j (causal: j <= i; window W: also i - j < W); None = all."""
    if not causal:
        return None
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    ok = j <= i
    if window is not None:
        ok = ok & (i - j < window)
    return ok


def attention(q, k, v, allowed):
    """q [H, T, D], k v [G, T, D]; query head h reads key/value head h // (H / G).
    Returns probabilities [H, T, T] and the heads' outputs [T, H*D]."""
    H, G, D = q.shape[0], k.shape[0], q.shape[2]
    k = k.repeat_interleave(H // G, dim=0)
    v = v.repeat_interleave(H // G, dim=0)
    scores = q @ k.transpose(1, 2) / math.sqrt(D)  # [H, T, T]
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    return probs, merge_heads(probs @ v)


def rotary_inv_freq(theta, rot_dim, scaling=None):
    """inv_freq_i = theta^(-2i / rot_dim), i < rot_dim / 2; llama3 scaling if rope_scaling says so."""
    if rot_dim % 2:
        raise ValueError(f"rotary dimension {rot_dim} is odd")
    inv = 1.0 / theta ** (torch.arange(0, rot_dim, 2, dtype=torch.float64) / rot_dim)
    if scaling is None:
        return inv
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv
    if kind != "llama3":
        raise ValueError(f"rope_scaling type {kind!r} has no reference")
    return llama3_scaled(inv, scaling)


def llama3_scaled(inv, s):
    """Llama 3.1: wavelengths longer than original/low_freq_factor are divided by factor, shorter than
    original/high_freq_factor kept, and those between blended by smooth = (original/wavelen - low) / (high - low)."""
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    original = s["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > original / low, inv / factor, inv)
    smooth = (original / wavelen - low) / (high - low)
    blended = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= original / high) & (wavelen <= original / low)
    return torch.where(medium, blended, scaled)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rotary(x, positions, inv_freq):
    """x [n, T, D]: the first 2 * len(inv_freq) dims of each head rotated (rotate-half pairing), the rest passed."""
    rot = 2 * inv_freq.shape[0]
    angle = positions[:, None].double() * inv_freq[None, :]  # [T, rot/2]
    angle = torch.cat([angle, angle], dim=-1)  # [T, rot]
    xr, xp = x[..., :rot], x[..., rot:]
    return torch.cat([xr * torch.cos(angle) + rotate_half(xr) * torch.sin(angle), xp], dim=-1)


# ---------------------------------------------------------------- decoders
def gpt2_head(ck, x):
    w, eps = ck.w, ck.cfg.get("layer_norm_epsilon", 1e-5)
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ ck.output_embedding("lm_head.weight", "transformer.wte.weight").T


def gpt2_forward(ck, ids, residuals=None):
    c, w = ck.cfg, ck.w
    H, eps, act = c["n_head"], c.get("layer_norm_epsilon", 1e-5), activation(c.get("activation_function", "gelu_new"))
    T = len(ids)
    conv1d = lambda x, name: x @ w[name + ".weight"] + w[name + ".bias"]  # noqa: E731  GPT-2 stores W [in, out]
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:T]  # [T, C]
    probs = []
    for l in range(c["n_layer"]):
        p = f"transformer.h.{l}."
        q, k, v = conv1d(layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps), p + "attn.c_attn").chunk(3, dim=-1)
        pr, o = attention(split_heads(q, H), split_heads(k, H), split_heads(v, H), allowed_keys(T, True))
        x = x + conv1d(o, p + "attn.c_proj")
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + conv1d(act(conv1d(m, p + "mlp.c_fc")), p + "mlp.c_proj")
        probs.append(pr)
        keep(residuals, x)
    return torch.stack(probs), gpt2_head(ck, x[-1])


def llama_window(c):
    """The sliding window a Llama-family config asks for, or None."""
    if c["model_type"] == "mistral":
        return c.get("sliding_window")
    if c["model_type"] == "qwen2" and c.get("use_sliding_window"):
        raise ValueError("qwen2 use_sliding_window has no reference")
    return None


def llama_head(ck, x):
    x = rms_norm(x, ck.w["model.norm.weight"], ck.cfg.get("rms_norm_eps", 1e-6))
    return x @ ck.output_embedding("lm_head.weight", "model.embed_tokens.weight").T


def llama_forward(ck, ids, residuals=None):
    """Llama / Mistral / Qwen2: pre-RMSNorm, rotary q k, grouped KV, SwiGLU MLP."""
    c, w = ck.cfg, ck.w
    C, H = c["hidden_size"], c["num_attention_heads"]
    G = c.get("num_key_value_heads") or H
    D = c.get("head_dim") or C // H
    eps, act = c.get("rms_norm_eps", 1e-6), activation(c.get("hidden_act", "silu"))
    T = len(ids)
    positions = torch.arange(T)
    inv_freq = rotary_inv_freq(c.get("rope_theta", 10000.0), D, c.get("rope_scaling"))
    allowed = allowed_keys(T, True, llama_window(c))
    x = w["model.embed_tokens.weight"][ids]  # [T, C]
    probs = []
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = apply_rotary(split_heads(linear(h, w, p + "self_attn.q_proj"), H), positions, inv_freq)  # [H, T, D]
        k = apply_rotary(split_heads(linear(h, w, p + "self_attn.k_proj"), G), positions, inv_freq)  # [G, T, D]
        v = split_heads(linear(h, w, p + "self_attn.v_proj"), G)
        pr, o = attention(q, k, v, allowed)
        x = x + linear(o, w, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + linear(act(linear(h, w, p + "mlp.gate_proj")) * linear(h, w, p + "mlp.up_proj"), w, p + "mlp.down_proj")
        probs.append(pr)
        keep(residuals, x)
    return torch.stack(probs), llama_head(ck, x[-1])


def neox_rotary(c, D):
    """(theta, rotary dims) from either spelling: rotary_emb_base / rotary_pct or rope_theta / partial_rotary_factor."""
    theta = c.get("rope_theta", c.get("rotary_emb_base", 10000.0))
    pct = c.get("partial_rotary_factor", c.get("rotary_pct", 0.25))
    return theta, int(D * pct)


def neox_head(ck, x):
    w, eps = ck.w, ck.cfg.get("layer_norm_eps", 1e-5)
    x = layer_norm(x, w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"], eps)
    return x @ ck.output_embedding("embed_out.weight", "gpt_neox.embed_in.weight").T


def neox_forward(ck, ids, residuals=None):
    """GPT-NeoX: fused per-head q|k|v, partial rotary on the first rotary_ndims, parallel or sequential residual."""
    c, w = ck.cfg, ck.w
    C, H = c["hidden_size"], c["num_attention_heads"]
    D, eps, act = C // H, c.get("layer_norm_eps", 1e-5), activation(c.get("hidden_act", "gelu"))
    T = len(ids)
    positions = torch.arange(T)
    theta, rot = neox_rotary(c, D)
    inv_freq = rotary_inv_freq(theta, rot, c.get("rope_scaling"))
    parallel = c.get("use_parallel_residual", True)
    ln = lambda x, name: layer_norm(x, w[name + ".weight"], w[name + ".bias"], eps)  # noqa: E731
    x = w["gpt_neox.embed_in.weight"][ids]  # [T, C]
    probs = []
    for l in range(c["num_hidden_layers"]):
        p = f"gpt_neox.layers.{l}."
        qkv = split_heads(linear(ln(x, p + "input_layernorm"), w, p + "attention.query_key_value"), H)  # [H, T, 3D]
        q, k, v = qkv[..., :D], qkv[..., D:2 * D], qkv[..., 2 * D:]
        pr, o = attention(apply_rotary(q, positions, inv_freq), apply_rotary(k, positions, inv_freq), v,
                          allowed_keys(T, True))
        a = linear(o, w, p + "attention.dense")
        mlp = lambda h: linear(act(linear(h, w, p + "mlp.dense_h_to_4h")), w, p + "mlp.dense_4h_to_h")  # noqa: E731
        if parallel:  # x + attn(ln1(x)) + mlp(ln2(x))
            x = x + a + mlp(ln(x, p + "post_attention_layernorm"))
        else:  # y = x + attn(ln1(x)); y + mlp(ln2(y))
            x = x + a
            x = x + mlp(ln(x, p + "post_attention_layernorm"))
        probs.append(pr)
        keep(residuals, x)
    return torch.stack(probs), neox_head(ck, x[-1])


# ---------------------------------------------------------------- encoders
# a post-LN encoder layer's parts: q, k, v, attention output, its LayerNorm, FFN in, FFN out, its LayerNorm
BERT_LAYER = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
              "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm")
DISTILBERT_LAYER = ("attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
                    "ffn.lin1", "ffn.lin2", "output_layer_norm")


def post_ln_encoder(x, w, layer_prefix, parts, n_layer, H, eps, act, residuals=None):
    """x [T, C] -> (probabilities [L, H, T, T], x): x = LN(x + attn(x)); x = LN(x + ffn(x)), no mask."""
    q_name, k_name, v_name, o_name, ln1, fc1, fc2, ln2 = parts
    probs = []
    for l in range(n_layer):
        p = f"{layer_prefix}{l}."
        q, k, v = (split_heads(linear(x, w, p + n), H) for n in (q_name, k_name, v_name))
        pr, o = attention(q, k, v, None)
        x = layer_norm(x + linear(o, w, p + o_name), w[p + ln1 + ".weight"], w[p + ln1 + ".bias"], eps)
        f = linear(act(linear(x, w, p + fc1)), w, p + fc2)
        x = layer_norm(x + f, w[p + ln2 + ".weight"], w[p + ln2 + ".bias"], eps)
        probs.append(pr)
        keep(residuals, x)
    return torch.stack(probs), x


def mlm_head(x, w, dense, norm, act, eps, decoder, bias):
    """logits = LN(act(x W_dense^T + b)) W_decoder^T + bias"""
    h = layer_norm(act(linear(x, w, dense)), w[norm + ".weight"], w[norm + ".bias"], eps)
    return h @ decoder.T + w[bias]


def roberta_positions(ids, pad):
    """RoBERTa: non-pad tokens numbered from padding_idx + 1, pad tokens at padding_idx."""
    not_pad = (ids != pad).long()
    return torch.cumsum(not_pad, dim=0) * not_pad + pad


def bert_head(ck, x):
    """BERT / RoBERTa masked-LM head on x [..., C]."""
    c, w, fam = ck.cfg, ck.w, ck.family
    eps, act = c.get("layer_norm_eps", 1e-12), activation(c.get("hidden_act", "gelu"))
    word = BODY_PREFIX[fam] + "embeddings.word_embeddings.weight"
    if fam == "bert":
        return mlm_head(x, w, "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", act,
                        eps, ck.output_embedding("cls.predictions.decoder.weight", word), "cls.predictions.bias")
    # RobertaLMHead applies exact gelu whatever hidden_act says
    return mlm_head(x, w, "lm_head.dense", "lm_head.layer_norm", gelu_exact, eps,
                    ck.output_embedding("lm_head.decoder.weight", word), "lm_head.bias")


def bert_forward(ck, ids, residuals=None):
    """BERT / RoBERTa: word + position + token_type 0 embeddings, LayerNorm, post-LN layers, MLM head."""
    c, w, fam = ck.cfg, ck.w, ck.family
    if c.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("position_embedding_type other than absolute has no reference")
    H, eps, act = c["num_attention_heads"], c.get("layer_norm_eps", 1e-12), activation(c.get("hidden_act", "gelu"))
    p = BODY_PREFIX[fam]
    positions = roberta_positions(ids, c["pad_token_id"]) if fam == "roberta" else torch.arange(len(ids))
    e = p + "embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][positions] + \
        w[e + "token_type_embeddings.weight"][0]
    x = layer_norm(x, w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"], eps)
    probs, x = post_ln_encoder(x, w, p + "encoder.layer.", BERT_LAYER, c["num_hidden_layers"], H, eps, act,
                               residuals)
    return probs, bert_head(ck, x[-1])


def distilbert_head(ck, x):
    act = activation(ck.cfg.get("activation", "gelu"))
    return mlm_head(x, ck.w, "vocab_transform", "vocab_layer_norm", act, 1e-12,
                    ck.output_embedding("vocab_projector.weight", "distilbert.embeddings.word_embeddings.weight"),
                    "vocab_projector.bias")


def distilbert_forward(ck, ids, residuals=None):
    """DistilBERT: word + position embeddings (no token types), LayerNorm eps 1e-12 throughout."""
    c, w = ck.cfg, ck.w
    eps, act = 1e-12, activation(c.get("activation", "gelu"))
    e = "distilbert.embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][:len(ids)]
    x = layer_norm(x, w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"], eps)
    probs, x = post_ln_encoder(x, w, "distilbert.transformer.layer.", DISTILBERT_LAYER, c["n_layers"],
                               c["n_heads"], eps, act, residuals)
    return probs, distilbert_head(ck, x[-1])


FORWARD = {"gpt2": gpt2_forward, "llama": llama_forward, "mistral": llama_forward, "qwen2": llama_forward,
           "gpt_neox": neox_forward, "bert": bert_forward, "roberta": bert_forward, "distilbert": distilbert_forward}


HEAD = {"gpt2": gpt2_head, "llama": llama_head, "mistral": llama_head, "qwen2": llama_head,
        "gpt_neox": neox_head, "bert": bert_head, "roberta": bert_head, "distilbert": distilbert_head}


def keep(residuals, x):
    if residuals is not None:
        residuals.append(x)


def forward(ck, ids):
    """(attention [L, H, T, T], logits at the last position [V]) in float64."""
    with torch.no_grad():
        return FORWARD[ck.family](ck, torch.tensor(ids, dtype=torch.long))


def lens(ck, ids):
    """The logit lens in float64: softmax(HEAD(residual stream after block l)) [L, T, V], and the logits
    at the last position of the forward itself [V] (the last layer's lens must give the same)."""
    residuals = []
    with torch.no_grad():
        _, logits = FORWARD[ck.family](ck, torch.tensor(ids, dtype=torch.long), residuals)
        return torch.stack([torch.softmax(HEAD[ck.family](ck, x), dim=-1) for x in residuals]), logits


def max_tokens(cfg):
    """How many tokens fit the model's positions (RoBERTa's start at padding_idx + 1)."""
    P = cfg.get("max_position_embeddings", cfg.get("n_positions"))
    return P - cfg["pad_token_id"] - 1 if cfg["model_type"] == "roberta" else P
