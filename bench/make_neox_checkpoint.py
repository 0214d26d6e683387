#!/usr/bin/env python3
"""Writes a GPT-NeoX-shaped HF checkpoint of random float32 weights for the benchmarks:
config.json + model.safetensors with the real tensor sizes of a GPT-NeoX model, by default
Pythia-1.4B (hidden 2048, 24 layers, 16 heads, intermediate 8192, vocab 50304: 5.65 GB).

    /usr/bin/python3 bench/make_neox_checkpoint.py OUT_DIR [LAYERS] [HIDDEN] [HEADS] [VOCAB]

Needs numpy (Debian's python3-numpy). The values are one 64 MiB random block repeated: the
converter's speed does not depend on them, and the file is written at disk speed."""
import json
import os
import struct
import sys

import numpy as np


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    e = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
    heads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    vocab = int(sys.argv[5]) if len(sys.argv) > 5 else 50304
    inner, positions = 4 * e, 2048
    tensors = [("gpt_neox.embed_in.weight", [vocab, e])]
    for i in range(layers):
        p = f"gpt_neox.layers.{i}."
        tensors += [
            (p + "input_layernorm.weight", [e]), (p + "input_layernorm.bias", [e]),
            (p + "post_attention_layernorm.weight", [e]),
            (p + "post_attention_layernorm.bias", [e]),
            (p + "attention.query_key_value.weight", [3 * e, e]),
            (p + "attention.query_key_value.bias", [3 * e]),
            (p + "attention.dense.weight", [e, e]), (p + "attention.dense.bias", [e]),
            (p + "mlp.dense_h_to_4h.weight", [inner, e]), (p + "mlp.dense_h_to_4h.bias", [inner]),
            (p + "mlp.dense_4h_to_h.weight", [e, inner]), (p + "mlp.dense_4h_to_h.bias", [e]),
        ]
    tensors += [("gpt_neox.final_layer_norm.weight", [e]),
                ("gpt_neox.final_layer_norm.bias", [e]), ("embed_out.weight", [vocab, e])]
    header, offset = {}, 0
    for name, shape in tensors:
        n = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1)
    block = (rng.standard_normal(16 << 20, dtype=np.float32) * 0.02).tobytes()
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        left = offset
        while left > 0:
            k = min(left, len(block))
            f.write(block[:k])
            left -= k
    config = {
        "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": e,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": inner,
        "vocab_size": vocab, "max_position_embeddings": positions, "rotary_pct": 0.25,
        "rotary_emb_base": 10000, "layer_norm_eps": 1e-05, "hidden_act": "gelu",
        "use_parallel_residual": True, "tie_word_embeddings": False, "torch_dtype": "float32",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"{out}: {len(tensors)} tensors, {offset / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
