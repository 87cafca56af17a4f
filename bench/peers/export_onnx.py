#!/usr/bin/python3
"""Export Headscope's GPT-2 forward pass to ONNX, from a model folder's safetensors.

The graph computes what Headscope's Model::run returns: the next-token logits of
the last position and the attention probabilities of every layer and head.

  input   input_ids      int64 [T]            (T dynamic, 1 <= T <= n_positions)
  outputs logits_last    float [V]
          attention      float [L, H, T, T]   (masked entries 0)

The module is written from the HF tensors (wte, wpe, pre-LN blocks with Conv1D
weights stored [in, out], causal attention, MLP with GELU in its tanh form or
erf form as config.json says, ln_f, LM head tied to wte unless the checkpoint
has lm_head.weight). safetensors is read with numpy (F32, F16, BF16; an optional
"transformer." prefix), so no package beyond torch and numpy is needed.

usage: export_onnx.py MODEL_DIR OUT.onnx [--opset 17]
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        raw = data[a:b]
        dt = meta["dtype"]
        if dt == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif dt == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dt}; only F32, F16, BF16 are handled")
        out[name] = arr.reshape(meta["shape"]).copy()
    # strip a common "transformer." prefix (GPT2LMHeadModel checkpoints)
    stripped = {}
    for k, v in out.items():
        stripped[k[len("transformer."):] if k.startswith("transformer.") else k] = v
    return stripped


class Gpt2(nn.Module):
    def __init__(self, cfg, t):
        super().__init__()
        self.C = cfg["n_embd"]
        self.H = cfg["n_head"]
        self.L = cfg["n_layer"]
        self.eps = float(cfg.get("layer_norm_epsilon", 1e-5))
        act = cfg.get("activation_function", "gelu_new")
        if act in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
            self.act = lambda x: F.gelu(x, approximate="tanh")
        elif act == "gelu":
            self.act = F.gelu
        elif act == "relu":
            self.act = F.relu
        else:
            raise SystemExit(f"activation_function {act} is not handled")
        self.scale = bool(cfg.get("scale_attn_weights", True))
        P = lambda name: nn.Parameter(torch.from_numpy(t[name]), requires_grad=False)
        self.wte = P("wte.weight")
        self.wpe = P("wpe.weight")
        self.lm_head = P("lm_head.weight") if "lm_head.weight" in t else None
        self.blocks = nn.ModuleList()
        for i in range(self.L):
            b = nn.Module()
            p = f"h.{i}."
            for short, name in [("ln1_g", "ln_1.weight"), ("ln1_b", "ln_1.bias"),
                                ("attn_w", "attn.c_attn.weight"), ("attn_b", "attn.c_attn.bias"),
                                ("proj_w", "attn.c_proj.weight"), ("proj_b", "attn.c_proj.bias"),
                                ("ln2_g", "ln_2.weight"), ("ln2_b", "ln_2.bias"),
                                ("fc_w", "mlp.c_fc.weight"), ("fc_b", "mlp.c_fc.bias"),
                                ("fc2_w", "mlp.c_proj.weight"), ("fc2_b", "mlp.c_proj.bias")]:
                setattr(b, short, P(p + name))
            self.blocks.append(b)
        self.lnf_g = P("ln_f.weight")
        self.lnf_b = P("ln_f.bias")
        n_pos = self.wpe.shape[0]
        mask = torch.full((n_pos, n_pos), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, ids):
        T = ids.shape[0]
        C, H = self.C, self.H
        dk = C // H
        pos = torch.arange(T, dtype=torch.int64)
        x = self.wte[ids] + self.wpe[pos]  # [T, C]
        mask = self.mask[:T, :T]
        probs_all = []
        for b in self.blocks:
            h = F.layer_norm(x, (C,), b.ln1_g, b.ln1_b, self.eps)
            qkv = h @ b.attn_w + b.attn_b  # [T, 3C]
            q, k, v = qkv.split(C, dim=1)
            q = q.reshape(T, H, dk).transpose(0, 1)  # [H, T, dk]
            k = k.reshape(T, H, dk).permute(1, 2, 0)  # [H, dk, T]
            v = v.reshape(T, H, dk).transpose(0, 1)  # [H, T, dk]
            s = q @ k
            if self.scale:
                s = s * (1.0 / math.sqrt(dk))
            p = torch.softmax(s + mask, dim=-1)  # [H, T, T]
            probs_all.append(p)
            o = (p @ v).transpose(0, 1).reshape(T, C)
            x = x + (o @ b.proj_w + b.proj_b)
            h = F.layer_norm(x, (C,), b.ln2_g, b.ln2_b, self.eps)
            f = self.act(h @ b.fc_w + b.fc_b)
            x = x + (f @ b.fc2_w + b.fc2_b)
        last = F.layer_norm(x[-1:], (C,), self.lnf_g, self.lnf_b, self.eps)  # [1, C]
        head = self.lm_head if self.lm_head is not None else self.wte
        logits = F.linear(last, head).reshape(-1)  # [V]
        return logits, torch.stack(probs_all)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("out")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args()
    with open(os.path.join(a.model_dir, "config.json")) as f:
        cfg = json.load(f)
    t = read_safetensors(os.path.join(a.model_dir, "model.safetensors"))
    m = Gpt2(cfg, t).eval()
    ids = torch.tensor([464, 3290, 318, 257, 1332, 13, 632, 1139], dtype=torch.int64) % cfg["vocab_size"]
    with torch.no_grad():
        logits, probs = m(ids)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    torch.onnx.export(m, (ids,), tmp, input_names=["input_ids"], output_names=["logits_last", "attention"],
                      dynamic_axes={"input_ids": {0: "T"}, "attention": {2: "T", 3: "T"}},
                      opset_version=a.opset, do_constant_folding=True)
    os.replace(tmp, a.out)
    # the torch module's own numbers for the probe ids, for the harness's check
    ref = {"ids": ids.tolist(), "logits_last": logits.tolist(), "attention_sum": float(probs.sum())}
    with open(a.out + ".probe.json", "w") as f:
        json.dump(ref, f)
    print(f"{a.out}: {os.path.getsize(a.out) / 1e6:.1f} MB, {cfg['n_layer']} layers x {cfg['n_head']} heads, "
          f"n_embd {cfg['n_embd']}, vocab {cfg['vocab_size']}", file=sys.stderr)


if __name__ == "__main__":
    main()
