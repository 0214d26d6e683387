"""Tiny GPT-J / GPT-NeoX checkpoints written by real transformers (save_pretrained), for the
interop tests. Runs in the hf venv (Debian's torch 1.13 + pinned transformers).

As a library: make_fixture(spec, out_dir). As a program (how the TF-side tests, which run in
the other venv, get their inputs):
    python hf_fixtures.py OUT_DIR SPEC_JSON...
writes OUT_DIR/<name>/ (what save_pretrained wrote) and OUT_DIR/<name>.npz (every tensor of
the model's state_dict widened to float32 by torch, which is exact: the values TensorFlow
must read back).
"""
import json
import os
import sys

import numpy as np
import torch
from transformers import GPTJConfig, GPTJForCausalLM, GPTNeoXConfig, GPTNeoXForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}

# A fixed token sequence for the logits comparisons.
TOKENS = [[3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 38, 32, 79]]


from hf_fixtures_names import name_of as spec_name  # noqa: E402  (one naming rule)


def build_model(spec):
    """The model of `spec`, every parameter random (seeded), in float32."""
    torch.manual_seed(spec.get("seed", 1234))
    tied = bool(spec.get("tied"))
    if spec["model"] == "gptj":
        config = GPTJConfig(vocab_size=96, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                            rotary_dim=4, tie_word_embeddings=tied)
        model = GPTJForCausalLM(config)
    elif spec["model"] == "gpt_neox":
        config = GPTNeoXConfig(vocab_size=96, hidden_size=32, num_hidden_layers=2,
                               num_attention_heads=4, intermediate_size=64,
                               max_position_embeddings=32, rotary_pct=0.5,
                               tie_word_embeddings=tied)
        model = GPTNeoXForCausalLM(config)
    else:
        raise ValueError(spec["model"])
    with torch.no_grad():
        # Random everything (layer norms and biases too, which init would leave at 1 and 0),
        # scaled so the forward pass stays well inside float16's range.
        for p in model.parameters():
            p.copy_(torch.randn(p.shape) * 0.3)
    model.eval()
    return model


def original_float32(spec):
    """The model of `spec` as from_pretrained rebuilds it from the saved weights: parameters
    rounded to spec's dtype, computed in float32 with freshly made float32 buffers. (Casting
    the whole model to half and back would also round its non-persistent buffers, e.g.
    GPT-NeoX's rotary inv_freq, which no checkpoint holds.)"""
    model = build_model(spec)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(DTYPES[spec["dtype"]]).float())
    return model


def make_fixture(spec, out_root):
    """Saves the model of `spec` under out_root/<name>; returns (dir, float32 state dict)."""
    name = spec_name(spec)
    out = os.path.join(out_root, name)
    model = build_model(spec).to(DTYPES[spec["dtype"]])
    kwargs = {"safe_serialization": spec["safe"]}
    if spec.get("shard"):
        kwargs["max_shard_size"] = spec["shard"]
    model.save_pretrained(out, **kwargs)
    state = {k: v.float().numpy().copy() for k, v in model.state_dict().items()}
    np.savez(os.path.join(out_root, name + ".npz"), **state)
    return out, state


def logits_of(model_dir_or_model):
    """float32 logits of the real HF forward pass on TOKENS."""
    if isinstance(model_dir_or_model, str):
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(model_dir_or_model, torch_dtype=torch.float32)
    else:
        model = model_dir_or_model
    model = model.float().eval()
    with torch.no_grad():
        return model(torch.tensor(TOKENS)).logits


def main(argv):
    out_root = argv[1]
    os.makedirs(out_root, exist_ok=True)
    for text in argv[2:]:
        spec = json.loads(text)
        make_fixture(spec, out_root)
        print(spec_name(spec))


if __name__ == "__main__":
    main(sys.argv)
