"""The family matrix: a Headscope CLI against the float64 references.

Owns: the list of cases (odd sizes, grouped and multi-query KV, head_dim not a multiple of 4, partial
rotary, llama3 rope scaling, Qwen2 biases, tied / untied heads, Mistral sliding windows, NeoX parallel /
sequential residual, BERT prefix / legacy names, RoBERTa, DistilBERT, F16 / BF16), the bad-input cases,
and the reference's own cross-checks ("self ..." cases, no CLI needed).

For each case: make the checkpoint, run `CMD run --model DIR --text-file F` for T = 1, a middle T and T
near max_position_embeddings, take the JSON's ids, run the reference on them, and require
max |attention diff| <= 1e-4 and max |logits_last diff| <= 1e-3 (16-bit checkpoints: the reference
reads the same rounded weights back), plus n_layer, n_head, n_kv_head, family, causal.
The logit lens too, at the middle T (and T = 1 for the first case of each family): `CMD lens --model DIR --text-file F --top K` against
softmax(the family's head on the reference's residual stream after each block): each top_probs[l][t][k]
within 1e-4 of the k-th largest reference probability and of the reference probability of the id named,
final_prob the same for final_ids, the last layer's top id the model's own. And its errors: no masked-LM
head, K = 0, K above the vocabulary.

usage: families check --cli "build/native/src/cli/headscope" [--cli-cwd DIR] [--only PATTERN] [--keep DIR]
       (--only: case names containing PATTERN or matching it as a glob; "--only self" runs the reference's
       own checks alone, "--only gpt2" the GPT-2 cases today's CLI must pass, "--only error" the bad inputs)
The GPT-2 CLI of today writes no n_kv_head / family / causal: for gpt2 cases their absence is noted in the
detail, for every other family it is a failure.
Prints `PASS name: detail` / `FAIL name: detail` per case, then `N passed, N failed`; exit 1 on failure.
"""
import argparse
import copy
import fnmatch
import json
import os
import re
import shutil
import tempfile
import time

import numpy as np
import torch

from families import checkpoint, forward
from families.checkpoint import DECODERS, FAMILIES, GROUP

import check_gpt2  # Report, Cli, to_array, max_abs, RefModel (the GPT-2 reference this one is checked against)

ATTN_TOL = check_gpt2.ATTN_TOL
LOGITS_TOL = check_gpt2.LOGITS_TOL
SELF_TOL = 1e-12  # the reference against itself, all float64

PROSE = ("Attention heads look back at earlier tokens; some find the previous one, others the first, "
         "and induction heads complete patterns seen before in the text. ")


class Case:
    """A checkpoint to make (family + make options) and what to expect of the CLI on it."""

    def __init__(self, name, family, may_refuse=None, **options):
        self.name, self.family, self.options = name, family, options
        self.may_refuse = may_refuse  # a phrase: the CLI may refuse the model with an error containing it


