"""Independent Python (numpy) mapping of HF checkpoints to the Cerebras GPT-J TF variables.

This is the tests' own reading of the mapping (DESIGN.md §3 and §3b), written separately from
ckptconv's C++ tables and from the torch code of tests/data/tools/make_neox_variants.py, so the
three can check each other. Input: an ordered mapping name -> hf_checkpoint.Tensor and the
config.json dict. Output: OrderedDict TF name -> float32 numpy array in the TF layout.

GPT-NeoX (E hidden, H heads, D = E/H, r = int(D * rotary_pct)):
  gpt_neox.embed_in.weight                 -> input_embedding/embedding_weights
  gpt_neox.layers.i.input_layernorm.*      -> gptj_decoder/i/ln_1/ln_1/{gamma,beta}
  gpt_neox.layers.i.post_attention_layernorm.* -> gptj_decoder/i/ln_2/ln_2/{gamma,beta}
  gpt_neox.layers.i.attention.query_key_value.weight [3E,E], rows [H,3,D]
      -> part s of every head, q and k rows permuted inside each head (Cerebras 2j <- HF j,
         2j+1 <- HF j + r/2 for j < r/2, dims >= r kept), transposed
      -> gptj_decoder/i/attn/{q,k,v}_proj/{q,k,v}_proj/kernel [E,E]; the bias likewise
  gpt_neox.layers.i.attention.dense.*      -> gptj_decoder/i/attn/out_proj/out_proj/{kernel^T,bias}
  gpt_neox.layers.i.mlp.dense_h_to_4h.*    -> gptj_decoder/i/mlp/dense_layer_{2i}/...{kernel^T,bias}
  gpt_neox.layers.i.mlp.dense_4h_to_h.*    -> gptj_decoder/i/mlp/dense_layer_{2i+1}/...
  gpt_neox.final_layer_norm.*              -> post_decoder_layer_norm/post_decoder_layer_norm/*
  embed_out.weight [V,E]                   -> lm_head/lm_head/kernel [E,V]
  buffers attention.{bias,masked_bias,rotary_emb.inv_freq} are not variables.
"""
import collections
import hashlib
import json
import re

import numpy as np

import hf_checkpoint

NEOX_BUFFERS = ("attention.bias", "attention.masked_bias", "attention.rotary_emb.inv_freq")


def dense_name(n):
    return "dense_layer" if n == 0 else "dense_layer_%d" % n


def neox_dims(config):
    E = config["hidden_size"]
    H = config["num_attention_heads"]
    if E % H:
        raise ValueError("hidden_size %d is not a multiple of num_attention_heads %d" % (E, H))
    D = E // H
    r = int(D * config.get("rotary_pct", 0.25))
    if r % 2:
        raise ValueError("rotary dims %d is odd" % r)
    return E, H, D, r


