"""The HF -> Cerebras TF mapping of docs DESIGN.md sections 3 (GPT-J) and 3b (GPT-NeoX),
written again here in numpy, independently of ckptconv's C++ table, so the interop tests can
say what TensorFlow must find without asking ckptconv. Runs in both venvs (numpy only).
"""
import numpy as np


def _dense(i):
    return "dense_layer" if i == 0 else "dense_layer_%d" % i


def gptj_variables(hf, config, shared):
    """{tf_name: float32 array} that a GPT-J conversion must hold, from HF tensors `hf`."""
    out = {"input_embedding/embedding_weights": hf["transformer.wte.weight"]}
    for i in range(config["n_layer"]):
        h, d = "transformer.h.%d." % i, "gptj_decoder/%d/" % i
        out[d + "ln_1/ln_1/gamma"] = hf[h + "ln_1.weight"]
        out[d + "ln_1/ln_1/beta"] = hf[h + "ln_1.bias"]
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            out[d + "attn/%s/%s/kernel" % (p, p)] = hf[h + "attn.%s.weight" % p].T
        for j, p in ((2 * i, "fc_in"), (2 * i + 1, "fc_out")):
            n = _dense(j)
            out[d + "mlp/%s/%s/kernel" % (n, n)] = hf[h + "mlp.%s.weight" % p].T
            out[d + "mlp/%s/%s/bias" % (n, n)] = hf[h + "mlp.%s.bias" % p]
    out["post_decoder_layer_norm/post_decoder_layer_norm/gamma"] = hf["transformer.ln_f.weight"]
    out["post_decoder_layer_norm/post_decoder_layer_norm/beta"] = hf["transformer.ln_f.bias"]
    if shared:
        out["bias"] = hf["lm_head.bias"]
    else:
        out["lm_head/lm_head/kernel"] = hf["lm_head.weight"].T
        out["lm_head/lm_head/bias"] = hf["lm_head.bias"]
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def _rotary_order(d, r):
    """Row order inside one head: Cerebras row 2j is HF row j, 2j+1 is HF row j + r/2."""
    order = list(range(d))
    for j in range(r // 2):
        order[2 * j] = j
        order[2 * j + 1] = j + r // 2
    return order


def neox_variables(hf, config, shared):
    """{tf_name: float32 array} that a GPT-NeoX conversion must hold (section 3b)."""
    e, h = config["hidden_size"], config["num_attention_heads"]
    d = e // h
    r = int(d * config.get("rotary_pct", 1.0))
    order = _rotary_order(d, r)
    out = {"input_embedding/embedding_weights": hf["gpt_neox.embed_in.weight"]}
    for i in range(config["num_hidden_layers"]):
        s, t = "gpt_neox.layers.%d." % i, "gptj_decoder/%d/" % i
        for hn, tn in (("input_layernorm", "ln_1"), ("post_attention_layernorm", "ln_2")):
            out[t + "%s/%s/gamma" % (tn, tn)] = hf[s + hn + ".weight"]
            out[t + "%s/%s/beta" % (tn, tn)] = hf[s + hn + ".bias"]
        w = hf[s + "attention.query_key_value.weight"].reshape(h, 3, d, e)
        b = hf[s + "attention.query_key_value.bias"].reshape(h, 3, d)
        for part, p in enumerate(("q_proj", "k_proj", "v_proj")):
            rows = order if p != "v_proj" else list(range(d))
            out[t + "attn/%s/%s/kernel" % (p, p)] = w[:, part, rows, :].reshape(e, e).T
            out[t + "attn/%s/%s/bias" % (p, p)] = b[:, part, rows].reshape(e)
        out[t + "attn/out_proj/out_proj/kernel"] = hf[s + "attention.dense.weight"].T
        out[t + "attn/out_proj/out_proj/bias"] = hf[s + "attention.dense.bias"]
        for j, p in ((2 * i, "dense_h_to_4h"), (2 * i + 1, "dense_4h_to_h")):
            n = _dense(j)
            out[t + "mlp/%s/%s/kernel" % (n, n)] = hf[s + "mlp.%s.weight" % p].T
            out[t + "mlp/%s/%s/bias" % (n, n)] = hf[s + "mlp.%s.bias" % p]
    out["post_decoder_layer_norm/post_decoder_layer_norm/gamma"] = hf["gpt_neox.final_layer_norm.weight"]
    out["post_decoder_layer_norm/post_decoder_layer_norm/beta"] = hf["gpt_neox.final_layer_norm.bias"]
    if not shared:
        out["lm_head/lm_head/kernel"] = hf["embed_out.weight"].T
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def cerebras_variables(model_type, hf, config, shared):
    if model_type == "gptj":
        return gptj_variables(hf, config, shared)
    if model_type == "gpt_neox":
        return neox_variables(hf, config, shared)
    raise ValueError(model_type)


def hf_from_cerebras_gptj(tf, n_layer, shared):
    """The inverse for GPT-J: {hf_name: array} to-hf must write from TF variables `tf`."""
    out = {"transformer.wte.weight": tf["input_embedding/embedding_weights"]}
    for i in range(n_layer):
        h, d = "transformer.h.%d." % i, "gptj_decoder/%d/" % i
        out[h + "ln_1.weight"] = tf[d + "ln_1/ln_1/gamma"]
        out[h + "ln_1.bias"] = tf[d + "ln_1/ln_1/beta"]
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            out[h + "attn.%s.weight" % p] = tf[d + "attn/%s/%s/kernel" % (p, p)].T
        for j, p in ((2 * i, "fc_in"), (2 * i + 1, "fc_out")):
            n = _dense(j)
            out[h + "mlp.%s.weight" % p] = tf[d + "mlp/%s/%s/kernel" % (n, n)].T
            out[h + "mlp.%s.bias" % p] = tf[d + "mlp/%s/%s/bias" % (n, n)]
    out["transformer.ln_f.weight"] = tf["post_decoder_layer_norm/post_decoder_layer_norm/gamma"]
    out["transformer.ln_f.bias"] = tf["post_decoder_layer_norm/post_decoder_layer_norm/beta"]
    if shared:
        out["lm_head.weight"] = tf["input_embedding/embedding_weights"]
        out["lm_head.bias"] = tf["bias"]
    else:
        out["lm_head.weight"] = tf["lm_head/lm_head/kernel"].T
        out["lm_head.bias"] = tf["lm_head/lm_head/bias"]
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def bits(a):
    """The raw bit patterns of a float32 array (so -0.0 != 0.0 and NaNs compare by payload)."""
    a = np.ascontiguousarray(a)
    assert a.dtype == np.float32, a.dtype
    return a.view(np.uint32)


def assert_bits_equal(name, got, want):
    assert got.shape == want.shape, "%s: shape %s != %s" % (name, got.shape, want.shape)
    g, w = bits(got), bits(want)
    if not np.array_equal(g, w):
        idx = np.argwhere(g != w)[0]
        raise AssertionError("%s: first difference at %s: got %r want %r (%d differ)" % (
            name, tuple(idx), got[tuple(idx)], want[tuple(idx)], int((g != w).sum())))