MATRIX = [
    Case("gpt2 3x3 C36 F32", "gpt2", layers=3, heads=3, hidden=36, positions=40, vocab=256, seed=1, std=0.12),
    Case("gpt2 prefix untied", "gpt2", layers=2, heads=4, hidden=28, positions=24, vocab=259, prefix="on", tie="off",
         seed=2),
    Case("gpt2 F16", "gpt2", layers=2, heads=3, hidden=30, positions=20, vocab=256, dtype="F16", seed=3),
    Case("gpt2 BF16", "gpt2", layers=2, heads=5, hidden=40, positions=20, vocab=256, dtype="BF16", seed=4),
    Case("llama gqa 6/2 D10 untied", "llama", layers=2, heads=6, kv_heads=2, head_dim=10, intermediate=97,
         positions=40, vocab=301, seed=11),
    Case("llama mqa 5/1 D6 tied, inv_freq buffers", "llama", layers=3, heads=5, kv_heads=1, hidden=30,
         intermediate=61, positions=33, vocab=290, tie="on", extras=True, seed=12),
    Case("llama head_dim 6 != C/H, attention_bias, theta 5e5", "llama", layers=2, heads=4, kv_heads=2, head_dim=6,
         hidden=44, intermediate=75, positions=29, qkv_bias=True, rope_theta=500000.0, seed=13),
    Case("llama rope llama3", "llama", layers=2, heads=6, kv_heads=2, head_dim=10, intermediate=83, positions=48,
         rope_scaling="llama3", rope_factor=8.0, rope_original_positions=64, seed=14),
    Case("llama rope llama3 legacy 'type' key", "llama", layers=1, heads=4, kv_heads=4, head_dim=10,
         positions=36, rope_scaling="llama3", rope_key="type", rope_factor=4.0, rope_high_freq_factor=2.0,
         rope_original_positions=48, seed=15),
    Case("llama old config: no num_key_value_heads, rope_theta, rope_scaling, head_dim", "llama", layers=2,
         heads=3, hidden=30, positions=28, unset=["num_key_value_heads", "rope_theta", "rope_scaling", "attention_bias",
                                                  "mlp_bias", "pretraining_tp"], seed=17),
    Case("llama gqa BF16", "llama", layers=2, heads=6, kv_heads=3, head_dim=6, positions=30, dtype="BF16", seed=16),
    Case("mistral window 4096 > T", "mistral", layers=2, heads=6, kv_heads=2, head_dim=10, hidden=60, positions=40,
         sliding_window=4096, seed=21),
    Case("mistral window 5 < T", "mistral", may_refuse="sliding_window", layers=2, heads=4, kv_heads=2, hidden=40,
         positions=36, sliding_window=5, seed=22),
    Case("mistral F16 window null", "mistral", layers=2, heads=3, kv_heads=1, hidden=42, positions=30, dtype="F16",
         seed=23),
    Case("qwen2 biases 6/2 D10 tied", "qwen2", layers=2, heads=6, kv_heads=2, hidden=60, intermediate=111,
         positions=40, rope_theta=1000000.0, seed=31),
    Case("qwen2 untied 3/3 D14 BF16", "qwen2", layers=2, heads=3, kv_heads=3, hidden=42, positions=26, tie="off",
         dtype="BF16", seed=32),
    Case("gpt_neox parallel rotary 0.25 D10", "gpt_neox", layers=2, heads=5, hidden=50, intermediate=203,
         positions=40, partial_rotary=0.25, residual="parallel", seed=41),
    Case("gpt_neox sequential rotary 0.5 D12 new names extras tied", "gpt_neox", layers=2, heads=3, hidden=36,
         positions=34, partial_rotary=0.5, residual="sequential", neox_new_names=True, extras=True, tie="on",
         seed=42),
    Case("gpt_neox old config: no use_parallel_residual, rotary_emb_base, rope_scaling", "gpt_neox", layers=2,
         heads=2, hidden=32, positions=26, partial_rotary=0.5, unset=["use_parallel_residual", "rotary_emb_base",
                                                                      "rope_scaling"], seed=44),
    Case("gpt_neox parallel F16 full rotary", "gpt_neox", layers=2, heads=2, hidden=20, positions=24,
         partial_rotary=1.0, dtype="F16", rope_theta=1000.0, seed=43),
    Case("bert prefix 6 heads D10 with pooler + NSP head", "bert", layers=2, heads=6, hidden=60, intermediate=101,
         positions=40, extras=True, seed=51),
    Case("bert no prefix, gamma/beta, untied", "bert", layers=2, heads=3, hidden=33, positions=31, prefix="off",
         legacy_ln=True, tie="off", seed=52),
    Case("bert F16 gelu_new", "bert", layers=2, heads=4, hidden=28, positions=24, dtype="F16", act="gelu_new",
         seed=53),
    Case("roberta 4 heads D11 with pooler", "roberta", layers=2, heads=4, hidden=44, positions=42, extras=True,
         seed=61),
    Case("roberta no prefix gamma/beta untied BF16", "roberta", layers=2, heads=2, hidden=26, positions=30,
         prefix="off", legacy_ln=True, tie="off", dtype="BF16", seed=62),
    Case("distilbert 6 heads D9", "distilbert", layers=2, heads=6, hidden=54, intermediate=97, positions=37, seed=71),
    Case("distilbert sinusoidal relu untied F16", "distilbert", layers=2, heads=3, hidden=30, positions=28,
         sinusoidal=True, act="relu", tie="off", dtype="F16", seed=72),
]


class BadCase:
    """A spoiled checkpoint: the CLI must exit 2 with nothing on stdout and every `phrases` entry on stderr
    (a regex each; `shapes` entries match the numbers of a shape in any bracket/separator style)."""

    def __init__(self, name, family, phrases, shapes=(), **options):
        self.name, self.family, self.options = name, family, options
        self.phrases, self.shapes = phrases, shapes


def shape_pattern(shape):
    return r"\D{1,4}".join(str(n) for n in shape)


