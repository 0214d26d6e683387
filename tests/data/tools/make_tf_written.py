#!/usr/bin/env python3
"""Regenerates tests/data/tf-written/: checkpoints written by real TensorFlow the way a
Cerebras run leaves them, for the core suite's regression tests of what the interop suite
found (tests/cli/tf_written_cli_test.cc).

Run with the interop tf venv (scripts/setup-interop.sh) and a built ckptconv:
    CKPTCONV_BIN=build/test/src/cli/ckptconv \\
      ~/.cache/ckptconv-interop/tf/bin/python tests/data/tools/make_tf_written.py
The tests never run this; they read the committed output. A tiny random GPT-J (E=16, one
layer; numpy, seeded) is converted by ckptconv (for params.yaml), then TensorFlow creates the
Cerebras-named variables from it, takes one tf.compat.v1.train.AdamOptimizer step and saves
with tf.compat.v1.train.Saver (global_step, <var>/Adam, <var>/Adam_1, beta1_power,
beta2_power; no .meta graph, to keep the files small). Each directory holds the checkpoint,
params.yaml and EXPECTED.json, which TensorFlow's own reader and numpy produce:
  tf_variables: {name: {dtype, shape}} as tf.train.load_checkpoint lists them
  model_variables: the GPT-J variables among them
  hf: {HF name: {shape, sha256}}: the float32 HF tensors to-hf must write (TF values widened
      by numpy, transposed back), sha256 of their little-endian bytes
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop"))
from cerebras_names import gptj_variables, hf_from_cerebras_gptj  # noqa: E402
from tf_training import train_and_save  # noqa: E402

OUT = os.path.join(HERE, "..", "tf-written")
CONFIG = {"model_type": "gptj", "architectures": ["GPTJForCausalLM"], "vocab_size": 24,
          "n_positions": 16, "n_embd": 16, "n_layer": 1, "n_head": 2, "rotary_dim": 4,
          "n_inner": 32, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05,
          "tie_word_embeddings": False, "torch_dtype": "float32"}
# name, variable dtype, CPU devices the variables are spread over (Saver(sharded=True) above 1)
VARIANTS = [("f32-adam", "float32", 1), ("bf16-adam", "bfloat16", 1),
            ("f16-adam-sharded", "float16", 2)]


def tiny_hf():
    rng = np.random.RandomState(11)
    e, i, v = CONFIG["n_embd"], CONFIG["n_inner"], CONFIG["vocab_size"]
    shapes = {"transformer.wte.weight": [v, e], "transformer.ln_f.weight": [e],
              "transformer.ln_f.bias": [e], "lm_head.weight": [v, e], "lm_head.bias": [v]}
    h = "transformer.h.0."
    shapes.update({h + "ln_1.weight": [e], h + "ln_1.bias": [e], h + "mlp.fc_in.weight": [i, e],
                   h + "mlp.fc_in.bias": [i], h + "mlp.fc_out.weight": [e, i],
                   h + "mlp.fc_out.bias": [e]})
    for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
        shapes[h + "attn.%s.weight" % p] = [e, e]
    return {n: (rng.standard_normal(s) * 0.5).astype(np.float32) for n, s in sorted(shapes.items())}


def main():
    ckptconv = os.environ["CKPTCONV_BIN"]
    work = tempfile.mkdtemp()
    hf_dir = os.path.join(work, "hf")
    os.makedirs(hf_dir)
    hf = tiny_hf()
    save_file(hf, os.path.join(hf_dir, "model.safetensors"))
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    subprocess.run([ckptconv, "convert", "--input_dir", hf_dir, "--output_dir",
                    os.path.join(work, "cs")], check=True)
    start = gptj_variables(hf, CONFIG, shared=False)
    for name, dtype, shards in VARIANTS:
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        train_and_save(start, dtype, shards, d, write_meta_graph=False)
        shutil.copy(os.path.join(work, "cs", "params.yaml"), d)
        reader = tf.train.load_checkpoint(d)
        dtypes = reader.get_variable_to_dtype_map()
        values = {n: reader.get_tensor(n) for n in dtypes}
        widened = {n: values[n].astype(np.float32) for n in start}
        back = hf_from_cerebras_gptj(widened, CONFIG["n_layer"], shared=False)
        expected = {
            "tf_variables": {n: {"dtype": dtypes[n].name, "shape": list(values[n].shape)}
                             for n in sorted(values)},
            "model_variables": sorted(start),
            "hf": {n: {"shape": list(a.shape),
                       "sha256": hashlib.sha256(a.astype("<f4").tobytes()).hexdigest()}
                   for n, a in sorted(back.items())},
        }
        with open(os.path.join(d, "EXPECTED.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(name, sorted(os.listdir(d)))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
