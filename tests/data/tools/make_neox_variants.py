#!/usr/bin/python3
"""Regenerates tests/data/neox-variants/: tiny random GPT-NeoX checkpoints (HF GPTNeoXForCausalLM
layout) in every input format ckptconv reads, each with the Cerebras GPT-J TF variables it must
convert to.

Needs /usr/bin/python3 with torch (Debian python3-torch 1.13) and numpy. The tests never run this;
they read the committed output. Deterministic: numpy RandomState(seed) draws in state-dict order,
so rerunning gives byte-identical files with torch 1.13.

Each variant directory holds:
  config.json        a real GPTNeoX config.json (the fields of transformers 4.30, sorted, indent 2)
  the weights        written by real torch.save (zip or legacy) or by the safetensors writer of
                     examples/gptj-tiny/tools/make_gptj_fixture.py (the format spec, no package)
  tensors.json       every tensor as written, buffers included: {name: {dtype, shape, sha256 of
                     the C-contiguous raw bytes in its own dtype}}
  expected-cs.json   the Cerebras TF variables, computed here with torch from the weights read
                     back from the files: {name: {dtype "float32", shape, sha256 of the C-order
                     little-endian float32 bytes, sum (float64)}, ..., "param_count": N}; names
                     sorted, param_count last, json indent 1, no final newline -- byte for byte
                     the form of tests/data/neox-tiny/expected-cs.json.
Before writing anything the mapping below is run on tests/data/neox-tiny (the shared oracle) and
must reproduce its expected-cs.json byte for byte.

Mapping (E hidden, H heads, D = E/H, r = int(D * rotary_pct), i = layer):
  gpt_neox.embed_in.weight -> input_embedding/embedding_weights
  layers.i.input_layernorm.{weight,bias} -> gptj_decoder/i/ln_1/ln_1/{gamma,beta}
  layers.i.post_attention_layernorm.*    -> gptj_decoder/i/ln_2/ln_2/{gamma,beta}
  layers.i.attention.query_key_value.weight [3E,E], rows [H,3,D] (part 0 q, 1 k, 2 v):
      part s of every head -> [E,E]; q and k: inside each head Cerebras dim 2j <- HF dim j,
      2j+1 <- HF dim j + r/2 (j < r/2), dims >= r unchanged; transposed
      -> gptj_decoder/i/attn/{q,k,v}_proj/{q,k,v}_proj/kernel; the [3E] bias the same way -> bias
  layers.i.attention.dense -> gptj_decoder/i/attn/out_proj/out_proj/{kernel (transposed), bias}
  layers.i.mlp.dense_h_to_4h / dense_4h_to_h -> gptj_decoder/i/mlp/dense_layer_{2i} / _{2i+1}
      (index 0 is spelled dense_layer)
  gpt_neox.final_layer_norm -> post_decoder_layer_norm/post_decoder_layer_norm/{gamma,beta}
  embed_out.weight [V,E] -> lm_head/lm_head/kernel [E,V] (transposed); no output bias
  buffers (attention.bias, attention.masked_bias, attention.rotary_emb.inv_freq) are skipped;
  attention_bias false: no q/k/v/out_proj biases. fp16/bf16 are widened exactly to float32.
"""
import collections
import hashlib
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(DATA, "..", "..", "examples", "gptj-tiny", "tools"))
sys.path.insert(0, HERE)
import make_gptj_fixture as writers  # noqa: E402  (torch.save wrappers, safetensors writer)
import make_variants  # noqa: E402  (tensors_json, dump)
import numpy as np  # noqa: E402
import torch  # noqa: E402

BASE = dict(E=32, H=4, I=128, V=96, P=32, L=2, rotary_pct=0.5, act="gelu", attention_bias=True,
            seed=1)