BAD = [
    BadCase("unknown model_type t5", "llama", ["t5"] + [rf"\b{re.escape(f)}\b" for f in FAMILIES], set=['model_type="t5"']),
    BadCase("missing tensor (llama)", "llama", [re.escape("model.layers.1.self_attn.k_proj.weight"), "llama"],
            layers=2, heads=4, kv_heads=2, drop_tensor="model.layers.1.self_attn.k_proj.weight"),
    BadCase("missing tensor (gpt_neox)", "gpt_neox", [re.escape("gpt_neox.layers.0.attention.query_key_value.weight"),
                                                      "gpt_neox|GPTNeoX|NeoX"],
            drop_tensor="gpt_neox.layers.0.attention.query_key_value.weight"),
    BadCase("missing tensor (bert)", "bert", [re.escape("attention.self.value.weight"), "bert|BERT|Bert"],
            drop_tensor="bert.encoder.layer.1.attention.self.value.weight"),
    BadCase("wrong shape q_proj", "llama", [re.escape("q_proj")], shapes=[(24, 32), (23, 32)],
            heads=4, kv_heads=2, head_dim=6, hidden=32, bad_shape="model.layers.0.self_attn.q_proj.weight"),
    BadCase("unsupported rope_scaling yarn", "llama", ["rope_scaling", "yarn"],
            set=['rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32}']),
    BadCase("unsupported hidden_act laplace", "llama", ["hidden_act", "laplace"], set=['hidden_act="laplace"']),
    BadCase("unsupported distilbert activation laplace", "distilbert", ["activation", "laplace"],
            set=['activation="laplace"']),
]


