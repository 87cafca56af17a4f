#!/usr/bin/python3
"""Headscope's GPT-2 forward pass against an independent float64 reference.

Builds random GPT-2 checkpoints with make_checkpoint.py (odd sizes, GPT-2's real
50,257-token vocab; F32, F16, BF16; the "transformer." prefix with an untied
lm_head; a 1-layer 1-head model with a byte-level tokenizer.json), runs the CLI
under test (`run`, `score`, `tokenize`), and compares with the GPT-2 forward
pass written here from the math in torch float64, on the ids the CLI reports:

  x = wte[ids] + wpe[0..T)
  per layer: a = ln_1(x); q|k|v = a W_attn + b; per head softmax(q k^T / sqrt(dk) / temperature + mask) v
             (ablated heads' output columns set to 0 or to their mean over positions);
             x += concat(heads) W_proj + b; x += gelu_new(ln_2(x) W_fc + b) W_fc2 + b
  logits = ln_f(x) lm_head^T   (lm_head = wte when tied)

The safetensors files are read here with numpy (not through Headscope's loader).
Token ids are checked against the npm package gpt-3-encoder (real vocab) or
against the raw UTF-8 bytes (byte-level tokenizer with no merges).

usage: check_gpt2.py --cli "build/native/src/cli/headscope" [--cli-cwd DIR]
       check_gpt2.py --cli "node web/cli.mjs"
       [--workdir DIR] [--keep] [--no-node] [--quick]
Prints one line per check and "N passed, N failed"; exit status 1 on failure.
"""
import argparse
import json
import math
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAKE_CHECKPOINT = os.path.join(ROOT, "tests", "reference", "make_checkpoint.py")

ATTN_TOL = 1e-4
LOGITS_TOL = 1e-3
NLL_TOL = 1e-4

torch.set_default_dtype(torch.float64)
torch.set_num_threads(max(1, os.cpu_count() or 1))

# ---------------------------------------------------------------- texts
TEXT_SHORT = "Hello, world! The quick brown fox jumps over the lazy dog."
TEXT_ONE = "Hi"
TEXT_UNICODE = ("Ünïcödé naïve café — 日本語のテキスト, emoji 🙂👍🏽, Ελληνικά, "
                "русский текст, עברית and ١٢٣ digits\ttab\n  new line's end")
TEXT_LONG = " ".join([
    "Attention heads in a transformer each look at earlier positions of the text,",
    "weighing them by the similarity of a query and a key, and copy information",
    "from the values they attend to. Some heads track the previous token, others",
    "find the first token, and induction heads complete repeated patterns.",
] * 4)  # ~230 GPT-2 tokens, past n_positions = 128


# ---------------------------------------------------------------- results
class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}", flush=True)
        return ok


# ---------------------------------------------------------------- checkpoints
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def write_byte_tokenizer(path):
    """A byte-level BPE tokenizer.json with the 256 byte tokens (id = byte) and no merges."""
    b2u = bytes_to_unicode()
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": {b2u[b]: b for b in range(256)}, "merges": []},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