def rotary_permutation(D, r):
    """perm such that cerebras_dims = hf_dims[perm] inside one head: 2j <- j, 2j+1 <- j + r/2."""
    perm = list(range(D))
    for j in range(r // 2):
        perm[2 * j] = j
        perm[2 * j + 1] = j + r // 2
    return np.array(perm)


def neox_to_cerebras(sd, config, permute_rotary=True):
    """permute_rotary=False gives the wrong (unpermuted) q/k, for negative controls."""
    E, H, D, r = neox_dims(config)
    L = config["num_hidden_layers"]
    perm = rotary_permutation(D, r) if permute_rotary else np.arange(D)
    used = set()

    def f32(name):
        used.add(name)
        return hf_checkpoint.to_float32(sd[name])

    out = collections.OrderedDict()
    out["input_embedding/embedding_weights"] = f32("gpt_neox.embed_in.weight")
    for i in range(L):
        hf = "gpt_neox.layers.%d." % i
        cs = "gptj_decoder/%d/" % i
        for b in NEOX_BUFFERS:
            used.add(hf + b)
        for hf_ln, cs_ln in (("input_layernorm", "ln_1"), ("post_attention_layernorm", "ln_2")):
            out[cs + "%s/%s/gamma" % (cs_ln, cs_ln)] = f32(hf + hf_ln + ".weight")
            out[cs + "%s/%s/beta" % (cs_ln, cs_ln)] = f32(hf + hf_ln + ".bias")
        w = f32(hf + "attention.query_key_value.weight")
        if w.shape != (3 * E, E):
            raise ValueError("query_key_value.weight has shape %s" % (w.shape,))
        w = w.reshape(H, 3, D, E)
        has_bias = config.get("attention_bias", True)
        b = f32(hf + "attention.query_key_value.bias").reshape(H, 3, D) if has_bias else None
        for s, x in enumerate("qkv"):
            ws = w[:, s]
            bs = b[:, s] if has_bias else None
            if x != "v":
                ws = ws[:, perm]
                bs = bs[:, perm] if has_bias else None
            out[cs + "attn/%s_proj/%s_proj/kernel" % (x, x)] = ws.reshape(E, E).T
            if has_bias:
                out[cs + "attn/%s_proj/%s_proj/bias" % (x, x)] = bs.reshape(E)
        out[cs + "attn/out_proj/out_proj/kernel"] = f32(hf + "attention.dense.weight").T
        if has_bias:
            out[cs + "attn/out_proj/out_proj/bias"] = f32(hf + "attention.dense.bias")
        for k, hf_mlp in enumerate(("dense_h_to_4h", "dense_4h_to_h")):
            d = dense_name(2 * i + k)
            out[cs + "mlp/%s/%s/kernel" % (d, d)] = f32(hf + "mlp.%s.weight" % hf_mlp).T
            out[cs + "mlp/%s/%s/bias" % (d, d)] = f32(hf + "mlp.%s.bias" % hf_mlp)
    post = "post_decoder_layer_norm/post_decoder_layer_norm/"
    out[post + "gamma"] = f32("gpt_neox.final_layer_norm.weight")
    out[post + "beta"] = f32("gpt_neox.final_layer_norm.bias")
    out["lm_head/lm_head/kernel"] = f32("embed_out.weight").T
    unexpected = [n for n in sd if n not in used]
    if unexpected:
        raise ValueError("unexpected tensors: %s" % unexpected)
    return collections.OrderedDict((k, np.ascontiguousarray(v)) for k, v in out.items())


def gptj_to_cerebras(sd, share_embeddings=False):
    """DESIGN.md §3 (GPT-J): copies and transposes; no permutation."""
    out = collections.OrderedDict()
    for name, t in sd.items():
        a = hf_checkpoint.to_float32(t)
        if name == "transformer.wte.weight":
            out["input_embedding/embedding_weights"] = a
            continue
        if name == "transformer.ln_f.weight":
            out["post_decoder_layer_norm/post_decoder_layer_norm/gamma"] = a
            continue
        if name == "transformer.ln_f.bias":
            out["post_decoder_layer_norm/post_decoder_layer_norm/beta"] = a
            continue
        if name == "lm_head.weight":
            if not share_embeddings:
                out["lm_head/lm_head/kernel"] = a.T
            continue
        if name == "lm_head.bias":
            out["bias" if share_embeddings else "lm_head/lm_head/bias"] = a
            continue
        m = re.fullmatch(r"transformer\.h\.(\d+)\.(.+)", name)
        if not m:
            raise ValueError("unexpected tensor %s" % name)
        i, rest = int(m.group(1)), m.group(2)
        cs = "gptj_decoder/%d/" % i
        if rest in ("attn.bias", "attn.masked_bias"):
            continue
        if rest in ("ln_1.weight", "ln_1.bias"):
            out[cs + "ln_1/ln_1/" + ("gamma" if rest.endswith("weight") else "beta")] = a
            continue
        m2 = re.fullmatch(r"attn\.(q_proj|k_proj|v_proj|out_proj)\.weight", rest)
        if m2:
            out[cs + "attn/%s/%s/kernel" % (m2.group(1), m2.group(1))] = a.T
            continue
        m3 = re.fullmatch(r"mlp\.(fc_in|fc_out)\.(weight|bias)", rest)
        if not m3:
            raise ValueError("unexpected tensor %s" % name)
        d = dense_name(2 * i + (0 if m3.group(1) == "fc_in" else 1))
        out[cs + "mlp/%s/%s/%s" % (d, d, "kernel" if m3.group(2) == "weight" else "bias")] = (
            a.T if m3.group(2) == "weight" else a)
    return collections.OrderedDict((k, np.ascontiguousarray(v)) for k, v in out.items())


def describe(a):
    a = np.ascontiguousarray(a, dtype="<f4")
    return collections.OrderedDict([
        ("dtype", "float32"),
        ("shape", list(a.shape)),
        ("sha256", hashlib.sha256(a.tobytes()).hexdigest()),
        ("sum", float(a.astype(np.float64).sum())),
    ])


def expected_cs(arrays):
    """The expected-cs.json object: variables in sorted order, then param_count."""
    out = collections.OrderedDict((name, describe(arrays[name])) for name in sorted(arrays))
    out["param_count"] = int(sum(a.size for a in arrays.values()))
    return out


def expected_cs_text(arrays):
    """expected-cs.json as the neox fixtures store it (json indent 1, no final newline)."""
    return json.dumps(expected_cs(arrays), indent=1)