VARIANTS = [
    # name, dims overriding BASE, format, dtype, buffers, what (for the README)
    ("zip-fp32-buffers", {}, "zip", "fp32", True,
     "torch zip, float32, with the buffers older transformers saved"),
    ("zip-fp32", {}, "zip", "fp32", False, "torch zip, float32, no buffers (transformers >= 4.31)"),
    ("legacy-fp32", {}, "legacy", "fp32", True,
     "`torch.save(..., _use_new_zipfile_serialization=False)`, with buffers"),
    ("safetensors", {}, "safetensors", "fp32", False, "model.safetensors"),
    ("sharded-bin", {}, "sharded-bin", "fp32", True,
     "3 `pytorch_model-0000i-of-00003.bin` + `pytorch_model.bin.index.json`, with buffers"),
    ("sharded-safetensors", {}, "sharded-safetensors", "fp32", False,
     "3 `model-0000i-of-00003.safetensors` + `model.safetensors.index.json`"),
    ("zip-fp16", {}, "zip", "fp16", True,
     "torch zip, float16 (`model.half()`: buffers too, masked_bias becomes -inf)"),
    ("zip-bf16", {}, "zip", "bf16", False, "torch zip, bfloat16"),
    ("rotary-pct-0.25", dict(E=64, rotary_pct=0.25), "zip", "fp32", False,
     "rotary_pct 0.25 (Pythia's), hidden 64 so that D = 16 and r = 4"),
    ("rotary-pct-1.0", dict(rotary_pct=1.0, act="gelu_new"), "zip", "fp32", False,
     "rotary_pct 1.0 (r = D = 8), hidden_act gelu_new"),
    ("no-attention-bias", dict(attention_bias=False), "zip", "fp32", False,
     "`attention_bias: false`: no query_key_value / dense biases"),
]

TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
DTYPE_NAMES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


# ---------------------------------------------------------------------------- state dict
def build_state_dict(E, H, I, V, P, L, rotary_pct, attention_bias, buffers, seed, **_):
    """Random float32 GPTNeoXForCausalLM state dict in HF key order. Scales (weights 0.3,
    embeddings 0.5, biases 0.1, layer-norm gammas 1 + 0.1 N) keep attention far from uniform,
    so a wrong rotary pairing changes the logits by far more than rounding."""
    D = E // H
    r = int(D * rotary_pct)
    rng = np.random.RandomState(seed)

    def randn(*shape, scale=0.3, loc=0.0):
        return torch.from_numpy((rng.standard_normal(shape) * scale + loc).astype(np.float32))

    sd = collections.OrderedDict()
    sd["gpt_neox.embed_in.weight"] = randn(V, E, scale=0.5)
    for i in range(L):
        p = "gpt_neox.layers.%d." % i
        sd[p + "input_layernorm.weight"] = randn(E, scale=0.1, loc=1.0)
        sd[p + "input_layernorm.bias"] = randn(E, scale=0.1)
        sd[p + "post_attention_layernorm.weight"] = randn(E, scale=0.1, loc=1.0)
        sd[p + "post_attention_layernorm.bias"] = randn(E, scale=0.1)
        if buffers:
            causal = torch.tril(torch.ones((P, P), dtype=torch.bool))
            sd[p + "attention.bias"] = causal.view(1, 1, P, P)
            sd[p + "attention.masked_bias"] = torch.tensor(-1e9)
            sd[p + "attention.rotary_emb.inv_freq"] = 1.0 / (
                10000 ** (torch.arange(0, r, 2).float() / r))
        sd[p + "attention.query_key_value.weight"] = randn(3 * E, E)
        if attention_bias:
            sd[p + "attention.query_key_value.bias"] = randn(3 * E, scale=0.1)
        sd[p + "attention.dense.weight"] = randn(E, E)
        if attention_bias:
            sd[p + "attention.dense.bias"] = randn(E, scale=0.1)
        sd[p + "mlp.dense_h_to_4h.weight"] = randn(I, E)
        sd[p + "mlp.dense_h_to_4h.bias"] = randn(I, scale=0.1)
        sd[p + "mlp.dense_4h_to_h.weight"] = randn(E, I)
        sd[p + "mlp.dense_4h_to_h.bias"] = randn(E, scale=0.1)
    sd["gpt_neox.final_layer_norm.weight"] = randn(E, scale=0.1, loc=1.0)
    sd["gpt_neox.final_layer_norm.bias"] = randn(E, scale=0.1)
    sd["embed_out.weight"] = randn(V, E)
    sd._metadata = module_metadata(L)
    return sd


