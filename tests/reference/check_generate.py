#!/usr/bin/python3
"""Greedy generation of the CLI (`generate`) against a float64 reference's greedy continuation.

Writes random checkpoints (a GPT-2 and a Llama-style one with grouped keys/values, by
tests/reference/families), runs `CLI generate --max-new N` on them, and continues the same
prompt ids greedily with the float64 forward pass of tests/reference/families/forward.py (a
full run per step, no cache): the generated ids must be the reference's argmax at every step
(a step whose top two reference logits are closer than the CLI's float32 error is reported,
not failed), and each step's `probs` the reference's softmax probability of that token.
Also: a generation stops at the context length and says so; an encoder is refused with an
error naming the masked-token view.

usage: check_generate.py --cli "build/native/src/cli/headscope"
       check_generate.py --cli "node web/cli.mjs"
"""
import argparse
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_gpt2  # noqa: E402  Report, Cli
from families import checkpoint, forward  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROB_TOL = 1e-4
TIE_MARGIN = 1e-3  # reference logits closer than this: float32 may pick either
PROMPT = "the cat sat on"


def reference_greedy(ck, ids, n):
    """n greedy steps of the float64 reference from `ids`: (ids added, their probs, top-2 margins)."""
    ids = list(ids)
    added, probs, margins = [], [], []
    for _ in range(n):
        _, logits = forward.forward(ck, ids)
        top2 = torch.topk(logits, 2).values
        nxt = int(torch.argmax(logits))
        added.append(nxt)
        probs.append(float(torch.softmax(logits, 0)[nxt]))
        margins.append(float(top2[0] - top2[1]))
        ids.append(nxt)
    return added, probs, margins


def check_greedy(rep, cli, family, folder, max_new, **options):
    checkpoint.make(checkpoint.make_args(family, folder, **options))
    ck = forward.Checkpoint(folder)
    p = cli.call("generate", folder, text=PROMPT, knobs=["--max-new", str(max_new)])
    name = f"{family} greedy {max_new} tokens"
    if p.returncode != 0:
        return rep.check(name, False, f"exit {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    out = json.loads(p.stdout)
    n0 = out["prompt_tokens"]
    ids = out["ids"]
    gen = ids[n0:]
    problems = []
    if len(gen) != max_new or len(out["probs"]) != max_new or len(out["tokens"]) != len(ids):
        problems.append(f"{len(gen)} ids / {len(out['probs'])} probs / {len(out['tokens'])} tokens for {max_new}")
    if out["stopped"] != "max_new":
        problems.append(f"stopped {out['stopped']!r}")
    want, want_p, margins = reference_greedy(ck, ids[:n0], max_new)
    ties = []
    for k, (g, w) in enumerate(zip(gen, want)):
        if g != w:
            if margins[k] < TIE_MARGIN:
                ties.append(k)
                break  # the continuations part here; later steps are not comparable
            problems.append(f"step {k}: id {g}, the reference's argmax {w} (margin {margins[k]:.3g})")
            break
    err_p = max((abs(a - b) for a, b in zip(out["probs"], want_p)), default=0.0)
    if not err_p <= PROB_TOL:
        problems.append(f"probs error {err_p:.3g} > {PROB_TOL}")
    detail = f"ids {gen} ref {want} prob_err={err_p:.2e}" + (f" (near tie at step {ties[0]})" if ties else "")
    if problems:
        detail += " | " + "; ".join(problems)
    return rep.check(name, not problems, detail)


def check_context_stop(rep, cli, folder):
    checkpoint.make(checkpoint.make_args("gpt2", folder, positions=12, seed=5))
    out = cli.json("generate", folder, text=PROMPT, knobs=["--max-new", "50"])
    T = len(out["ids"])
    ok = T == 12 and out["stopped"] == "context" and "context length (12 tokens" in out["stopped_because"]
    return rep.check("stops at the context length and says so", ok,
                     f"T={T} stopped={out['stopped']!r} because={out['stopped_because']!r}")


def check_encoder_refused(rep, cli, folder):
    checkpoint.make(checkpoint.make_args("bert", folder, vocab=400))
    p = cli.call("generate", folder, text=PROMPT)
    err = p.stderr.decode(errors="replace")
    ok = p.returncode == 2 and "encoder" in err and "masked-token" in err and not p.stdout.strip()
    return rep.check("an encoder is refused, pointing to the masked-token view", ok, f"exit {p.returncode}: {err.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--cli-cwd", default=ROOT)
    a = ap.parse_args()
    rep = check_gpt2.Report()
    cli = check_gpt2.Cli(a.cli, a.cli_cwd)
    with tempfile.TemporaryDirectory() as work:
        check_greedy(rep, cli, "gpt2", os.path.join(work, "gpt2"), 6, layers=2, heads=4, positions=64, seed=3,
                     std=0.5)
        check_greedy(rep, cli, "llama", os.path.join(work, "llama"), 6, layers=2, heads=4, kv_heads=2, positions=64,
                     seed=4, std=0.5)
        check_context_stop(rep, cli, os.path.join(work, "short"))
        check_encoder_refused(rep, cli, os.path.join(work, "bert"))
    print(f"{rep.passed} passed, {rep.failed} failed")
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
