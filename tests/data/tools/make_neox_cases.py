#!/usr/bin/python3
"""Small GPT-NeoX checkpoints for the cases neox-tiny does not cover, written by real PyTorch,
with the Cerebras TF variables they must convert to computed here independently with torch
(view as [H, 3, D, ...], index_select of the rotate_every_two order, transpose).

Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/data/tools/make_neox_cases.py
Writes tests/data/neox-cases/<case>/{config.json, pytorch_model.bin, expected-cs.json}.
"""
import hashlib
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "neox-cases")

CASES = {
    # attention_bias false (newer configs): no q/k/v/out biases; full rotary; fp16 weights.
    "no-bias-full-rotary-fp16": dict(attention_bias=False, rotary_pct=1.0, dtype=torch.float16,
                                     tie=False),
    # tied output layer (for --share_embeddings), safetensors-free .bin, rotary 0.5.
    "tied": dict(attention_bias=True, rotary_pct=0.5, dtype=torch.float32, tie=True),
}
E, H, L, V, I, P = 32, 2, 2, 40, 64, 16
D = E // H


def dense(name):
    return "dense_layer" if name == 0 else f"dense_layer_{name}"


def make(case, attention_bias, rotary_pct, dtype, tie):
    g = torch.Generator().manual_seed(sum(map(ord, case)))
    rnd = lambda *shape: torch.randn(*shape, generator=g).to(dtype)
    sd = {"gpt_neox.embed_in.weight": rnd(V, E)}
    for i in range(L):
        p = f"gpt_neox.layers.{i}."
        sd[p + "input_layernorm.weight"] = rnd(E)
        sd[p + "input_layernorm.bias"] = rnd(E)
        sd[p + "post_attention_layernorm.weight"] = rnd(E)
        sd[p + "post_attention_layernorm.bias"] = rnd(E)
        sd[p + "attention.query_key_value.weight"] = rnd(3 * E, E)
        if attention_bias:
            sd[p + "attention.query_key_value.bias"] = rnd(3 * E)
        sd[p + "attention.dense.weight"] = rnd(E, E)
        if attention_bias:
            sd[p + "attention.dense.bias"] = rnd(E)
        sd[p + "mlp.dense_h_to_4h.weight"] = rnd(I, E)
        sd[p + "mlp.dense_h_to_4h.bias"] = rnd(I)
        sd[p + "mlp.dense_4h_to_h.weight"] = rnd(E, I)
        sd[p + "mlp.dense_4h_to_h.bias"] = rnd(E)
    sd["gpt_neox.final_layer_norm.weight"] = rnd(E)
    sd["gpt_neox.final_layer_norm.bias"] = rnd(E)
    sd["embed_out.weight"] = sd["gpt_neox.embed_in.weight"].clone() if tie else rnd(V, E)

    r = int(D * rotary_pct)
    order = [x for j in range(r // 2) for x in (j, j + r // 2)] + list(range(r, D))
    order = torch.tensor(order)
    tf = {"input_embedding/embedding_weights": sd["gpt_neox.embed_in.weight"]}
    for i in range(L):
        p, t = f"gpt_neox.layers.{i}.", f"gptj_decoder/{i}/"
        tf[t + "ln_1/ln_1/gamma"] = sd[p + "input_layernorm.weight"]
        tf[t + "ln_1/ln_1/beta"] = sd[p + "input_layernorm.bias"]
        tf[t + "ln_2/ln_2/gamma"] = sd[p + "post_attention_layernorm.weight"]
        tf[t + "ln_2/ln_2/beta"] = sd[p + "post_attention_layernorm.bias"]
        w = sd[p + "attention.query_key_value.weight"].view(H, 3, D, E)
        b = sd[p + "attention.query_key_value.bias"].view(H, 3, D) if attention_bias else None
        for s, name in enumerate("qkv"):
            part = w[:, s]
            if name != "v":
                part = part.index_select(1, order)
            tf[t + f"attn/{name}_proj/{name}_proj/kernel"] = part.reshape(E, E).t()
            if b is not None:
                pb = b[:, s]
                if name != "v":
                    pb = pb.index_select(1, order)
                tf[t + f"attn/{name}_proj/{name}_proj/bias"] = pb.reshape(E)
        tf[t + "attn/out_proj/out_proj/kernel"] = sd[p + "attention.dense.weight"].t()
        if attention_bias:
            tf[t + "attn/out_proj/out_proj/bias"] = sd[p + "attention.dense.bias"]
        d0, d1 = dense(2 * i), dense(2 * i + 1)
        tf[t + f"mlp/{d0}/{d0}/kernel"] = sd[p + "mlp.dense_h_to_4h.weight"].t()
        tf[t + f"mlp/{d0}/{d0}/bias"] = sd[p + "mlp.dense_h_to_4h.bias"]
        tf[t + f"mlp/{d1}/{d1}/kernel"] = sd[p + "mlp.dense_4h_to_h.weight"].t()
        tf[t + f"mlp/{d1}/{d1}/bias"] = sd[p + "mlp.dense_4h_to_h.bias"]
    tf["post_decoder_layer_norm/post_decoder_layer_norm/gamma"] = sd["gpt_neox.final_layer_norm.weight"]
    tf["post_decoder_layer_norm/post_decoder_layer_norm/beta"] = sd["gpt_neox.final_layer_norm.bias"]
    if not tie:
        tf["lm_head/lm_head/kernel"] = sd["embed_out.weight"].t()

    expected = {}
    for name, v in sorted(tf.items()):
        v = v.to(torch.float32).contiguous()
        expected[name] = {"dtype": "float32", "shape": list(v.shape),
                          "sha256": hashlib.sha256(v.numpy().tobytes()).hexdigest()}
    expected["param_count"] = sum(v.numel() for v in tf.values())

    config = {
        "architectures": ["GPTNeoXForCausalLM"], "attention_bias": attention_bias,
        "hidden_act": "gelu_new", "hidden_size": E, "intermediate_size": I,
        "layer_norm_eps": 1e-5, "max_position_embeddings": P, "model_type": "gpt_neox",
        "num_attention_heads": H, "num_hidden_layers": L, "rotary_emb_base": 10000,
        "rotary_pct": rotary_pct, "tie_word_embeddings": tie, "torch_dtype": str(dtype)[6:],
        "use_parallel_residual": True, "vocab_size": V,
    }
    d = os.path.join(OUT, case)
    os.makedirs(d, exist_ok=True)
    torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(d, "expected-cs.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    for case, kw in CASES.items():
        make(case, **kw)