def module_metadata(L):
    """nn.Module.state_dict()._metadata of GPTNeoXForCausalLM (pickled by torch.save)."""
    md = collections.OrderedDict()
    for m in ("", "gpt_neox", "gpt_neox.embed_in", "gpt_neox.emb_dropout", "gpt_neox.layers"):
        md[m] = {"version": 1}
    for i in range(L):
        for sub in ("", ".input_layernorm", ".post_attention_layernorm", ".post_attention_dropout",
                    ".post_mlp_dropout", ".attention", ".attention.rotary_emb",
                    ".attention.query_key_value", ".attention.dense",
                    ".attention.attention_dropout",
                    ".mlp", ".mlp.dense_h_to_4h", ".mlp.dense_4h_to_h", ".mlp.act"):
            md["gpt_neox.layers.%d%s" % (i, sub)] = {"version": 1}
    md["gpt_neox.final_layer_norm"] = {"version": 1}
    md["embed_out"] = {"version": 1}
    return md


def make_config(E, H, I, V, P, L, rotary_pct, act, attention_bias, dtype, **_):
    cfg = {
        "architectures": ["GPTNeoXForCausalLM"],
        "attention_bias": attention_bias,
        "attention_dropout": 0.0,
        "bos_token_id": 0,
        "classifier_dropout": 0.1,
        "eos_token_id": 0,
        "hidden_act": act,
        "hidden_dropout": 0.0,
        "hidden_size": E,
        "initializer_range": 0.02,
        "intermediate_size": I,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": P,
        "model_type": "gpt_neox",
        "num_attention_heads": H,
        "num_hidden_layers": L,
        "rope_scaling": None,
        "rotary_emb_base": 10000,
        "rotary_pct": rotary_pct,
        "tie_word_embeddings": False,
        "torch_dtype": DTYPE_NAMES[dtype],
        "transformers_version": "4.30.2",
        "use_cache": True,
        "use_parallel_residual": True,
        "vocab_size": V,
    }
    return collections.OrderedDict(sorted(cfg.items()))


# ------------------------------------------------------------- expected Cerebras variables
def dense_name(n):
    return "dense_layer" if n == 0 else "dense_layer_%d" % n


def rotary_index(D, r):
    """HF dim feeding each Cerebras dim inside one head: [0, r/2, 1, r/2+1, ..., r, ..., D-1]."""
    half = r // 2
    pairs = torch.stack([torch.arange(half), torch.arange(half) + half], dim=1).reshape(-1)
    return torch.cat([pairs, torch.arange(r, D)])


def cerebras_variables(sd, cfg):
    """torch: TF name -> float32 tensor in the TF layout. Every tensor of `sd` must be used
    (or be a known buffer)."""
    E, H = cfg["hidden_size"], cfg["num_attention_heads"]
    D = E // H
    r = int(D * cfg["rotary_pct"])
    assert r % 2 == 0, "odd rotary dims"
    idx = rotary_index(D, r)
    has_bias = cfg["attention_bias"]
    left = set(sd)

    def take(name):
        left.remove(name)
        return sd[name].detach().to(torch.float32)  # fp16/bf16 -> fp32 is exact

    out = {"input_embedding/embedding_weights": take("gpt_neox.embed_in.weight")}
    for i in range(cfg["num_hidden_layers"]):
        hf, cs = "gpt_neox.layers.%d." % i, "gptj_decoder/%d/" % i
        for buf in ("attention.bias", "attention.masked_bias", "attention.rotary_emb.inv_freq"):
            left.discard(hf + buf)
        out[cs + "ln_1/ln_1/gamma"] = take(hf + "input_layernorm.weight")
        out[cs + "ln_1/ln_1/beta"] = take(hf + "input_layernorm.bias")
        out[cs + "ln_2/ln_2/gamma"] = take(hf + "post_attention_layernorm.weight")
        out[cs + "ln_2/ln_2/beta"] = take(hf + "post_attention_layernorm.bias")
        qkv_w = take(hf + "attention.query_key_value.weight").view(H, 3, D, E)
        qkv_b = take(hf + "attention.query_key_value.bias").view(H, 3, D) if has_bias else None
        for part, x in enumerate(("q", "k", "v")):
            w = qkv_w[:, part]  # [H, D, E]: output rows of this part, head by head
            if x != "v":
                w = w.index_select(1, idx)
            out[cs + "attn/%s_proj/%s_proj/kernel" % (x, x)] = w.reshape(E, E).t()
            if has_bias:
                b = qkv_b[:, part]
                if x != "v":
                    b = b.index_select(1, idx)
                out[cs + "attn/%s_proj/%s_proj/bias" % (x, x)] = b.reshape(E)
        out[cs + "attn/out_proj/out_proj/kernel"] = take(hf + "attention.dense.weight").t()
        if has_bias:
            out[cs + "attn/out_proj/out_proj/bias"] = take(hf + "attention.dense.bias")
        for k, m in enumerate(("dense_h_to_4h", "dense_4h_to_h")):
            d = dense_name(2 * i + k)
            out[cs + "mlp/%s/%s/kernel" % (d, d)] = take(hf + "mlp.%s.weight" % m).t()
            out[cs + "mlp/%s/%s/bias" % (d, d)] = take(hf + "mlp.%s.bias" % m)
    post = "post_decoder_layer_norm/post_decoder_layer_norm/"
    out[post + "gamma"] = take("gpt_neox.final_layer_norm.weight")
    out[post + "beta"] = take("gpt_neox.final_layer_norm.bias")
    out["lm_head/lm_head/kernel"] = take("embed_out.weight").t()
    assert not left, "tensors not mapped: %s" % sorted(left)
    return out


