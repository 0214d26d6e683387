#!/usr/bin/python3
"""Regenerates tests/data/gptj-variants/: the tiny GPT-J of examples/gptj-tiny (same seed,
same dims) written in every input format ckptconv reads, plus malformed files.

Needs /usr/bin/python3 with torch (Debian: apt-get install python3-torch) and numpy. The tests
never run this; they read the committed output. Each variant directory holds:
  config.json, the weights, tensors.json (every tensor of the state dict, buffers included:
  {name: {"dtype", "shape", "sha256" of its C-contiguous raw bytes in its own dtype}}),
  and for well-formed variants expected-cs.json / expected-cs-shared.json (the Cerebras TF
  variables, computed by examples/gptj-tiny/tools/expected_cs.py with real torch).
"""
import collections
import hashlib
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "..", "examples", "gptj-tiny", "tools")
sys.path.insert(0, TOOLS)
import make_gptj_fixture as gen  # noqa: E402
import expected_cs  # noqa: E402
import torch  # noqa: E402

DIMS = dict(E=64, L=2, H=4, R=16, V=128, P=32, I=None, seed=0)

VARIANTS = [
    # name, generate() keyword arguments
    ("zip-fp16", dict(fmt="zip", dtype="fp16")),
    ("zip-bf16", dict(fmt="zip", dtype="bf16")),
    ("legacy-fp32", dict(fmt="legacy")),
    ("legacy-fp16", dict(fmt="legacy", dtype="fp16")),
    ("sharded-bin", dict(fmt="sharded-bin", shards=3)),
    ("safetensors", dict(fmt="safetensors")),
    ("safetensors-bf16", dict(fmt="safetensors", dtype="bf16")),
    ("safetensors-sorted-header", dict(fmt="safetensors", sorted_header=True)),
    ("sharded-safetensors", dict(fmt="sharded-safetensors", shards=3)),
    ("tricky", dict(fmt="tricky")),
    ("missing-tensor", dict(fmt="zip", drop=["transformer.h.1.attn.q_proj.weight"])),
    ("malformed-truncated", dict(malformed="truncated")),
    ("malformed-pickle-os-system", dict(malformed="pickle-os-system")),
    ("malformed-pickle-builtins-eval", dict(malformed="pickle-builtins-eval")),
    ("malformed-safetensors-bad-offsets", dict(malformed="safetensors-bad-offsets")),
    ("malformed-lfs-pointer", dict(malformed="lfs-pointer")),
]


def raw_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    if t.dtype == torch.bool:
        return t.numpy().astype("u1").tobytes()
    return t.numpy().tobytes()


def tensors_json(sd):
    names = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
             torch.bool: "bool"}
    out = collections.OrderedDict()
    for k, v in sd.items():
        out[k] = collections.OrderedDict([
            ("dtype", names[v.dtype]), ("shape", list(v.shape)),
            ("sha256", hashlib.sha256(raw_bytes(v)).hexdigest())])
    return out


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    root = os.path.join(HERE, "..", "gptj-variants")
    shutil.rmtree(root, ignore_errors=True)
    for name, kw in VARIANTS:
        d = os.path.join(root, name)
        sd = gen.generate(d, E=DIMS["E"], L=DIMS["L"], H=DIMS["H"], R=DIMS["R"], V=DIMS["V"],
                          P=DIMS["P"], I=DIMS["I"], seed=DIMS["seed"], **kw)
        if sd is not None:
            dump(tensors_json(sd), os.path.join(d, "tensors.json"))
        if "malformed" in kw or name == "missing-tensor":
            continue
        loaded = expected_cs.load_state_dict(d)
        dump(expected_cs.expected_json(loaded, False), os.path.join(d, "expected-cs.json"))
        dump(expected_cs.expected_json(loaded, True), os.path.join(d, "expected-cs-shared.json"))
        print("wrote", name)


if __name__ == "__main__":
    main()
