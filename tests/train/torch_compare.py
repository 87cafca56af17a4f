#!/usr/bin/python3
# tests/train/torch_compare.py — headscope-train's float64 loss and hand-written
# gradients against PyTorch autograd on the same tiny GPT-2.
#
#   /usr/bin/python3 tests/train/torch_compare.py PATH/TO/headscope-train WORKDIR
#
# Runs `headscope-train grad-dump --out WORKDIR` (a tiny model: 2 layers, 2
# heads, C=8, T=5, V=11, batch 2 — its config.json, model.safetensors in F32,
# and grads.safetensors with the tokens, the loss and every gradient in F64),
# rebuilds the model in PyTorch from the safetensors file exactly as
# HuggingFace's GPT2LMHeadModel computes it (Conv1D y = x W + b, pre-LN blocks,
# causal softmax attention scaled by 1/sqrt(d_head), gelu_new, tied LM head,
# layer-norm eps from config.json), computes the mean next-token cross-entropy
# and its gradients in float64 with autograd, and compares per tensor:
#   rel = max|g - g_ref| / max|g_ref|   (g_ref = autograd), must be <= 1e-4.
# Prints one line per tensor and PASS/FAIL; exit status 0 only on PASS.
# Needs Debian's python3-torch (on /usr/bin/python3). Touches no network.
import json
import math
import struct
import subprocess
import sys

import torch

TOL = 1e-4


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    fmt = {"F32": ("<f", 4, torch.float64), "F64": ("<d", 8, torch.float64),
           "F16": ("<e", 2, torch.float64), "I32": ("<i", 4, torch.int64)}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        code, size, dtype = fmt[info["dtype"]]
        b, e = info["data_offsets"]
        count = (e - b) // size
        vals = struct.unpack("<" + code[1] * count, data[base + b:base + e])
        out[name] = torch.tensor(vals, dtype=dtype).reshape(info["shape"])
    return out


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_loss(w, cfg, tokens):
    """Mean cross-entropy of GPT2LMHeadModel(input_ids=tokens[:, :-1], labels shifted)."""
    eps = cfg["layer_norm_epsilon"]
    n_head, C = cfg["n_head"], cfg["n_embd"]
    d = C // n_head
    idx, tgt = tokens[:, :-1], tokens[:, 1:]
    B, T = idx.shape
    x = w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"][torch.arange(T)]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = torch.nn.functional.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(C, dim=2)
        q, k, v = (t.view(B, T, n_head, d).transpose(1, 2) for t in (q, k, v))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        s = s.masked_fill(~causal, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, C)
        x = x + a @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = torch.nn.functional.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        h = gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = torch.nn.functional.layer_norm(x, (C,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    logits = x @ w["transformer.wte.weight"].T  # lm_head tied to wte
    return torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), tgt.reshape(B * T))


def main():
    if len(sys.argv) != 3:
        print(__doc__ or "usage: torch_compare.py HEADSCOPE_TRAIN WORKDIR")
        return 2
    binary, work = sys.argv[1], sys.argv[2]
    subprocess.run([binary, "grad-dump", "--out", work], check=True)
    cfg = json.load(open(f"{work}/config.json"))
    weights = read_safetensors(f"{work}/model.safetensors")
    dump = read_safetensors(f"{work}/grads.safetensors")
    for t in weights.values():
        t.requires_grad_(True)
    loss = gpt2_loss(weights, cfg, dump["tokens"])
    loss.backward()

    ok = True
    loss_ref, loss_ours = loss.item(), dump["loss"].item()
    loss_rel = abs(loss_ours - loss_ref) / abs(loss_ref)
    print(f"loss: headscope {loss_ours:.15f}  torch {loss_ref:.15f}  rel {loss_rel:.2e}")
    ok &= loss_rel <= TOL
    worst = 0.0
    for name in sorted(weights):
        g_ref = weights[name].grad
        g = dump["grad." + name]
        rel = ((g - g_ref).abs().max() / g_ref.abs().max().clamp_min(1e-300)).item()
        worst = max(worst, rel)
        good = rel <= TOL and g_ref.abs().max().item() > 0
        ok &= good
        print(f"  {name:40s} max|g_ref| {g_ref.abs().max().item():.3e}  rel {rel:.2e}  {'ok' if good else 'MISMATCH'}")
    missing = sorted(k[5:] for k in dump if k.startswith("grad.") and k[5:] not in weights)
    if missing:
        ok = False
        print("gradients without a weight tensor:", missing)
    print(f"torch comparison: {len(weights)} tensors, worst relative error {worst:.2e} (tolerance {TOL:g}): "
          + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