def make_checkpoint(out, *args):
    subprocess.run([sys.executable, MAKE_CHECKPOINT, out, *map(str, args)], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def read_safetensors(path):
    """name -> float64 numpy array, parsed from the bytes (F32, F16, BF16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b: base + e]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        elif dt == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float64)
        elif dt == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        else:
            raise ValueError(f"{name}: dtype {dt}")
        out[name] = a.reshape(info["shape"])
    return out


class RefModel:
    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        self.L, self.H, self.C = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        self.P, self.V = cfg["n_positions"], cfg["vocab_size"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        assert cfg.get("activation_function", "gelu_new") == "gelu_new"
        raw = read_safetensors(os.path.join(folder, "model.safetensors"))
        w = {}
        for k, v in raw.items():
            w[k[len("transformer."):] if k.startswith("transformer.") else k] = torch.from_numpy(v)
        self.w = w
        self.lm_head = w.get("lm_head.weight", w["wte.weight"])

    @staticmethod
    def layer_norm(x, g, b, eps):
        mu = x.mean(dim=-1, keepdim=True)
        var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g + b

    @staticmethod
    def gelu_new(x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    def forward(self, ids, ablate=(), ablate_mode="zero", scale=True, causal=True, temperature=1.0,
                temperature_head=None):
        """Returns (attention [L, H, T, T], logits [T, V])."""
        w, C, H = self.w, self.C, self.H
        dk = C // H
        T = len(ids)
        idx = torch.tensor(ids, dtype=torch.long)
        x = w["wte.weight"][idx] + w["wpe.weight"][:T]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        attn_all = []
        for l in range(self.L):
            p = f"h.{l}."
            a = self.layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], self.eps)
            qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
            q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
            heads, probs_l = [], []
            for h in range(H):
                sl = slice(h * dk, (h + 1) * dk)
                s = q[:, sl] @ k[:, sl].T
                if scale:
                    s = s / math.sqrt(dk)
                if temperature_head is None or temperature_head == (l, h):
                    s = s / temperature
                if causal:
                    s = s.masked_fill(mask, float("-inf"))
                pr = torch.softmax(s, dim=-1)
                o = pr @ v[:, sl]
                if (l, h) in ablate:
                    o = torch.zeros_like(o) if ablate_mode == "zero" else o.mean(dim=0, keepdim=True).expand_as(o)
                heads.append(o)
                probs_l.append(pr)
            attn_all.append(torch.stack(probs_l))
            x = x + torch.cat(heads, dim=1) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
            m = self.layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], self.eps)
            m = self.gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
            x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        x = self.layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], self.eps)
        return torch.stack(attn_all), x @ self.lm_head.T

    def mean_nll(self, ids, **knobs):
        _, logits = self.forward(ids, **knobs)
        logp = torch.log_softmax(logits[:-1], dim=-1)
        tgt = torch.tensor(ids[1:], dtype=torch.long)
        return float(-logp[torch.arange(len(ids) - 1), tgt].mean())


# ---------------------------------------------------------------- the CLI under test
class Cli:
    def __init__(self, prefix, cwd):
        self.prefix = shlex.split(prefix)
        self.cwd = cwd
        self.seconds = 0.0
        self.calls = 0

    def call(self, command, model, text=None, text_file=None, knobs=()):
        args = self.prefix + [command, "--model", model]
        args += ["--text-file", text_file] if text_file else ["--text", text]
        args += list(knobs)
        t0 = time.time()
        p = subprocess.run(args, cwd=self.cwd, capture_output=True)
        self.seconds += time.time() - t0
        self.calls += 1
        return p

    def json(self, command, model, **kw):
        p = self.call(command, model, **kw)
        if p.returncode != 0:
            raise RuntimeError(f"exit {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
        return json.loads(p.stdout)


def knob_args(ablate=(), ablate_mode="zero", scale=True, causal=True, temperature=1.0, temperature_head=None):
    a = []
    if temperature != 1.0:
        a += ["--temperature", repr(temperature)]
    if temperature_head is not None:
        a += ["--temperature-head", f"{temperature_head[0]}.{temperature_head[1]}"]
    if ablate:
        a += ["--ablate", ",".join(f"{l}.{h}" for l, h in ablate), "--ablate-mode", ablate_mode]
    if not scale:
        a.append("--no-scale")
    if not causal:
        a.append("--no-causal")
    return a


def to_array(nested):
    """JSON numbers (null for non-finite) -> float64 array."""
    return np.array(nested, dtype=object).astype(np.float64) if _has_null(nested) else np.array(nested, np.float64)


def _has_null(x):
    if x is None:
        return True
    if isinstance(x, list):
        return any(_has_null(v) for v in x) if x and isinstance(x[0], list) else any(v is None for v in x)
    return False


def max_abs(a, b):
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    d = np.abs(a - b)
    return math.inf if not np.all(np.isfinite(d)) else float(d.max())


# ---------------------------------------------------------------- checks
def check_run(rep, cli, ref, name, model_dir, text=None, text_file=None, expect_ids=None, **knobs):
    label = f"run {name}"
    try:
        out = cli.json("run", model_dir, text=text, text_file=text_file, knobs=knob_args(**knobs))
    except Exception as e:  # noqa: BLE001
        return rep.check(label, False, str(e))
    ids = out["ids"]
    T = len(ids)
    problems = []
    if out.get("n_layer") != ref.L or out.get("n_head") != ref.H:
        problems.append(f"n_layer/n_head {out.get('n_layer')}/{out.get('n_head')} != {ref.L}/{ref.H}")
    if len(out.get("tokens", [])) != T:
        problems.append(f"{len(out.get('tokens', []))} tokens for {T} ids")
    if expect_ids is not None:
        want_trunc = len(expect_ids) > ref.P
        if ids != expect_ids[:ref.P]:
            problems.append(f"ids differ from the reference tokenizer's (first {ids[:8]} vs {expect_ids[:8]})")
        if out.get("truncated") is not want_trunc:
            problems.append(f"truncated={out.get('truncated')} but the text has {len(expect_ids)} tokens, "
                            f"n_positions {ref.P}")
    if out.get("nonfinite") is not False:
        problems.append(f"nonfinite={out.get('nonfinite')}")
    if T == 0 or T > ref.P or any((not isinstance(i, int)) or i < 0 or i >= ref.V for i in ids):
        return rep.check(label, False, f"bad ids (T={T})")
    attn_ref, logits_ref = ref.forward(ids, **knobs)
    attn = to_array(out["attention"])
    logits = to_array(out["logits_last"])
    ea = max_abs(attn, attn_ref.numpy())
    el = max_abs(logits, logits_ref[-1].numpy())
    if not ea <= ATTN_TOL:
        problems.append(f"attention error {ea:.3g} > {ATTN_TOL}" + (f" (shape {attn.shape})" if attn.shape != tuple(attn_ref.shape) else ""))
    if not el <= LOGITS_TOL:
        problems.append(f"logits_last error {el:.3g} > {LOGITS_TOL}")
    detail = f"T={T}{' truncated' if out.get('truncated') else ''} attn_err={ea:.2e} logits_err={el:.2e}"
    if problems:
        detail += " | " + "; ".join(problems)
    return rep.check(label, not problems, detail)


def check_score(rep, cli, ref, name, model_dir, text, expect_ids, **knobs):
    label = f"score {name}"
    try:
        out = cli.json("score", model_dir, text=text, knobs=knob_args(**knobs))
    except Exception as e:  # noqa: BLE001
        return rep.check(label, False, str(e))
    ids = expect_ids[:ref.P]
    problems = []
    if out.get("tokens") != len(ids):
        problems.append(f"tokens {out.get('tokens')} != {len(ids)}")
    if out.get("truncated") is not (len(expect_ids) > ref.P):
        problems.append(f"truncated={out.get('truncated')}")
    want = ref.mean_nll(ids, **knobs)
    got = out.get("mean_nll")
    err = abs(got - want) if isinstance(got, (int, float)) else math.inf
    if not err <= NLL_TOL:
        problems.append(f"mean_nll error {err:.3g} > {NLL_TOL}")
    detail = f"T={len(ids)} mean_nll={got} ref={want:.7f} err={err:.2e}"
    if problems:
        detail += " | " + "; ".join(problems)
    return rep.check(label, not problems, detail)


def check_tokenize(rep, cli, name, model_dir, text, expect_ids, source):
    label = f"tokenize {name}"
    try:
        out = cli.json("tokenize", model_dir, text=text)
    except Exception as e:  # noqa: BLE001
        return rep.check(label, False, str(e))
    ok = out.get("ids") == expect_ids and len(out.get("tokens", [])) == len(expect_ids)
    detail = f"{len(expect_ids)} ids match {source}" if ok else \
        f"ids {out.get('ids')[:12]}... vs {source} {expect_ids[:12]}..."
    return rep.check(label, ok, detail)


def check_error(rep, cli, name, model_dir, text, knobs, phrase):
    p = cli.call("run", model_dir, text=text, knobs=knobs)
    err = p.stderr.decode(errors="replace").strip().splitlines()
    last = err[-1] if err else ""
    ok = p.returncode == 2 and phrase in last and not p.stdout.strip()
    return rep.check(f"error {name}", ok, f"exit {p.returncode}, stderr {last!r}")


def reference_ids(texts, use_node):
    """GPT-2 ids from the npm package gpt-3-encoder, or None without node."""
    if not use_node:
        return None
    script = ("const {encode}=require('gpt-3-encoder');let s='';process.stdin.on('data',d=>s+=d);"
              "process.stdin.on('end',()=>{process.stdout.write(JSON.stringify(JSON.parse(s).map(t=>encode(t))))});")
    p = subprocess.run(["node", "-e", script], input=json.dumps(texts).encode(), cwd=ROOT,
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("gpt-3-encoder via node failed: " + p.stderr.decode(errors="replace"))
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help='command prefix, e.g. "build/native/src/cli/headscope" or "node web/cli.mjs"')
    ap.add_argument("--cli-cwd", default=ROOT, help="working directory for the CLI (default: the repository)")
    ap.add_argument("--workdir", default=None, help="where to write checkpoints (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the checkpoints")
    ap.add_argument("--no-node", action="store_true", help="do not check ids against gpt-3-encoder")
    ap.add_argument("--quick", action="store_true", help="the F32 model and the tiny one only")
    a = ap.parse_args()

    t_start = time.time()
    work = a.workdir or tempfile.mkdtemp(prefix="headscope-ref-")
    os.makedirs(work, exist_ok=True)
    cli = Cli(a.cli, a.cli_cwd)
    rep = Report()
    try:
        # checkpoints (odd sizes: dk = 32, 3 layers, 128 positions, GPT-2's real vocab)
        f32 = make_checkpoint(os.path.join(work, "f32"), "--layers", 3, "--heads", 6, "--embd", 192,
                              "--positions", 128, "--seed", 1, "--std", 0.12)
        tok_json = os.path.join(work, "bytes_tokenizer.json")
        write_byte_tokenizer(tok_json)
        tiny = make_checkpoint(os.path.join(work, "tiny"), "--layers", 1, "--heads", 1, "--embd", 12,
                               "--positions", 16, "--vocab", 256, "--seed", 5, "--std", 0.5,
                               "--tokenizer-json", tok_json)
        others = []
        if not a.quick:
            others = [
                ("f16", make_checkpoint(os.path.join(work, "f16"), "--layers", 2, "--heads", 3, "--embd", 96,
                                        "--positions", 64, "--dtype", "F16", "--seed", 2)),
                ("bf16", make_checkpoint(os.path.join(work, "bf16"), "--layers", 2, "--heads", 5, "--embd", 80,
                                         "--positions", 40, "--dtype", "BF16", "--seed", 3)),
                ("prefix+lm_head", make_checkpoint(os.path.join(work, "prefix"), "--layers", 2, "--heads", 4,
                                                   "--embd", 64, "--positions", 32, "--prefix", "transformer.",
                                                   "--untied-lm-head", "--seed", 4)),
            ]
        print(f"checkpoints in {work} ({time.time() - t_start:.1f} s)", flush=True)

        texts = [TEXT_SHORT, TEXT_ONE, TEXT_UNICODE, TEXT_LONG]
        gpt2_ids = reference_ids(texts, not a.no_node)
        if gpt2_ids is None:  # trust the CLI's tokenizer; the model check still uses its ids
            gpt2_ids = [cli.json("tokenize", f32, text=t)["ids"] for t in texts]
            print("NOTE token ids not checked against gpt-3-encoder (--no-node)")
        ids = dict(zip(["short", "one", "unicode", "long"], gpt2_ids))
        text_of = dict(zip(["short", "one", "unicode", "long"], texts))
        long_file = os.path.join(work, "long.txt")
        with open(long_file, "w", encoding="utf-8") as f:
            f.write(TEXT_LONG)

        # --- tokenizer
        if not a.no_node:
            for k in ["short", "unicode", "long"]:
                check_tokenize(rep, cli, f"gpt2 {k}", f32, text_of[k], ids[k], "gpt-3-encoder")
        for k in ["short", "unicode"]:
            check_tokenize(rep, cli, f"bytes {k}", tiny, text_of[k], list(text_of[k].encode("utf-8")), "UTF-8 bytes")

        # --- F32 model, 3 layers x 6 heads
        ref = RefModel(f32)
        m = "f32 3x6"
        check_run(rep, cli, ref, f"{m} short", f32, text=TEXT_SHORT, expect_ids=ids["short"])
        check_run(rep, cli, ref, f"{m} one-token", f32, text=TEXT_ONE, expect_ids=ids["one"])
        check_run(rep, cli, ref, f"{m} unicode", f32, text=TEXT_UNICODE, expect_ids=ids["unicode"])
        check_run(rep, cli, ref, f"{m} long (--text-file, truncated)", f32, text_file=long_file, expect_ids=ids["long"])
        check_run(rep, cli, ref, f"{m} ablate 0.1,2.5 zero", f32, text=TEXT_SHORT, expect_ids=ids["short"],
                  ablate=((0, 1), (2, 5)), ablate_mode="zero")
        check_run(rep, cli, ref, f"{m} ablate 1.0,1.3 mean", f32, text=TEXT_UNICODE, expect_ids=ids["unicode"],
                  ablate=((1, 0), (1, 3)), ablate_mode="mean")
        check_run(rep, cli, ref, f"{m} --no-scale", f32, text=TEXT_SHORT, expect_ids=ids["short"], scale=False)
        check_run(rep, cli, ref, f"{m} --no-causal", f32, text=TEXT_SHORT, expect_ids=ids["short"], causal=False)
        # Unscaled scores are ~sqrt(dk) times larger and the softmax that much more sensitive: over
        # T = 80..128 positions a float32 torch forward is itself ~1e-4 off, so no-scale runs use short texts.
        check_run(rep, cli, ref, f"{m} long ablate mean + no-causal", f32, text=TEXT_LONG,
                  expect_ids=ids["long"], ablate=((0, 0), (2, 3)), ablate_mode="mean", causal=False)
        check_run(rep, cli, ref, f"{m} ablate zero + no-causal + no-scale", f32, text=TEXT_SHORT,
                  expect_ids=ids["short"], ablate=((1, 5),), scale=False, causal=False)
        check_run(rep, cli, ref, f"{m} --temperature 2 (all heads)", f32, text=TEXT_UNICODE,
                  expect_ids=ids["unicode"], temperature=2.0)
        check_run(rep, cli, ref, f"{m} --temperature 0.5 --temperature-head 1.4", f32, text=TEXT_SHORT,
                  expect_ids=ids["short"], temperature=0.5, temperature_head=(1, 4))
        check_score(rep, cli, ref, f"{m} short", f32, TEXT_SHORT, ids["short"])
        check_score(rep, cli, ref, f"{m} unicode", f32, TEXT_UNICODE, ids["unicode"])
        check_score(rep, cli, ref, f"{m} long (truncated)", f32, TEXT_LONG, ids["long"])
        check_score(rep, cli, ref, f"{m} short ablate 1.2 zero + no-causal", f32, TEXT_SHORT, ids["short"],
                    ablate=((1, 2),), causal=False)
        check_error(rep, cli, "ablate 3.0 (absent layer)", f32, TEXT_SHORT, ["--ablate", "3.0"], "does not exist")
        check_error(rep, cli, "ablate 0.6 (absent head)", f32, TEXT_SHORT, ["--ablate", "0.6"], "does not exist")
        check_error(rep, cli, "empty text", f32, "", [], "empty")
        del ref

        # --- F16, BF16, prefix + untied lm_head
        for name, folder in others:
            ref = RefModel(folder)
            m = f"{name} {ref.L}x{ref.H} C{ref.C} P{ref.P}"
            check_run(rep, cli, ref, f"{m} short", folder, text=TEXT_SHORT, expect_ids=ids["short"])
            check_run(rep, cli, ref, f"{m} long (truncated)", folder, text=TEXT_LONG, expect_ids=ids["long"],
                      ablate=((1, 1),), ablate_mode="mean")
            check_score(rep, cli, ref, f"{m} unicode", folder, TEXT_UNICODE, ids["unicode"])
            del ref

        # --- tiny: 1 layer, 1 head, C = 12, 16 positions, byte-level tokenizer.json
        ref = RefModel(tiny)
        m = "tiny 1x1"
        bytes_of = {k: list(text_of[k].encode("utf-8")) for k in text_of}
        check_run(rep, cli, ref, f"{m} short (truncated)", tiny, text=TEXT_SHORT, expect_ids=bytes_of["short"])
        check_run(rep, cli, ref, f"{m} 2 tokens", tiny, text=TEXT_ONE, expect_ids=bytes_of["one"])
        check_run(rep, cli, ref, f"{m} ablate 0.0 zero", tiny, text=TEXT_ONE, expect_ids=bytes_of["one"],
                  ablate=((0, 0),))
        check_run(rep, cli, ref, f"{m} unicode no-causal no-scale", tiny, text=TEXT_UNICODE,
                  expect_ids=bytes_of["unicode"], causal=False, scale=False)
        check_score(rep, cli, ref, f"{m} short (truncated)", tiny, TEXT_SHORT, bytes_of["short"])
        check_score(rep, cli, ref, f"{m} 2 tokens", tiny, TEXT_ONE, bytes_of["one"])
    finally:
        if not a.keep and not a.workdir:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{rep.passed} passed, {rep.failed} failed "
          f"({time.time() - t_start:.1f} s, {cli.calls} CLI calls taking {cli.seconds:.1f} s)")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
