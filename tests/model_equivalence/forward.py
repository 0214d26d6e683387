"""Float64 numpy forward passes of three models, for the model-equivalence tests.

* hf_neox_logits: GPT-NeoX as HF transformers' GPTNeoXForCausalLM computes it (parallel residual
  x + attn(ln1(x)) + mlp(ln2(x)); fused query_key_value viewed per token as [H, 3*D]; rotary on
  the first r dims with rotate_half, inv_freq = 1/base^(arange(0, r, 2)/r); causal softmax of
  q.k/sqrt(D); dense; final_layer_norm; embed_out).
* hf_gptj_logits: GPT-J as GPTJForCausalLM computes it (x + attn(ln_1(x)) + mlp(ln_1(x));
  q/k/v without bias; rotate_every_two rotary on the first rotary_dim dims with sin/cos
  interleaved; fc_in/fc_out with bias; ln_f; lm_head with bias).
* cerebras_gptj_logits: the Cerebras model zoo GPT-J TF model on TF variables only (embedding
  lookup; ln_1, and ln_2 for the MLP when the variables exist; q/k/v = x @ kernel (+ bias when
  present); rotary on pairs (2j, 2j+1) with frequency j; out_proj; dense_layer_{2i} -> act ->
  dense_layer_{2i+1}; post_decoder_layer_norm; lm_head kernel (+ bias) or the embedding
  transposed (+ top-level `bias`) with shared embeddings).
The three are written separately on purpose: the tests compare them with each other.
"""
import math
import re

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    """Exact gelu (HF "gelu"): x * Phi(x)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def gelu_new(x):
    """tanh approximation (HF "gelu_new", the Cerebras "gelu")."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {"gelu": gelu, "gelu_new": gelu_new}


def activation(name):
    if name not in ACTIVATIONS:
        raise ValueError("activation %r is not modelled by these tests" % name)
    return ACTIVATIONS[name]


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def causal_attention(q, k, v):
    """q, k, v: [T, H, D] -> [T, H, D]; softmax(q.k / sqrt(D)) with a causal mask."""
    T, _, D = q.shape
    scores = np.einsum("thd,shd->hts", q, k) / math.sqrt(D)
    mask = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(mask[None], scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p = p / p.sum(axis=-1, keepdims=True)
    return np.einsum("hts,shd->thd", p, v)


# ------------------------------------------------------------------------------- HF NeoX
def hf_neox_logits(w, config, tokens):
    """w: HF name -> float64 array (buffers ignored); config: config.json dict."""
    E = config["hidden_size"]
    H = config["num_attention_heads"]
    D = E // H
    r = int(D * config.get("rotary_pct", 0.25))
    base = config.get("rotary_emb_base", 10000)
    eps = config["layer_norm_eps"]
    act = activation(config["hidden_act"])
    if not config.get("use_parallel_residual", True):
        raise ValueError("only the parallel residual is modelled")
    has_bias = config.get("attention_bias", True)
    tokens = np.asarray(tokens)
    T = len(tokens)

    inv_freq = 1.0 / (base ** (np.arange(0, r, 2, dtype=np.float64) / r))
    freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)  # [T, r/2]
    emb = np.concatenate([freqs, freqs], axis=-1)  # [T, r]
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]

    def rotate_half(x):
        half = x.shape[-1] // 2
        return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)

    def rope(x):  # x: [T, H, D]
        rot, rest = x[..., :r], x[..., r:]
        return np.concatenate([rot * cos + rotate_half(rot) * sin, rest], axis=-1)

    x = w["gpt_neox.embed_in.weight"][tokens]
    for i in range(config["num_hidden_layers"]):
        p = "gpt_neox.layers.%d." % i
        h = layer_norm(x, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps)
        qkv = h @ w[p + "attention.query_key_value.weight"].T
        if has_bias:
            qkv = qkv + w[p + "attention.query_key_value.bias"]
        qkv = qkv.reshape(T, H, 3 * D)
        q, k, v = qkv[..., :D], qkv[..., D:2 * D], qkv[..., 2 * D:]
        a = causal_attention(rope(q), rope(k), v).reshape(T, E)
        a = a @ w[p + "attention.dense.weight"].T
        if has_bias:
            a = a + w[p + "attention.dense.bias"]
        h2 = layer_norm(x, w[p + "post_attention_layernorm.weight"],
                        w[p + "post_attention_layernorm.bias"], eps)
        m = act(h2 @ w[p + "mlp.dense_h_to_4h.weight"].T + w[p + "mlp.dense_h_to_4h.bias"])
        m = m @ w[p + "mlp.dense_4h_to_h.weight"].T + w[p + "mlp.dense_4h_to_h.bias"]
        x = x + a + m
    x = layer_norm(x, w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"],
                   eps)
    return x @ w["embed_out.weight"].T