def expected_cs_text(variables):
    res = collections.OrderedDict()
    for name in sorted(variables):
        a = variables[name].contiguous().numpy().astype("<f4")
        res[name] = collections.OrderedDict([
            ("dtype", "float32"),
            ("shape", list(a.shape)),
            ("sha256", hashlib.sha256(a.tobytes()).hexdigest()),
            ("sum", float(a.astype(np.float64).sum())),
        ])
    res["param_count"] = int(sum(v.numel() for v in variables.values()))
    return json.dumps(res, indent=1)


# ------------------------------------------------------------------------------ loading
def load_back(folder):
    """The state dict as read back from the files just written (torch.load for .bin, the
    fixture tools' safetensors reader), in index order for shards."""
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        p = os.path.join(folder, index_name)
        if os.path.exists(p):
            with open(p) as f:
                wm = json.load(f, object_pairs_hook=collections.OrderedDict)["weight_map"]
            merged = {}
            for fname in dict.fromkeys(wm.values()):
                merged.update(load_file(os.path.join(folder, fname)))
            assert set(merged) == set(wm)
            return collections.OrderedDict((k, merged[k]) for k in wm)
    for name in ("model.safetensors", "pytorch_model.bin"):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return load_file(p)
    raise FileNotFoundError(folder)


def load_file(path):
    if path.endswith(".safetensors"):
        return writers.read_safetensors(path)
    return torch.load(path, map_location="cpu")


def write_weights(sd, folder, fmt):
    if fmt == "zip":
        writers.save_zip(sd, folder)
    elif fmt == "legacy":
        writers.save_legacy(sd, folder)
    elif fmt == "safetensors":
        writers.save_safetensors(sd, folder)
    elif fmt == "sharded-bin":
        writers.save_sharded_bin(sd, folder, 3)
    elif fmt == "sharded-safetensors":
        writers.save_sharded_safetensors(sd, folder, 3)
    else:
        raise ValueError(fmt)


def check_against_oracle():
    oracle = os.path.join(DATA, "neox-tiny")
    with open(os.path.join(oracle, "config.json")) as f:
        cfg = json.load(f)
    sd = torch.load(os.path.join(oracle, "pytorch_model.bin"), map_location="cpu")
    with open(os.path.join(oracle, "expected-cs.json")) as f:
        want = f.read()
    if expected_cs_text(cerebras_variables(sd, cfg)) != want:
        sys.exit("make_neox_variants: the mapping does not reproduce %s/expected-cs.json" % oracle)
    print("mapping reproduces neox-tiny/expected-cs.json")


def main():
    check_against_oracle()
    root = os.path.join(DATA, "neox-variants")
    for name, dims, fmt, dtype, buffers, _what in VARIANTS:
        d = os.path.join(root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        p = dict(BASE, **dims)
        cfg = make_config(dtype=dtype, **p)
        writers.write_config(d, cfg)
        sd = writers.cast_state_dict(build_state_dict(buffers=buffers, **p), TORCH_DTYPES[dtype])
        write_weights(sd, d, fmt)
        make_variants.dump(make_variants.tensors_json(sd), os.path.join(d, "tensors.json"))
        loaded = load_back(d)
        assert list(loaded) == list(sd), name
        for k in sd:
            assert loaded[k].dtype == sd[k].dtype and torch.equal(loaded[k], sd[k]), (name, k)
        with open(os.path.join(d, "expected-cs.json"), "w") as f:
            f.write(expected_cs_text(cerebras_variables(loaded, cfg)))
        print("wrote", name)


if __name__ == "__main__":
    main()
