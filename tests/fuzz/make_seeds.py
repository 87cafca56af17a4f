#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

Each seed is a malformed (or valid) file from issue 8's list; seed names start
with "seed-" so that inputs libFuzzer adds later (named by their SHA-1) are told
apart. Re-running rewrites the seeds and leaves the fuzzer's additions alone.
Standard library only.  Usage: python3 tests/fuzz/make_seeds.py
"""
import json
import math
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------- safetensors

def le64(n):
    return struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF)


def raw(header, data=b""):
    if isinstance(header, str):
        header = header.encode("utf-8")
    return le64(len(header)) + header + data


def values(n, seed, offset=0.0):
    s = (seed * 2654435761 + 12345) & 0xFFFFFFFF
    out = []
    for _ in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append(offset + (((s >> 16) % 64) - 32) / 64.0)
    return out


def encode(vals, dtype):
    if dtype == "F32":
        return struct.pack("<%df" % len(vals), *vals)
    if dtype == "F16":
        return struct.pack("<%de" % len(vals), *vals)
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in vals)
    raise ValueError(dtype)


def build(tensors, align=0, metadata='{"format":"pt"}'):
    """tensors: [(name, dtype, shape, bytes)] laid out in order."""
    parts = []
    if metadata is not None:
        parts.append('"__metadata__":' + metadata)
    data = b""
    for name, dtype, shape, b in tensors:
        parts.append(json.dumps(name) + ':{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}'
                     % (dtype, json.dumps(shape).replace(" ", ""), len(data), len(data) + len(b)))
        data += b
    header = "{" + ",".join(parts) + "}"
    while (8 + len(header)) % 8 != align:
        header += " "
    return raw(header, data)


def gpt2_tensors(dtype="F32", L=1, C=4, P=8, V=256, prefix=""):
    F = 4 * C
    out = []
    seed = [1]

    def add(name, shape, offset=0.0):
        n = 1
        for d in shape:
            n *= d
        out.append((prefix + name, dtype, shape, encode(values(n, seed[0], offset), dtype)))
        seed[0] += 1

    add("wte.weight", [V, C])
    add("wpe.weight", [P, C])
    for l in range(L):
        p = "h.%d." % l
        add(p + "ln_1.weight", [C], 1.0)
        add(p + "ln_1.bias", [C])
        add(p + "attn.c_attn.weight", [C, 3 * C])
        add(p + "attn.c_attn.bias", [3 * C])
        add(p + "attn.c_proj.weight", [C, C])
        add(p + "attn.c_proj.bias", [C])
        add(p + "ln_2.weight", [C], 1.0)
        add(p + "ln_2.bias", [C])
        add(p + "mlp.c_fc.weight", [C, F])
        add(p + "mlp.c_fc.bias", [F])
        add(p + "mlp.c_proj.weight", [F, C])
        add(p + "mlp.c_proj.bias", [C])
    add("ln_f.weight", [C], 1.0)
    add("ln_f.bias", [C])
    return out


def safetensors_seeds():
    f4 = encode([0.5, -1.0, 2.0, 0.25], "F32")
    small = [("a", "F32", [2, 2], f4), ("b", "F16", [3], encode([1.0, -2.0, 0.5], "F16")),
             ("c", "BF16", [1], encode([3.0], "BF16"))]
    s = {}
    # valid small files
    s["valid-small"] = build(small)
    s["valid-small-unaligned"] = build(small, align=3)
    s["valid-no-metadata"] = build(small[:1], metadata=None)
    s["valid-empty-object"] = raw("{}")
    s["valid-scalar"] = build([("s", "F32", [], f4[:4])])
    s["valid-zero-size"] = build([("z", "F32", [0, 5], b""), ("a", "F32", [2, 2], f4)])
    s["valid-int-dtypes"] = build([("i", "I64", [1], le64(7)), ("u", "U8", [2], b"\x01\x02"),
                                   ("b", "BOOL", [1], b"\x01"), ("e", "F8_E4M3", [1], b"\x3c")])
    s["valid-nan-inf"] = build([("n", "F32", [4], struct.pack("<4f", math.nan, math.inf, -math.inf, 0.0)),
                                ("h", "F16", [3], b"\x00\x7e\x00\x7c\x00\xfc")])
    s["valid-file-order-not-offset-order"] = raw(
        '{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        f4[:8])
    # file too short / header length
    for n in range(8):
        s["short-%d" % n] = b"\x02" * n
    s["header-len-over-limit"] = le64(100000001) + b"{}"
    s["header-len-huge"] = le64(2 ** 64 - 1) + b"{}"
    s["header-len-past-end"] = le64(100) + b"{}"
    s["header-len-zero"] = le64(0)
    # header content
    s["header-not-utf8"] = raw(b'{"a\xff":{}}')
    s["header-overlong-utf8"] = raw(b'{"\xc0\xaf":{}}')
    s["header-surrogate-utf8"] = raw(b'{"\xed\xa0\x80":{}}')
    s["header-not-json"] = raw("hello")
    s["header-truncated-json"] = raw('{"a":{"dtype":"F32"')
    s["header-array"] = raw("[]")
    s["header-string"] = raw('"x"')
    s["header-null"] = raw("null")
    s["header-deep"] = raw('{"__metadata__":' + "[" * 10 + "]" * 10 + "}")
    s["header-deep-objects"] = raw('{"a":{"b":{"c":{"d":{"e":{}}}}}}')
    s["header-nul-padded"] = raw('{}' + "\0" * 6)
    s["header-trailing-garbage"] = raw('{} x')
    # entries
    s["entry-not-object"] = raw('{"a":1}')
    s["entry-no-dtype"] = raw('{"a":{"shape":[],"data_offsets":[0,0]}}')
    s["entry-dtype-number"] = raw('{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["unknown-dtype"] = raw('{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["unknown-dtype-lower"] = raw('{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["shape-not-array"] = raw('{"a":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}', f4[:4])
    s["shape-float"] = raw('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', f4[:4])
    s["shape-exp"] = raw('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', f4[:4])
    s["shape-negative"] = raw('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f4[:4])
    s["shape-negative-pair"] = raw('{"a":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}}', f4)
    s["shape-string"] = raw('{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}', f4[:4])
    s["shape-huge-int"] = raw('{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}', f4[:4])
    s["shape-overflow-64"] = raw('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', f4[:4])
    s["shape-overflow-bytes"] = raw('{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}', f4[:8])
    s["shape-zero-then-huge"] = raw('{"a":{"dtype":"F32","shape":[0,9223372036854775807,9223372036854775807],"data_offsets":[0,0]}}')
    s["offsets-not-array"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":0}}', f4[:4])
    s["offsets-three"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', f4[:8])
    s["offsets-float"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', f4[:4])
    s["offsets-negative"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', f4[:4])
    s["offsets-end-before-begin"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', f4[:4])
    s["offsets-first-begin-not-0"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f4[:8])
    s["offsets-gap"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                           '"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f4[:12])
    s["offsets-overlap"] = raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                               '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f4[:12])
    s["offsets-same-range"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                  '"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["offsets-past-end"] = raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', f4[:8])
    s["offsets-int64-max"] = raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775806,9223372036854775807]}}', b"x")
    s["bytes-not-numel-x-size"] = raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', f4[:4])
    s["bytes-f16-as-f32-size"] = raw('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}', f4[:8])
    s["trailing-bytes"] = build(small) + b"\0\0\0\0"
    s["missing-bytes"] = build(small)[:-2]
    s["duplicate-name"] = raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                              '"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f4[:8])
    s["duplicate-metadata"] = raw('{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"}}')
    s["metadata-number"] = raw('{"__metadata__":{"format":1}}')
    s["metadata-null"] = raw('{"__metadata__":{"format":null}}')
    s["metadata-nested"] = raw('{"__metadata__":{"format":{"x":"y"}}}')
    s["metadata-not-object"] = raw('{"__metadata__":"pt"}')
    s["name-newline"] = raw('{"a\\nb":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["name-newline-bad-dtype"] = raw('{"a\\nb":{"dtype":"X\\ny","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["metadata-key-newline"] = raw('{"__metadata__":{"k\\r\\n":1}}')
    s["name-escapes"] = raw('{"\\u00e9\\ud83d\\ude00\\t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    s["name-unpaired-surrogate"] = raw('{"\\ud83d":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f4[:4])
    return s


def model_seeds():
    s = {}
    s["valid-model-f32"] = build(gpt2_tensors("F32"))
    s["valid-model-f16-unaligned"] = build(gpt2_tensors("F16"), align=3)
    s["valid-model-bf16"] = build(gpt2_tensors("BF16"), align=1)
    s["valid-model-transformer-prefix"] = build(gpt2_tensors("F16", prefix="transformer."))
    t = gpt2_tensors("F16")
    t.append(("lm_head.weight", "F16", [256, 4], t[0][3]))
    s["valid-model-lm-head-tied"] = build(t)
    t = gpt2_tensors("F16")
    t.append(("h.0.attn.bias", "F32", [1, 1, 8, 8], encode([1.0] * 64, "F32")))
    s["valid-model-old-mask-buffer"] = build(t)
    t = gpt2_tensors("F16")
    t[1] = (t[1][0], "F16", t[1][2], b"\x00\x7e" + t[1][3][2:])  # NaN in wpe
    s["valid-model-nan-weight"] = build(t)
    t = gpt2_tensors("F16")
    t[2] = (t[2][0], "F16", t[2][2], b"\x00\x7c" + t[2][3][2:])  # Inf in ln_1.weight
    s["valid-model-inf-weight"] = build(t)
    t = gpt2_tensors("F16")
    s["model-missing-tensor"] = build(t[:-1])
    t = gpt2_tensors("F16")
    t[0] = (t[0][0], "F16", [4, 256], t[0][3])
    s["model-wrong-shape"] = build(t)
    t = gpt2_tensors("F16")
    t[3] = (t[3][0], "I16", t[3][2], t[3][3])
    s["model-int-dtype"] = build(t)
    return s


# ------------------------------------------------------------------ config

GPT2_CONFIG = {
    "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
    "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
    "n_inner": None, "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "scale_attn_weights": True,
    "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
    "summary_type": "cls_index", "summary_use_proj": True, "vocab_size": 50257,
}


def config_seeds():
    s = {}
    s["valid-gpt2"] = json.dumps(GPT2_CONFIG, indent=2)
    tiny = '{"model_type":"gpt2","n_layer":1,"n_head":2,"n_embd":4,"n_positions":8,"vocab_size":256}'
    s["valid-tiny"] = tiny
    s["valid-aliases"] = '{"num_hidden_layers":2,"num_attention_heads":2,"hidden_size":8,"max_position_embeddings":16,"vocab_size":300,"n_inner":32}'
    s["valid-n-ctx-alias"] = '{"n_layer":1,"n_head":1,"n_embd":4,"n_ctx":8,"vocab_size":256,"activation_function":"relu","scale_attn_weights":false}'
    s["valid-gelu-erf"] = tiny[:-1] + ',"activation_function":"gelu","layer_norm_epsilon":1}'
    for field in ["n_layer", "n_head", "n_embd", "n_positions", "vocab_size"]:
        c = json.loads(tiny)
        del c[field]
        s["missing-" + field] = json.dumps(c)
    s["string-int"] = tiny.replace('"n_layer":1', '"n_layer":"1"')
    s["float-int"] = tiny.replace('"n_layer":1', '"n_layer":1.0')
    s["exp-int"] = tiny.replace('"n_embd":4', '"n_embd":4e0')
    s["negative"] = tiny.replace('"n_head":2', '"n_head":-2')
    s["zero"] = tiny.replace('"n_head":2', '"n_head":0')
    s["minus-zero"] = tiny.replace('"n_layer":1', '"n_layer":-0')
    s["huge"] = tiny.replace('"vocab_size":256', '"vocab_size":99999999999999999999999')
    s["int64-max"] = tiny.replace('"vocab_size":256', '"vocab_size":9223372036854775807')
    s["int64-min"] = tiny.replace('"n_embd":4', '"n_embd":-9223372036854775808')
    s["too-many-layers"] = tiny.replace('"n_layer":1', '"n_layer":257')
    s["not-divisible"] = tiny.replace('"n_head":2', '"n_head":3')
    s["n-inner-zero"] = tiny[:-1] + ',"n_inner":0}'
    s["n-inner-string"] = tiny[:-1] + ',"n_inner":"16"}'
    s["eps-zero"] = tiny[:-1] + ',"layer_norm_epsilon":0}'
    s["eps-negative"] = tiny[:-1] + ',"layer_norm_epsilon":-1e-5}'
    s["eps-huge"] = tiny[:-1] + ',"layer_norm_epsilon":1e400}'
    s["eps-string"] = tiny[:-1] + ',"layer_norm_epsilon":"1e-5"}'
    s["activation-unknown"] = tiny[:-1] + ',"activation_function":"swish"}'
    s["activation-newline"] = tiny[:-1] + ',"activation_function":"gelu\\nnew"}'
    s["activation-number"] = tiny[:-1] + ',"activation_function":1}'
    s["model-type-llama"] = tiny.replace('"gpt2"', '"llama"')
    s["model-type-newline"] = tiny.replace('"gpt2"', '"gpt2\\r\\n"')
    s["model-type-null"] = tiny.replace('"gpt2"', 'null')
    s["scale-attn-string"] = tiny[:-1] + ',"scale_attn_weights":"yes"}'
    s["unsupported-inverse-layer-idx"] = tiny[:-1] + ',"scale_attn_by_inverse_layer_idx":true}'
    s["unsupported-reorder"] = tiny[:-1] + ',"reorder_and_upcast_attn":true}'
    s["unsupported-cross-attention"] = tiny[:-1] + ',"add_cross_attention":true}'
    # the other families, as HF's config classes write them, and their new fields gone wrong
    llama = {"model_type": "llama", "hidden_size": 36, "num_attention_heads": 6, "num_key_value_heads": 2,
             "intermediate_size": 50, "num_hidden_layers": 2, "vocab_size": 256, "max_position_embeddings": 64,
             "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False}
    s["valid-llama"] = json.dumps(llama)
    s["valid-llama3-rope"] = json.dumps({**llama, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 32}})
    s["valid-mistral-window"] = json.dumps({**llama, "model_type": "mistral", "sliding_window": 16})
    s["valid-qwen2"] = json.dumps({**llama, "model_type": "qwen2", "use_sliding_window": False})
    s["valid-head-dim"] = json.dumps({**llama, "head_dim": 10})
    s["kv-not-dividing"] = json.dumps({**llama, "num_key_value_heads": 4})
    s["kv-zero"] = json.dumps({**llama, "num_key_value_heads": 0})
    s["rope-linear"] = json.dumps({**llama, "rope_scaling": {"type": "linear", "factor": 2.0}})
    s["rope-llama3-missing"] = json.dumps({**llama, "rope_scaling": {"rope_type": "llama3", "factor": 8.0}})
    s["rope-not-object"] = json.dumps({**llama, "rope_scaling": 2})
    s["rope-theta-zero"] = json.dumps({**llama, "rope_theta": 0})
    s["qwen2-sliding"] = json.dumps({**llama, "model_type": "qwen2", "use_sliding_window": True})
    s["partial-rotary-odd"] = json.dumps({**llama, "partial_rotary_factor": 0.5, "head_dim": 6})
    neox = {"model_type": "gpt_neox", "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64,
            "num_hidden_layers": 2, "vocab_size": 256, "max_position_embeddings": 64, "rotary_pct": 0.25,
            "rotary_emb_base": 10000, "use_parallel_residual": True, "hidden_act": "gelu", "layer_norm_eps": 1e-5}
    s["valid-neox"] = json.dumps(neox)
    s["neox-rotary-zero"] = json.dumps({**neox, "rotary_pct": 0.0})
    s["neox-rotary-big"] = json.dumps({**neox, "rotary_pct": 2.0})
    bert = {"model_type": "bert", "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64,
            "num_hidden_layers": 2, "vocab_size": 256, "max_position_embeddings": 64, "type_vocab_size": 2,
            "hidden_act": "gelu", "layer_norm_eps": 1e-12, "position_embedding_type": "absolute"}
    s["valid-bert"] = json.dumps(bert)
    s["valid-roberta"] = json.dumps({**bert, "model_type": "roberta", "pad_token_id": 1, "max_position_embeddings": 66})
    s["roberta-no-positions"] = json.dumps({**bert, "model_type": "roberta", "pad_token_id": 70})
    s["bert-relative"] = json.dumps({**bert, "position_embedding_type": "relative_key"})
    s["valid-distilbert"] = json.dumps({"model_type": "distilbert", "dim": 32, "n_heads": 4, "hidden_dim": 64,
        "n_layers": 2, "vocab_size": 256, "max_position_embeddings": 64, "activation": "gelu"})
    s["model-type-t5"] = tiny.replace('"gpt2"', '"t5"')
    s["duplicate-keys"] = tiny[:-1] + ',"n_layer":"x"}'
    s["array"] = "[" + tiny + "]"
    s["empty"] = ""
    s["whitespace"] = " \n\t "
    s["not-json"] = "n_layer = 12"
    s["truncated"] = tiny[:40]
    s["deep"] = '{"x":' + "[" * 100 + "]" * 100 + "}"
    s["not-utf8"] = b'{"model_type":"gpt\xff"}'
    s["bom"] = b"\xef\xbb\xbf" + tiny.encode()
    s["valid-escapes"] = '{"\\u006e_layer":1,"n_head":1,"n_embd":1,"n_positions":1,"vocab_size":1,"x":"\\ud800\\udc00\\/\\b"}'
    s["bad-escape"] = '{"x":"\\q"}'
    s["lone-surrogate"] = '{"x":"\\udc00"}'
    s["control-char"] = '{"x":"a\tb"}'
    s["number-forms"] = '{"a":[0,-0,0.0,-0.5e-3,1E+2,12345678901234567890,1e-400],"b":true,"c":false,"d":null}'
    s["bad-numbers"] = '{"a":01}'
    s["bad-numbers-2"] = '{"a":1.}'
    s["bad-numbers-3"] = '{"a":-}'
    s["bad-literal"] = '{"a":tru}'
    return s


# --------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


B2U = bytes_to_unicode()


def form(bs):
    return "".join(B2U[b] for b in bs)


def byte_vocab(offset=0):
    return {form([b]): b + offset for b in range(256)}


def small_bpe():
    """A byte vocab plus a few merges ("h e", "l l", "he ll", "Ġ t", "Ġt he")."""
    vocab = byte_vocab()
    merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("Ġ", "t"), ("Ġt", "he"), ("'", "s"), ("Ġ", "Ġ")]
    nid = 256
    for a, b in merges:
        vocab[a + b] = nid
        nid += 1
    return vocab, merges


def vocab_text(vocab):
    return json.dumps(vocab, ensure_ascii=False, separators=(",", ":"))


def merges_text(merges, version=True):
    return ("#version: 0.2\n" if version else "") + "".join("%s %s\n" % m for m in merges)


def vocab_merges_seeds():
    s = {}
    vocab, merges = small_bpe()

    def vm(v, m):
        v = v.encode() if isinstance(v, str) else v
        m = m.encode() if isinstance(m, str) else m
        return v + b"\0" + m

    V = vocab_text(vocab)
    M = merges_text(merges)
    s["valid"] = vm(V, M)
    s["valid-no-version"] = vm(V, merges_text(merges, False))
    s["valid-crlf"] = vm(V, M.replace("\n", "\r\n"))
    s["valid-no-merges"] = vm(vocab_text(byte_vocab()), "")
    s["valid-ascii-escaped"] = vm(json.dumps(vocab), M)
    s["valid-trailing-blank-lines"] = vm(V, M + "\n\n  \n")
    s["no-separator"] = V.encode()
    s["vocab-array"] = vm("[]", M)
    s["vocab-string"] = vm('"x"', M)
    s["vocab-not-json"] = vm("{a:1}", M)
    s["vocab-empty"] = vm("{}", "")
    for name, bad in [("id-string", '"5"'), ("id-float", "1.5"), ("id-exp", "1e2"), ("id-negative", "-1"),
                      ("id-2p31", "2147483648"), ("id-2p32", "4294967296"), ("id-2p64", "18446744073709551616"),
                      ("id-null", "null"), ("id-bool", "true"), ("id-object", "{}"), ("id-sparse", "2147483647")]:
        v = V[:-1] + ',"zz":' + bad + "}"
        s[name] = vm(v, M)
    s["id-duplicated"] = vm(V[:-1] + ',"zz":5}', M)
    s["token-duplicated"] = vm(V[:-1] + ',"he":999}', M)
    v = dict(vocab)
    del v[form([ord("q")])]
    s["missing-byte-token"] = vm(vocab_text(v), M)
    s["merge-one-token"] = vm(V, M + "he\n")
    s["merge-three-tokens"] = vm(V, M + "h e l\n")
    s["merge-two-spaces"] = vm(V, M + "h  e\n")
    s["merge-leading-space"] = vm(V, M + " h e\n")
    s["merge-trailing-space"] = vm(V, M + "h e \n")
    s["merge-tab"] = vm(V, M + "h\te\n")
    s["merge-empty-line-middle"] = vm(V, "#version: 0.2\nh e\n\nl l\n")
    s["merge-token-missing"] = vm(V, M + "x\u00e9 y\n")
    s["merge-result-missing"] = vm(V, M + "a b\n")
    s["merge-duplicate"] = vm(V, M + "h e\n")
    s["merge-not-utf8"] = vm(V, b"h \xff\n")
    s["merge-newline-in-quote"] = vm(V, "h e\r\r\n")
    s["merges-only-version"] = vm(V, "#version: 0.2")
    s["version-not-first"] = vm(V, "h e\n#version: 0.2\n")
    s["vocab-token-newline"] = vm(V[:-1] + ',"a\\nb":1000}', M)
    return s


def tokenizer_json(vocab, merges, added=(), **over):
    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [dict({"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                               "normalized": False, "special": True}) for i, c in added],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": ["%s %s" % m for m in merges]},
    }
    for k, v in over.items():
        path = k.split("__")
        d = doc
        for p in path[:-1]:
            d = d[p]
        d[path[-1]] = v
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def tokenizer_json_seeds():
    s = {}
    vocab, merges = small_bpe()
    v2 = dict(vocab)
    v2["<|endoftext|>"] = len(v2)
    eot = [(v2["<|endoftext|>"], "<|endoftext|>")]
    s["valid"] = tokenizer_json(v2, merges, eot)
    s["valid-merges-arrays"] = tokenizer_json(v2, merges, eot, model__merges=[[a, b] for a, b in merges])
    s["valid-ignore-merges"] = tokenizer_json(v2, merges, eot, model__ignore_merges=True)
    s["valid-nulls"] = tokenizer_json(vocab, merges, post_processor=None, decoder=None, added_tokens=None,
                                      model__continuing_subword_prefix=None, model__byte_fallback=None)
    s["valid-added-not-in-vocab"] = tokenizer_json(vocab, merges, [(300, "<pad>"), (301, "<|end of text|>"),
                                                                    (302, "\u00e9\u00e9")])
    s["valid-added-prefix-overlap"] = tokenizer_json(vocab, merges, [(300, "<a>"), (301, "<a><b>"), (302, "<<")])
    s["added-vocab-form-id"] = tokenizer_json(vocab, merges, [(32, "\u0120")])  # "Ġ" is the byte ' '
    s["added-vocab-form-merged"] = tokenizer_json(vocab, merges, [(vocab["Ġt"], "Ġt")])
    s["added-byte-form"] = tokenizer_json(vocab, merges, [(32, " ")])
    s["added-same-id-two-contents"] = tokenizer_json(vocab, merges, [(300, "<a>"), (300, "<b>")])
    s["not-object"] = "[]"
    s["not-json"] = "tokenizer"
    s["empty"] = ""
    s["normalizer-nfc"] = tokenizer_json(v2, merges, eot, normalizer={"type": "NFC"})
    s["normalizer-array"] = tokenizer_json(v2, merges, eot, normalizer=[])
    s["pre-tokenizer-missing"] = tokenizer_json(v2, merges, eot, pre_tokenizer=None)
    s["pre-tokenizer-whitespace"] = tokenizer_json(v2, merges, eot, pre_tokenizer={"type": "Whitespace"})
    s["pre-tokenizer-sequence"] = tokenizer_json(v2, merges, eot, pre_tokenizer={
        "type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": False}]})
    s["add-prefix-space"] = tokenizer_json(v2, merges, eot, pre_tokenizer__add_prefix_space=True)
    s["add-prefix-space-missing"] = tokenizer_json(v2, merges, eot, pre_tokenizer={"type": "ByteLevel"})
    s["use-regex-false"] = tokenizer_json(v2, merges, eot, pre_tokenizer__use_regex=False)
    s["post-processor-template"] = tokenizer_json(v2, merges, eot, post_processor={
        "type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}]})
    s["decoder-wordpiece"] = tokenizer_json(v2, merges, eot, decoder={"type": "WordPiece"})
    s["truncation"] = tokenizer_json(v2, merges, eot, truncation={"max_length": 512})
    s["padding"] = tokenizer_json(v2, merges, eot, padding={"strategy": "BatchLongest"})
    s["model-wordpiece"] = tokenizer_json(v2, merges, eot, model__type="WordPiece")
    s["model-type-newline"] = tokenizer_json(v2, merges, eot, model__type="BPE\n")
    s["model-missing"] = tokenizer_json(v2, merges, eot, model=None)
    s["dropout"] = tokenizer_json(v2, merges, eot, model__dropout=0.1)
    s["continuing-subword-prefix"] = tokenizer_json(v2, merges, eot, model__continuing_subword_prefix="##")
    s["end-of-word-suffix"] = tokenizer_json(v2, merges, eot, model__end_of_word_suffix="</w>")
    s["byte-fallback"] = tokenizer_json(v2, merges, eot, model__byte_fallback=True)
    s["ignore-merges-string"] = tokenizer_json(v2, merges, eot, model__ignore_merges="yes")
    s["vocab-array"] = tokenizer_json([], merges, eot)
    s["vocab-id-float"] = tokenizer_json(dict(v2, zz=1.5), merges, eot)
    s["vocab-id-2p32"] = tokenizer_json(dict(v2, zz=2 ** 32), merges, eot)
    s["vocab-id-negative"] = tokenizer_json(dict(v2, zz=-3), merges, eot)
    s["vocab-id-duplicated"] = tokenizer_json(dict(v2, zz=7), merges, eot)
    s["merges-not-array"] = tokenizer_json(v2, merges, eot, model__merges="h e")
    s["merge-one-token"] = tokenizer_json(v2, merges, eot, model__merges=["he"])
    s["merge-array-three"] = tokenizer_json(v2, merges, eot, model__merges=[["h", "e", "l"]])
    s["merge-array-empty-string"] = tokenizer_json(v2, merges, eot, model__merges=[["", "he"]])
    s["merge-number"] = tokenizer_json(v2, merges, eot, model__merges=[5])
    s["merge-token-missing"] = tokenizer_json(v2, merges, eot, model__merges=["x\u00e9 y"])
    s["merge-duplicate"] = tokenizer_json(v2, merges + [("h", "e")], eot)
    s["added-not-array"] = tokenizer_json(v2, merges, eot, added_tokens={})
    s["added-not-object"] = tokenizer_json(v2, merges, eot, added_tokens=[1])
    s["added-empty-content"] = tokenizer_json(v2, merges, [(400, "")])
    s["added-id-string"] = tokenizer_json(v2, merges, [("1", "<x>")])
    s["added-id-huge"] = tokenizer_json(v2, merges, [(2 ** 40, "<x>")])
    s["added-id-sparse"] = tokenizer_json(v2, merges, [(2 ** 31 - 1, "<x>")])
    s["added-duplicate"] = tokenizer_json(v2, merges, eot + eot)
    s["added-id-taken"] = tokenizer_json(v2, merges, [(5, "<x>")])
    s["added-id-disagrees"] = tokenizer_json(v2, merges, [(400, "<|endoftext|>")])
    s["added-lstrip"] = tokenizer_json(v2, merges, eot).replace('"lstrip":false', '"lstrip":true')
    s["added-single-word"] = tokenizer_json(v2, merges, eot).replace('"single_word":false', '"single_word":true')
    s["added-content-newline"] = tokenizer_json(v2, merges, [(400, "a\nb")])
    return s


def encode_seeds():
    s = {}
    s["english"] = "The quick brown fox jumps over the lazy dog. It's 12:30, isn't it? We'll see; they'd've gone.\n"
    s["contractions"] = "'s 't 're 've 'm 'll 'd 'S 'x '' ''s don't I'M"
    s["whitespace"] = "a  b   c\t\td\n\n\ne \u00a0f\u3000g\u2028h  \n  "
    s["only-spaces"] = "     "
    s["numbers"] = "1234567890 3.14159 1,000,000 \u0661\u0662\u0663 \u2160\u2161 \u00bd"
    s["unicode"] = "na\u00efve caf\u00e9 \u00fcber \u4f60\u597d\u4e16\u754c \u3053\u3093\u306b\u3061\u306f \u0645\u0631\u062d\u0628\u0627 \U0001f600\U0001f44d\U0001f3fd e\u0301"
    s["endoftext"] = "Hello<|endoftext|>World <|endoftext|>"
    s["punctuation"] = "!!! ??? ... --- ((( ))) [[[ ]]] {{{ }}} @#$%^&*~`|\\/<>"
    s["invalid-utf8"] = b"\xff\xfe \x80abc\xc3 \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xf8"
    s["nul-and-controls"] = b"\x00\x01\x02\x7f a\x00b\x1b[31m"
    s["bom-and-nel"] = "\ufeffstart \u0085next \u200bzero\u200dwidth"
    s["long-word"] = "a" * 300 + " " + "ab" * 200
    s["repeated-merges"] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa eeeeeeeeeeee ..................."
    s["code"] = "def f(x):\n    return x ** 2  # square\n\nif __name__ == '__main__':\n\tprint(f(3))\n"
    s["empty"] = ""
    s["one-byte"] = "x"
    return s


def tokenizer_pipeline_seeds():
    """tokenizer.json files exercising the pipeline components (valid and not)."""
    s = {}
    vocab, merges = small_bpe()
    meta = "\u2581"
    llama_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, meta: 3, "a": 4, "b": 5, meta + "a": 6, "ab": 7}
    for b in range(256):
        llama_vocab["<0x%02X>" % b] = 8 + b
    llama_added = [(0, "<unk>"), (1, "<s>"), (2, "</s>")]
    llama = dict(
        normalizer={"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": meta},
                                                        {"type": "Replace", "pattern": {"String": " "}, "content": meta}]},
        pre_tokenizer=None,
        post_processor={"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                 {"Sequence": {"id": "A", "type_id": 0}}],
                        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        decoder={"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": meta}, "content": " "},
                                                  {"type": "ByteFallback"}, {"type": "Fuse"},
                                                  {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        model__unk_token="<unk>", model__byte_fallback=True, model__fuse_unk=True)
    llama_merges = [(meta, "a"), ("a", "b")]
    s["valid-llama2-like"] = tokenizer_json(llama_vocab, llama_merges, llama_added, **llama)
    s["valid-llama2-no-fallback"] = tokenizer_json(llama_vocab, llama_merges, llama_added,
                                                   **dict(llama, model__byte_fallback=False))
    pattern = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
    split = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    s["valid-llama3-like"] = tokenizer_json(vocab, merges, pre_tokenizer=split, model__ignore_merges=True)
    wp_vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "un": 4, "##aff": 5, "##able": 6, "the": 7, ",": 8}
    bert = dict(normalizer={"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                            "strip_accents": None, "lowercase": True},
                pre_tokenizer={"type": "BertPreTokenizer"},
                post_processor={"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                decoder={"type": "WordPiece", "prefix": "##", "cleanup": True},
                model={"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100, "vocab": wp_vocab})
    s["valid-bert-like"] = tokenizer_json(vocab, merges, [(0, "[PAD]"), (1, "[UNK]"), (2, "[CLS]"), (3, "[SEP]")], **bert)
    for name, pre in [("metaspace", {"type": "Metaspace", "replacement": meta, "prepend_scheme": "first", "split": True}),
                      ("whitespace", {"type": "Whitespace"}), ("digits", {"type": "Digits", "individual_digits": True}),
                      ("punctuation", {"type": "Punctuation", "behavior": "Contiguous"}),
                      ("split-merged-next", {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext",
                                             "invert": False})]:
        s["valid-wordpiece-" + name] = tokenizer_json(vocab, merges, **dict(bert, pre_tokenizer=pre))
    for name, norm in [("nfkc", {"type": "NFKC"}), ("nfd-strip", {"type": "Sequence", "normalizers": [
                           {"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]}),
                       ("replace-regex", {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})]:
        s["valid-normalizer-" + name] = tokenizer_json(vocab, merges, **dict(bert, normalizer=norm))
    s["regex-lazy"] = tokenizer_json(vocab, merges, pre_tokenizer={"type": "Split", "pattern": {"Regex": "a+?"}})
    s["regex-unknown-property"] = tokenizer_json(vocab, merges, pre_tokenizer={"type": "Split",
                                                                               "pattern": {"Regex": "\\p{Han}"}})
    s["pre-tokenizer-unknown"] = tokenizer_json(vocab, merges, pre_tokenizer={"type": "UnicodeScripts"})
    s["normalizer-unknown"] = tokenizer_json(vocab, merges, normalizer={"type": "Precompiled"})
    s["template-missing-token"] = tokenizer_json(vocab, merges, post_processor={
        "type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}],
        "special_tokens": {}})
    # (found by fuzzing: the sep id 9 is past the vocab's ids 0..8 and went into every encoding)
    s["post-processor-id-outside-vocab"] = tokenizer_json(vocab, merges, **dict(
        bert, post_processor={"type": "BertProcessing", "sep": ["[SEP]", 9], "cls": ["[CLS]", 2]}))
    s["wordpiece-no-unk"] = tokenizer_json(vocab, merges, **dict(bert, model=dict(bert["model"], unk_token=None)))
    return s


def regex_normalization_seeds():
    """A pattern line, then text: the pre-tokenizer patterns of the Hub's tokenizers and
    hand-made ones, over text with the normalization cases (precomposed and combining
    letters, Hangul, compatibility forms, invalid bytes)."""
    gpt2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
    llama3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
              r"|\s*[\r\n]+|\s+(?!\S)|\s+")
    qwen2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
             r"|\s*[\r\n]+|\s+(?!\S)|\s+")
    text = "Hello world, it's 12345 ok?\n\n  \u00e9t\u00e9 e\u0301te\u0301 \u00c5\u212b \ufb01ne \u2460 \u1100\u1161\u11a8 \uac01\t\u00a0\u2003x"
    s = {}
    s["regex-line"] = "\\s+(?!\\S)|\\p{L}{1,3}|[^a-z\\d]\n  abc  de\u00a0\u2003x 12345"
    s["valid-gpt2"] = gpt2 + "\n" + text
    s["valid-llama3"] = llama3 + "\n" + text
    s["valid-qwen2"] = qwen2 + "\n" + text
    s["valid-case-insensitive"] = "(?i:hello|\u00c9T\u00c9)|[A-Z\u00c0-\u00de]{2,}\nHELLO hello \u00e9t\u00e9 \u00c9T\u00c9 ABC"
    s["valid-lookahead"] = "\\w+(?=\\s)|(?!a)\\d{2}|\\W\n word1 a12 34 _x\u200d\u0300y"
    s["valid-classes"] = "[\\p{Lu}\\p{Nd}]+|\\P{L}|[^\\s\\S]|\\D\\S.\nAB12 cd \u0660\u0661 ".encode() + b"\xff\xc3 \xe2\x82"
    s["valid-repeat"] = "(?:ab){2,3}|a{0,}b{1}|x?y*\nababab aab xyyy"
    s["valid-normalization"] = " \n" + "\u1e0b\u0323 \u0071\u0307\u0323 \u00c5 \u212b \u0041\u030a \ud55c\uae00 \u1112\u1161\u11ab \u2126 \u00bd \u33a1 \ufe64 \u0f73 \u0344"
    s["regex-exponential"] = "(a*)*b\naaaaaaaaaaaaaaaaaaaaaaaaaaaaac"
    s["regex-lazy"] = "a+?\naaa"
    s["regex-unknown-property"] = "\\p{Han}\n\u4e2d"
    s["regex-anchor"] = "^a$\na"
    s["regex-unbalanced"] = "(a|b\nab"
    return s


def main():
    if os.path.isdir(ROOT):
        for harness in os.listdir(ROOT):
            for f in os.listdir(os.path.join(ROOT, harness)):
                if f.startswith("seed-"):
                    os.remove(os.path.join(ROOT, harness, f))
    for name, data in safetensors_seeds().items():
        put("safetensors_header", name, data)
        put("safetensors_load", name, data)
    for name, data in model_seeds().items():
        put("safetensors_load", name, data)
        if name in ("valid-model-f16-unaligned", "valid-model-nan-weight"):
            put("safetensors_header", name, data)
    for name, data in config_seeds().items():
        put("config", name, data)
    for name, data in vocab_merges_seeds().items():
        put("vocab_merges", name, data)
    for name, data in tokenizer_json_seeds().items():
        put("tokenizer_json", name, data)
    for name, data in tokenizer_pipeline_seeds().items():
        put("tokenizer_pipeline", name, data)
    for name, data in regex_normalization_seeds().items():
        put("regex_normalization", name, data)
    for name, data in encode_seeds().items():
        put("encode", name, data)


if __name__ == "__main__":
    main()