# ------------------------------------------------------------------------------- HF GPT-J
def hf_gptj_logits(w, config, tokens):
    E = config["n_embd"]
    H = config["n_head"]
    D = E // H
    R = config["rotary_dim"] or D
    eps = config["layer_norm_epsilon"]
    act = activation(config["activation_function"])
    tokens = np.asarray(tokens)
    T = len(tokens)

    inv_freq = 1.0 / (10000 ** (np.arange(0, R, 2, dtype=np.float64) / R))
    sinusoid = np.outer(np.arange(T, dtype=np.float64), inv_freq)  # [T, R/2]
    sin = np.repeat(np.sin(sinusoid), 2, axis=-1)[:, None, :]  # interleaved: [s0 s0 s1 s1 ...]
    cos = np.repeat(np.cos(sinusoid), 2, axis=-1)[:, None, :]

    def rotate_every_two(x):
        out = np.empty_like(x)
        out[..., 0::2] = -x[..., 1::2]
        out[..., 1::2] = x[..., 0::2]
        return out

    def rope(x):
        rot, rest = x[..., :R], x[..., R:]
        return np.concatenate([rot * cos + rotate_every_two(rot) * sin, rest], axis=-1)

    x = w["transformer.wte.weight"][tokens]
    for i in range(config["n_layer"]):
        p = "transformer.h.%d." % i
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        q = (h @ w[p + "attn.q_proj.weight"].T).reshape(T, H, D)
        k = (h @ w[p + "attn.k_proj.weight"].T).reshape(T, H, D)
        v = (h @ w[p + "attn.v_proj.weight"].T).reshape(T, H, D)
        a = causal_attention(rope(q), rope(k), v).reshape(T, E) @ w[p + "attn.out_proj.weight"].T
        m = act(h @ w[p + "mlp.fc_in.weight"].T + w[p + "mlp.fc_in.bias"])
        m = m @ w[p + "mlp.fc_out.weight"].T + w[p + "mlp.fc_out.bias"]
        x = x + a + m
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ w["lm_head.weight"].T + w["lm_head.bias"]


# ------------------------------------------------------------------------ Cerebras GPT-J
def cerebras_gptj_logits(v, num_heads, rotary_dim, eps, act_name, tokens):
    """v: TF variable name -> float64 array, exactly the variables of the checkpoint.
    Every variable must be used; an unused one is an error (a converter that writes an extra
    variable the model would not restore is wrong)."""
    act = activation(act_name)
    used = set()

    def var(name):
        used.add(name)
        return v[name]

    def opt(name):
        return var(name) if name in v else None

    layers = sorted({int(m.group(1)) for m in
                     (re.match(r"gptj_decoder/(\d+)/", n) for n in v) if m})
    if layers != list(range(len(layers))):
        raise ValueError("decoder layers are not 0..n-1: %s" % layers)
    tokens = np.asarray(tokens)
    T = len(tokens)
    table = var("input_embedding/embedding_weights")
    E = table.shape[1]
    H = num_heads
    D = E // H
    half = rotary_dim // 2
    # Pair (2j, 2j+1) turns by angle pos * inv_freq[j].
    inv_freq = 1.0 / (10000.0 ** (2.0 * np.arange(half, dtype=np.float64) / rotary_dim))
    angle = np.arange(T, dtype=np.float64)[:, None] * inv_freq[None, :]  # [T, half]
    c, s = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]

    def rope(x):  # [T, H, D]
        even, odd = x[..., 0:rotary_dim:2], x[..., 1:rotary_dim:2]
        out = x.copy()
        out[..., 0:rotary_dim:2] = even * c - odd * s
        out[..., 1:rotary_dim:2] = odd * c + even * s
        return out

    def dense(x, scope):
        y = x @ var(scope + "/kernel")
        b = opt(scope + "/bias")
        return y if b is None else y + b

    x = table[tokens]
    for i in layers:
        p = "gptj_decoder/%d/" % i
        h1 = layer_norm(x, var(p + "ln_1/ln_1/gamma"), var(p + "ln_1/ln_1/beta"), eps)
        if p + "ln_2/ln_2/gamma" in v:  # use_untied_layer_norm
            h2 = layer_norm(x, var(p + "ln_2/ln_2/gamma"), var(p + "ln_2/ln_2/beta"), eps)
        else:
            h2 = h1
        q = dense(h1, p + "attn/q_proj/q_proj").reshape(T, H, D)
        k = dense(h1, p + "attn/k_proj/k_proj").reshape(T, H, D)
        val = dense(h1, p + "attn/v_proj/v_proj").reshape(T, H, D)
        a = causal_attention(rope(q), rope(k), val).reshape(T, E)
        a = dense(a, p + "attn/out_proj/out_proj")
        d0, d1 = _dense_layer(2 * i), _dense_layer(2 * i + 1)
        m = act(dense(h2, p + "mlp/%s/%s" % (d0, d0)))
        m = dense(m, p + "mlp/%s/%s" % (d1, d1))
        x = x + a + m
    x = layer_norm(x, var("post_decoder_layer_norm/post_decoder_layer_norm/gamma"),
                   var("post_decoder_layer_norm/post_decoder_layer_norm/beta"), eps)
    if "lm_head/lm_head/kernel" in v:
        logits = dense(x, "lm_head/lm_head")
    else:  # share_embedding_weights: the embedding, transposed, is the output matrix
        logits = x @ table.T
        b = opt("bias")
        if b is not None:
            logits = logits + b
    unused = sorted(set(v) - used)
    if unused:
        raise ValueError("variables the model does not use: %s" % unused)
    return logits


def _dense_layer(n):
    return "dense_layer" if n == 0 else "dense_layer_%d" % n