# ---------------------------------------------------------------- running the CLI on one checkpoint
def text_of_length(n):
    return (PROSE * (n // len(PROSE) + 1))[:n]


def token_counts(cfg):
    """The text lengths to run: 1, a middle one, and two short of the positions (room for special tokens)."""
    top = forward.max_tokens(cfg)
    return [1, max(2, top // 2 - 1), top - 2]


def check_meta(out, ck, case_family, problems):
    c = ck.cfg
    L = c.get("num_hidden_layers", c.get("n_layer", c.get("n_layers")))
    H = c.get("num_attention_heads", c.get("n_head", c.get("n_heads")))
    G = c.get("num_key_value_heads") or H
    want = {"n_layer": L, "n_head": H, "n_kv_head": G, "causal": case_family in DECODERS}
    absent = []
    for key, value in want.items():
        if key not in out:
            absent.append(key)
        elif out[key] != value:
            problems.append(f"{key} {out[key]!r} != {value!r}")
    if "family" not in out:
        absent.append("family")
    elif out["family"] not in (case_family, GROUP[case_family]):
        problems.append(f"family {out['family']!r} is neither {case_family!r} nor {GROUP[case_family]!r}")
    # the GPT-2 CLI of today predates n_kv_head / family / causal: their absence is noted, not failed
    if absent and case_family != "gpt2":
        problems.append("JSON lacks " + ", ".join(absent))
    return absent


def refused(rep, label, case, p):
    """None when the CLI call `p` succeeded; else the check it gives (a refusal the case allows passes)."""
    if p.returncode == 0:
        return None
    err = p.stderr.decode(errors="replace").strip()
    if case.may_refuse and p.returncode == 2 and case.may_refuse in err:
        return rep.check(label, True, f"refused as allowed: {err.splitlines()[-1] if err else ''}")
    return rep.check(label, False, f"exit {p.returncode}: {err}")


def run_one(rep, cli, ck, case, folder, n_bytes, work):
    label = f"{case.name} ({n_bytes} byte{'s' if n_bytes > 1 else ''})"
    text_file = os.path.join(work, f"text{n_bytes}.txt")
    with open(text_file, "w", encoding="utf-8") as f:
        f.write(text_of_length(n_bytes))
    p = cli.call("run", folder, text_file=text_file)
    if p.returncode != 0:
        return refused(rep, label, case, p)
    try:
        out = json.loads(p.stdout)
    except ValueError as e:
        return rep.check(label, False, f"stdout is not JSON: {e}")
    problems = []
    ids = out.get("ids", [])
    T, V = len(ids), ck.cfg["vocab_size"]
    if T == 0 or T > forward.max_tokens(ck.cfg) or any(not isinstance(i, int) or not 0 <= i < V for i in ids):
        return rep.check(label, False, f"bad ids (T={T}, vocab {V}, positions for {forward.max_tokens(ck.cfg)})")
    if len(out.get("tokens", [])) != T:
        problems.append(f"{len(out.get('tokens', []))} tokens for {T} ids")
    absent = check_meta(out, ck, case.family, problems)
    try:
        attn_ref, logits_ref = forward.forward(ck, ids)
    except (ValueError, KeyError) as e:
        return rep.check(label, False, f"the reference cannot run this checkpoint: {e!r}")
    try:
        attn, logits = check_gpt2.to_array(out["attention"]), check_gpt2.to_array(out["logits_last"])
    except (KeyError, ValueError) as e:
        return rep.check(label, False, f"attention / logits_last unreadable: {e}")
    ea = check_gpt2.max_abs(attn, attn_ref.numpy())
    el = check_gpt2.max_abs(logits, logits_ref.numpy())
    if not ea <= ATTN_TOL:
        problems.append(f"attention error {ea:.3g} > {ATTN_TOL}" +
                        (f" (shape {attn.shape} vs {tuple(attn_ref.shape)})" if attn.shape != tuple(attn_ref.shape) else ""))
    if not el <= LOGITS_TOL:
        problems.append(f"logits_last error {el:.3g} > {LOGITS_TOL}" +
                        (f" (shape {logits.shape} vs {tuple(logits_ref.shape)})" if logits.shape != tuple(logits_ref.shape) else ""))
    detail = f"T={T} attn_err={ea:.2e} logits_err={el:.2e}"
    if absent and case.family == "gpt2":
        detail += f" (note: JSON has no {', '.join(absent)})"
    if problems:
        detail += " | " + "; ".join(problems)
    return rep.check(label, not problems, detail)


LENS_TOP = 3


def run_lens(rep, cli, ck, case, folder, n_bytes, work):
    """The CLI's logit lens against the reference's, on the text of run_one."""
    label = f"lens {case.name} ({n_bytes} byte{'s' if n_bytes > 1 else ''})"
    text_file = os.path.join(work, f"text{n_bytes}.txt")
    p = cli.call("lens", folder, text_file=text_file, knobs=["--top", str(LENS_TOP)])
    if p.returncode != 0:
        return refused(rep, label, case, p)
    try:
        out = json.loads(p.stdout)
        ids = out["ids"]
        top_ids, top_probs = np.array(out["top_ids"]), np.array(out["top_probs"], dtype=np.float64)
        final_ids, final_prob = np.array(out["final_ids"]), np.array(out["final_prob"], dtype=np.float64)
    except (ValueError, KeyError) as e:
        return rep.check(label, False, f"lens JSON unreadable: {e!r}")
    probs, logits = forward.lens(ck, ids)  # [L, T, V], [V]
    probs = probs.numpy()
    L, T, V = probs.shape
    want = (L, T, LENS_TOP)
    if top_ids.shape != want or top_probs.shape != want or final_ids.shape != (T,) or final_prob.shape != (L, T):
        return rep.check(label, False, f"shapes {top_ids.shape} {top_probs.shape} {final_ids.shape} {final_prob.shape}, "
                                       f"want {want} and ({L}, {T})")
    if top_ids.min() < 0 or top_ids.max() >= V or final_ids.min() < 0 or final_ids.max() >= V:
        return rep.check(label, False, "ids outside the vocabulary")
    problems = []
    sorted_ref = -np.sort(-probs, axis=-1)[..., :LENS_TOP]
    of_named = np.take_along_axis(probs, top_ids, axis=-1)
    of_final = np.take_along_axis(probs, np.broadcast_to(final_ids[None, :, None], (L, T, 1)), axis=-1)[..., 0]
    e_sorted = float(np.abs(top_probs - sorted_ref).max())
    e_named = float(np.abs(top_probs - of_named).max())
    e_final = float(np.abs(final_prob - of_final).max())
    for name, err in (("top_probs vs the reference's largest", e_sorted), ("top_probs vs the ids named", e_named),
                      ("final_prob", e_final)):
        if not err <= ATTN_TOL:
            problems.append(f"{name}: error {err:.3g} > {ATTN_TOL}")
    if not (final_ids == top_ids[-1, :, 0]).all():
        problems.append("final_ids are not the last layer's top ids")
    # the reference's own last layer is its forward's prediction
    own = torch.softmax(logits, dim=-1).numpy()
    if float(np.abs(own - probs[-1, -1]).max()) > SELF_TOL:
        problems.append("reference: the last layer's lens differs from its own logits")
    detail = f"T={T} L={L} err={max(e_sorted, e_named, e_final):.2e}"
    if problems:
        detail += " | " + "; ".join(problems)
    return rep.check(label, not problems, detail)


def run_case(rep, cli, case, work, lens_families):
    """lens_families: the families whose lens at T = 1 was checked already (once per family is enough;
    every case checks it at the middle T)."""
    folder = os.path.join(work, slug(case.name))
    checkpoint.make(checkpoint.make_args(case.family, folder, **case.options))
    ck = forward.Checkpoint(folder)
    for i, n in enumerate(token_counts(ck.cfg)):
        run_one(rep, cli, ck, case, folder, n, work)
        if i == 1 or (i == 0 and case.family not in lens_families):
            run_lens(rep, cli, ck, case, folder, n, work)
    lens_families.add(case.family)


BERT_HEAD = ["cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
             "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
             "cls.predictions.bias"]


def lens_errors(rep, cli, work):
    """`lens` refuses what it cannot do: exit 2, nothing on stdout, stderr naming the reason."""
    text_file = os.path.join(work, "text8.txt")
    with open(text_file, "w", encoding="utf-8") as f:
        f.write(text_of_length(8))
    nohead = os.path.join(work, "lens-bert-nohead")
    checkpoint.make(checkpoint.make_args("bert", nohead, layers=2, heads=4, drop_tensor=BERT_HEAD))
    plain = os.path.join(work, "lens-gpt2")
    checkpoint.make(checkpoint.make_args("gpt2", plain, layers=2, heads=2, hidden=16, vocab=256, seed=5))
    cases = [("error lens: no masked-LM head", nohead, ["--top", "3"], "no masked-LM head"),
             ("error lens: --top 0", plain, ["--top", "0"], "--top must be a positive integer"),
             ("error lens: --top above the vocabulary", plain, ["--top", "257"], "vocabulary size 256")]
    for name, folder, knobs, phrase in cases:
        p = cli.call("lens", folder, text_file=text_file, knobs=knobs)
        err = p.stderr.decode(errors="replace").strip()
        ok = p.returncode == 2 and not p.stdout.strip() and phrase in err
        rep.check(name, ok, f"exit {p.returncode}, stderr {err!r}")


def run_bad(rep, cli, case, work):
    folder = os.path.join(work, "bad-" + slug(case.name))
    checkpoint.make(checkpoint.make_args(case.family, folder, **case.options))
    text_file = os.path.join(work, "text8.txt")
    with open(text_file, "w", encoding="utf-8") as f:
        f.write(text_of_length(8))
    p = cli.call("run", folder, text_file=text_file)
    err = p.stderr.decode(errors="replace").strip()
    missing = [ph for ph in case.phrases if not re.search(ph, err)]
    missing += [str(list(s)) for s in case.shapes if not re.search(shape_pattern(s), err)]
    ok = p.returncode == 2 and not p.stdout.strip() and not missing
    detail = f"exit {p.returncode}, stderr {err!r}" + (f" | stderr lacks {missing}" if missing else "")
    return rep.check(f"error {case.name}", ok, detail)


def slug(name):
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


# ---------------------------------------------------------------- the reference against itself
def self_checks(rep, work):
    """The Llama reference cross-checked: grouping == expanded MHA, rotary identity at 0 and relative,
    prefix runs, llama3 factor 1 == none, window >= T == none; the GPT-2 reference == check_gpt2's."""
    folder = os.path.join(work, "ref-llama-gqa")
    checkpoint.make(checkpoint.make_args("llama", folder, layers=2, heads=6, kv_heads=2, head_dim=10,
                                         positions=40, seed=91))
    gqa = forward.Checkpoint(folder)
    ids = [int(i) for i in np.random.default_rng(0).integers(0, gqa.cfg["vocab_size"], size=23)]
    a_gqa, l_gqa = forward.forward(gqa, ids)

    mha = copy.deepcopy(gqa)
    H, G, D = 6, 2, 10
    for name in list(mha.w):
        if name.endswith(("k_proj.weight", "v_proj.weight")):
            W = mha.w[name].reshape(G, D, -1)
            mha.w[name] = W.repeat_interleave(H // G, dim=0).reshape(H * D, -1)
    mha.cfg["num_key_value_heads"] = H
    a_mha, l_mha = forward.forward(mha, ids)
    same(rep, "self llama gqa 6/2 == mha with k/v heads repeated", (a_gqa, l_gqa), (a_mha, l_mha))

    torch.manual_seed(0)
    x = torch.randn(3, 1, 10)
    inv = forward.rotary_inv_freq(10000.0, 10)
    same(rep, "self rotary at position 0 is identity", forward.apply_rotary(x, torch.tensor([0]), inv), x)
    q, k = torch.randn(1, 1, 10), torch.randn(1, 1, 10)
    dot = lambda m, n: float((forward.apply_rotary(q, torch.tensor([m]), inv) *  # noqa: E731
                              forward.apply_rotary(k, torch.tensor([n]), inv)).sum())
    rep.check("self rotary q.k depends on m - n only", abs(dot(7, 3) - dot(19, 15)) < 1e-10 and
              abs(dot(7, 3) - dot(3, 7)) > 1e-6, f"{dot(7, 3):.12f} {dot(19, 15):.12f} {dot(3, 7):.12f}")
    partial = forward.apply_rotary(x, torch.tensor([5]), forward.rotary_inv_freq(10000.0, 4))
    same(rep, "self partial rotary passes dims past rotary_ndims", partial[..., 4:], x[..., 4:])

    a_short, _ = forward.forward(gqa, ids[:9])
    same(rep, "self llama 9-token run == first rows of the 23-token run", a_short, a_gqa[:, :, :9, :9])

    inv = forward.rotary_inv_freq(10000.0, 10)
    one = {"rope_type": "llama3", "factor": 1.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
           "original_max_position_embeddings": 64}
    same(rep, "self llama3 factor 1 == unscaled", forward.rotary_inv_freq(10000.0, 10, one), inv)
    eight = dict(one, factor=8.0)
    scaled = forward.rotary_inv_freq(10000.0, 10, eight)
    wavelen = 2 * np.pi / inv.numpy()  # 6.3, 39.7, 251, 1585, 9995 against bands 16 and 64
    rep.check("self llama3 bands: short kept, long / factor, middle between",
              bool(np.isclose(scaled[0], inv[0]) and np.allclose(scaled[2:], inv[2:] / 8) and
                   inv[1] / 8 < scaled[1] < inv[1]), f"wavelengths {np.round(wavelen, 1).tolist()}")

    windowed = copy.deepcopy(gqa)
    windowed.family = windowed.cfg["model_type"] = "mistral"
    windowed.cfg["sliding_window"] = 23
    same(rep, "self mistral window == T is no window", forward.forward(windowed, ids), (a_gqa, l_gqa))
    windowed.cfg["sliding_window"] = 4
    a_win, _ = forward.forward(windowed, ids)
    band = bool((a_win[:, :, 10, :7] == 0).all() and (a_win[:, :, 10, 7:11] > 0).all())
    rep.check("self mistral window 4: row 10 sees keys 7..10 only", band, f"row 10 nonzero at "
              f"{torch.nonzero(a_win[0, 0, 10]).flatten().tolist()}")

    folder = os.path.join(work, "ref-gpt2")
    checkpoint.make(checkpoint.make_args("gpt2", folder, layers=2, heads=3, hidden=36, positions=30, vocab=256,
                                         prefix="on", tie="off", seed=92))
    ids = [i % 256 for i in ids[:17]]
    theirs = check_gpt2.RefModel(folder).forward(ids)
    a_ours, l_ours = forward.forward(forward.Checkpoint(folder), ids)
    same(rep, "self gpt2 == check_gpt2.RefModel", (a_ours, l_ours), (theirs[0], theirs[1][-1]))


def family_sanity(rep, work):
    """Every matrix checkpoint through its reference: shapes [L, H, T, T] and [V], rows summing to 1,
    nothing above the diagonal for decoders, everything positive for encoders, finite logits."""
    for case in MATRIX:
        folder = os.path.join(work, "self-" + slug(case.name))
        checkpoint.make(checkpoint.make_args(case.family, folder, **case.options))
        ck = forward.Checkpoint(folder)
        c = ck.cfg
        T = forward.max_tokens(c)
        ids = [int(i) for i in np.random.default_rng(1).integers(0, c["vocab_size"], size=T)]
        if ck.family == "roberta":  # a pad token in the middle: its position is padding_idx, the rest count on
            ids[T // 2] = c["pad_token_id"]
        try:
            attn, logits = forward.forward(ck, ids)
        except (ValueError, KeyError) as e:
            rep.check(f"self {case.name}: reference runs", False, repr(e))
            continue
        L, H = attn.shape[0], attn.shape[1]
        above = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        causal = case.family in DECODERS
        ok = (attn.shape == (L, H, T, T) and logits.shape == (c["vocab_size"],) and
              bool(torch.isfinite(logits).all()) and float((attn.sum(-1) - 1).abs().max()) < 1e-12 and
              (bool((attn[..., above] == 0).all()) if causal else bool((attn > 0).all())))
        rep.check(f"self {case.name}: reference sane at T={T}", ok,
                  f"attention {tuple(attn.shape)} logits {tuple(logits.shape)} causal={causal}")


def bert_layer_against_torch(rep, work):
    """A BERT encoder layer == torch.nn.TransformerEncoderLayer (post-LN) loaded with the same weights."""
    folder = os.path.join(work, "self-bert-torch")
    checkpoint.make(checkpoint.make_args("bert", folder, layers=1, heads=6, hidden=60, intermediate=101,
                                         positions=40, seed=93))
    ck = forward.Checkpoint(folder)
    w, c, p = ck.w, ck.cfg, "bert.encoder.layer.0."
    e = "bert.embeddings."
    ids = torch.tensor([5, 17, 200, 33, 9, 120, 64, 8, 250, 71, 2])
    T = len(ids)
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][:T] + \
        w[e + "token_type_embeddings.weight"][0]
    x = forward.layer_norm(x, w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"], c["layer_norm_eps"])
    layer = torch.nn.TransformerEncoderLayer(60, 6, 101, dropout=0.0, activation="gelu",
                                             layer_norm_eps=c["layer_norm_eps"], batch_first=True, norm_first=False)
    names = {"self_attn.out_proj": "attention.output.dense", "linear1": "intermediate.dense",
             "linear2": "output.dense", "norm1": "attention.output.LayerNorm", "norm2": "output.LayerNorm"}
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(torch.cat([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]))
        layer.self_attn.in_proj_bias.copy_(torch.cat([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]))
        for theirs, ours in names.items():
            module = layer.get_submodule(theirs)
            module.weight.copy_(w[p + ours + ".weight"])
            module.bias.copy_(w[p + ours + ".bias"])
        layer.eval()
        y_torch = layer(x[None])[0]
        _, probs_torch = layer.self_attn(x[None], x[None], x[None], need_weights=True, average_attn_weights=False)
        probs, y = forward.post_ln_encoder(x, w, "bert.encoder.layer.", forward.BERT_LAYER, 1, 6,
                                           c["layer_norm_eps"], forward.gelu_exact)
    # torch's fused kernels run in float64 too, but sum in another order: 1e-12 is far below the CLI's 1e-4
    same(rep, "self bert layer == torch.nn.TransformerEncoderLayer", (probs[0], y), (probs_torch[0], y_torch))


def renamed_checkpoint(ck, family, cfg, rename):
    """A copy of a reference checkpoint as another family: config replaced, tensors renamed / rebuilt
    by rename(name, tensor) -> [(new name, tensor)]."""
    other = copy.copy(ck)
    other.family, other.cfg = family, cfg
    other.w = dict(pair for name, t in ck.w.items() for pair in rename(name, t))
    return other


def encoders_against_each_other(rep, work):
    """RoBERTa == BERT whose position table starts at padding_idx + 1 (ids without pad)."""
    folder = os.path.join(work, "self-roberta-as-bert")
    checkpoint.make(checkpoint.make_args("roberta", folder, layers=2, heads=4, hidden=44, positions=42, seed=94))
    rob = forward.Checkpoint(folder)
    offset = rob.cfg["pad_token_id"] + 1
    heads = {"lm_head.dense": "cls.predictions.transform.dense", "lm_head.layer_norm": "cls.predictions.transform.LayerNorm",
             "lm_head.bias": "cls.predictions.bias"}

    def as_bert(name, t):
        if name.endswith("position_embeddings.weight"):
            t = t[offset:]
        for theirs, ours in heads.items():
            if name.startswith(theirs):
                return [(ours + name[len(theirs):], t)]
        return [(name.replace("roberta.", "bert.", 1), t)]

    cfg = dict(rob.cfg, model_type="bert", pad_token_id=0)
    bert = renamed_checkpoint(rob, "bert", cfg, as_bert)
    ids = [int(i) for i in np.random.default_rng(2).integers(4, 250, size=40)]
    same(rep, "self roberta == bert with positions shifted by padding_idx + 1", forward.forward(rob, ids),
         forward.forward(bert, ids))


def neox_against_gpt2(rep, work):
    """GPT-NeoX with no rotary dims, sequential residual and gelu_new == the GPT-2 reference with zero position
    embeddings, once the per-head fused q|k|v rows are regrouped into GPT-2's [q | k | v] columns."""
    folder = os.path.join(work, "self-neox-as-gpt2")
    checkpoint.make(checkpoint.make_args("gpt_neox", folder, layers=2, heads=3, hidden=36, positions=30,
                                         partial_rotary=0.0, residual="sequential", act="gelu_new", seed=95))
    neox = forward.Checkpoint(folder)
    c = neox.cfg
    H, C = c["num_attention_heads"], c["hidden_size"]
    D = C // H
    parts = {"input_layernorm": "ln_1", "post_attention_layernorm": "ln_2", "attention.dense": "attn.c_proj",
             "mlp.dense_h_to_4h": "mlp.c_fc", "mlp.dense_4h_to_h": "mlp.c_proj"}

    def as_gpt2(name, t):
        if name == "gpt_neox.embed_in.weight":
            return [("transformer.wte.weight", t), ("transformer.wpe.weight", torch.zeros(c["max_position_embeddings"], C))]
        if name == "embed_out.weight":
            return [("lm_head.weight", t)]
        if name.startswith("gpt_neox.final_layer_norm"):
            return [(name.replace("gpt_neox.final_layer_norm", "transformer.ln_f"), t)]
        layer, rest = name[len("gpt_neox.layers."):].split(".", 1)
        p = f"transformer.h.{layer}."
        if rest.startswith("attention.query_key_value"):  # [H, 3, D, ...] -> [3, H, D, ...]
            t = t.reshape(H, 3, D, -1).transpose(0, 1).reshape(3 * C, -1).squeeze(-1)
            return [(p + "attn.c_attn" + rest[len("attention.query_key_value"):], t.T if t.dim() == 2 else t)]
        for theirs, ours in parts.items():
            if rest.startswith(theirs):
                suffix = rest[len(theirs):]
                linear = suffix == ".weight" and not theirs.endswith("layernorm")
                return [(p + ours + suffix, t.T if linear else t)]
        raise KeyError(name)

    cfg = {"model_type": "gpt2", "n_layer": c["num_hidden_layers"], "n_head": H, "layer_norm_epsilon": c["layer_norm_eps"],
           "activation_function": "gelu_new", "tie_word_embeddings": False}
    gpt2 = renamed_checkpoint(neox, "gpt2", cfg, as_gpt2)
    ids = [int(i) for i in np.random.default_rng(3).integers(0, 300, size=30)]
    same(rep, "self gpt_neox (no rotary, sequential) == gpt2 with per-head q|k|v regrouped", forward.forward(neox, ids),
         forward.forward(gpt2, ids))


def same(rep, name, got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    err = max(float((g - w).abs().max()) if g.shape == w.shape else float("inf") for g, w in zip(got, want))
    return rep.check(name, err <= SELF_TOL, f"max diff {err:.2e}")


# ---------------------------------------------------------------- main
def main(argv):
    ap = argparse.ArgumentParser(prog="families check", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help='command prefix, e.g. "build/native/src/cli/headscope"')
    ap.add_argument("--cli-cwd", default=checkpoint.REFERENCE_DIR + "/../..", help="the CLI's working directory")
    ap.add_argument("--only", default=None, help="run the cases whose name contains PATTERN (or matches it as a glob)")
    ap.add_argument("--keep", default=None, metavar="DIR", help="write the checkpoints to DIR and keep them")
    a = ap.parse_args(argv)
    chosen = lambda name: a.only is None or a.only in name or fnmatch.fnmatch(name, a.only)  # noqa: E731

    t0 = time.time()
    work = a.keep or tempfile.mkdtemp(prefix="headscope-families-")
    os.makedirs(work, exist_ok=True)
    cli = check_gpt2.Cli(a.cli, os.path.abspath(a.cli_cwd))
    rep = check_gpt2.Report()
    try:
        if chosen("self ") or (a.only or "").startswith("self"):  # the reference's own checks, as one group
            self_checks(rep, work)
            bert_layer_against_torch(rep, work)
            encoders_against_each_other(rep, work)
            neox_against_gpt2(rep, work)
            family_sanity(rep, work)
        lens_families = set()
        for case in MATRIX:
            if chosen(case.name):
                run_case(rep, cli, case, work, lens_families)
        for case in BAD:
            if chosen("error " + case.name):
                run_bad(rep, cli, case, work)
        if chosen("error lens"):
            lens_errors(rep, cli, work)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{rep.passed} passed, {rep.failed} failed ({time.time() - t0:.1f} s, {cli.calls} CLI calls)")
    return 1 if rep.failed or rep.passed == 0 else 0
