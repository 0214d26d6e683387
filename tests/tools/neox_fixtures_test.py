#!/usr/bin/python3
"""Checks the GPT-NeoX test material itself, without ckptconv and without torch.

* The tests' numpy mapping (cerebras_mapping.py) reproduces, byte for byte, the expected-cs.json
  of tests/data/neox-tiny: the shared oracle, made independently. This anchors the mapping.
* Every committed tests/data/neox-variants/*/expected-cs.json (written with torch by
  tests/data/tools/make_neox_variants.py) is what the numpy mapping computes from that variant's
  weights, read by the torch-free reader hf_checkpoint.py; and every tensor of the weights is
  what tensors.json (written by torch) says. Two mappings and two readers agree.
* Each variant's config.json is a GPTNeoX config with the oracle's fields.

Run by CTest (label `python`): /usr/bin/python3 neox_fixtures_test.py
Needs numpy (Debian python3-numpy); without it the test fails, it never skips.
"""
import hashlib
import json
import os
import sys
import unittest

try:
    import numpy as np  # noqa: F401  (the modules below need it)
except ImportError:
    sys.exit("neox_fixtures_test: numpy is missing; install python3-numpy "
             "(scripts/install-deps.sh) and run with /usr/bin/python3. This test does not skip.")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
sys.path.insert(0, HERE)
import cerebras_mapping  # noqa: E402
import hf_checkpoint  # noqa: E402

VARIANTS_DIR = os.path.join(DATA, "neox-variants")
VARIANTS = ["zip-fp32-buffers", "zip-fp32", "legacy-fp32", "safetensors", "sharded-bin",
            "sharded-safetensors", "zip-fp16", "zip-bf16", "rotary-pct-0.25", "rotary-pct-1.0",
            "no-attention-bias"]


def read_text(path):
    with open(path) as f:
        return f.read()


class Oracle(unittest.TestCase):
    def test_mapping_reproduces_the_oracle_expected_cs(self):
        folder = os.path.join(DATA, "neox-tiny")
        arrays = cerebras_mapping.neox_to_cerebras(hf_checkpoint.read_model_dir(folder),
                                                   hf_checkpoint.read_config(folder))
        want = read_text(os.path.join(folder, "expected-cs.json"))
        got = json.loads(json.dumps(cerebras_mapping.expected_cs(arrays)))
        self.assertEqual(json.loads(want), got)
        self.assertEqual(cerebras_mapping.expected_cs_text(arrays), want)
        self.assertEqual(len(arrays), 36)
        self.assertEqual(json.loads(want)["param_count"], 112384)

    def test_the_oracle_has_all_three_buffers(self):
        sd = hf_checkpoint.read_model_dir(os.path.join(DATA, "neox-tiny"))
        for i in range(2):
            p = "gpt_neox.layers.%d.attention." % i
            self.assertEqual(sd[p + "bias"].dtype, "bool")
            self.assertEqual(sd[p + "bias"].array.shape, (1, 1, 32, 32))
            self.assertEqual(sd[p + "masked_bias"].array.shape, ())
            self.assertEqual(sd[p + "rotary_emb.inv_freq"].array.shape, (2,))

    def test_a_wrong_mapping_would_not_reproduce_it(self):
        folder = os.path.join(DATA, "neox-tiny")
        arrays = cerebras_mapping.neox_to_cerebras(hf_checkpoint.read_model_dir(folder),
                                                   hf_checkpoint.read_config(folder),
                                                   permute_rotary=False)
        want = json.loads(read_text(os.path.join(folder, "expected-cs.json")))
        got = json.loads(json.dumps(cerebras_mapping.expected_cs(arrays)))
        differing = sorted(n for n in want if n != "param_count" and want[n] != got[n])
        self.assertEqual(differing, ["gptj_decoder/%d/attn/%s_proj/%s_proj/%s" % (i, x, x, kind)
                                     for i in range(2) for x in "kq"
                                     for kind in ("bias", "kernel")])


class Variants(unittest.TestCase):
    def test_the_directory_holds_exactly_the_listed_variants(self):
        found = sorted(d for d in os.listdir(VARIANTS_DIR)
                       if os.path.isdir(os.path.join(VARIANTS_DIR, d)))
        self.assertEqual(found, sorted(VARIANTS))

    def test_expected_cs_is_what_the_numpy_mapping_computes(self):
        for v in VARIANTS:
            with self.subTest(variant=v):
                folder = os.path.join(VARIANTS_DIR, v)
                arrays = cerebras_mapping.neox_to_cerebras(hf_checkpoint.read_model_dir(folder),
                                                           hf_checkpoint.read_config(folder))
                self.assertEqual(cerebras_mapping.expected_cs_text(arrays),
                                 read_text(os.path.join(folder, "expected-cs.json")))

    def test_weights_are_what_torch_wrote(self):
        for v in VARIANTS:
            with self.subTest(variant=v):
                folder = os.path.join(VARIANTS_DIR, v)
                sd = hf_checkpoint.read_model_dir(folder)
                want = json.loads(read_text(os.path.join(folder, "tensors.json")))
                self.assertEqual(list(sd), list(want))
                for name, t in sd.items():
                    self.assertEqual(
                        {"dtype": t.dtype, "shape": list(t.array.shape),
                         "sha256": hashlib.sha256(hf_checkpoint.raw_bytes(t)).hexdigest()},
                        want[name], name)

    def test_configs_are_gpt_neox_configs(self):
        oracle = hf_checkpoint.read_config(os.path.join(DATA, "neox-tiny"))
        for v in VARIANTS:
            with self.subTest(variant=v):
                folder = os.path.join(VARIANTS_DIR, v)
                cfg = hf_checkpoint.read_config(folder)
                self.assertEqual(sorted(cfg), sorted(oracle))
                self.assertEqual(cfg["model_type"], "gpt_neox")
                self.assertEqual(cfg["architectures"], ["GPTNeoXForCausalLM"])
                E, H, D, r = cerebras_mapping.neox_dims(cfg)
                self.assertGreaterEqual(r, 2)
                sd = hf_checkpoint.read_model_dir(folder)
                self.assertEqual(sd["gpt_neox.embed_in.weight"].array.shape,
                                 (cfg["vocab_size"], E))
                self.assertEqual(sd["gpt_neox.layers.0.mlp.dense_h_to_4h.weight"].array.shape,
                                 (cfg["intermediate_size"], E))
                self.assertEqual(sd["gpt_neox.layers.0.attention.query_key_value.weight"].dtype,
                                 cfg["torch_dtype"])
                has_buffers = "gpt_neox.layers.0.attention.bias" in sd
                self.assertEqual(has_buffers, v in ("zip-fp32-buffers", "legacy-fp32",
                                                    "sharded-bin", "zip-fp16"))
                if has_buffers:
                    inv_freq = hf_checkpoint.to_float64(
                        sd["gpt_neox.layers.0.attention.rotary_emb.inv_freq"])
                    self.assertEqual(inv_freq.shape, (r // 2,))

    def test_the_variants_cover_what_they_are_named_for(self):
        def cfg(v):
            return hf_checkpoint.read_config(os.path.join(VARIANTS_DIR, v))

        self.assertEqual(cerebras_mapping.neox_dims(cfg("rotary-pct-0.25"))[3], 4)
        self.assertEqual(cerebras_mapping.neox_dims(cfg("rotary-pct-1.0"))[2:], (8, 8))
        self.assertEqual(cfg("rotary-pct-1.0")["hidden_act"], "gelu_new")
        self.assertFalse(cfg("no-attention-bias")["attention_bias"])
        self.assertEqual(cfg("zip-fp16")["torch_dtype"], "float16")
        self.assertEqual(cfg("zip-bf16")["torch_dtype"], "bfloat16")
        files = {v: sorted(os.listdir(os.path.join(VARIANTS_DIR, v))) for v in VARIANTS}
        self.assertIn("pytorch_model.bin.index.json", files["sharded-bin"])
        self.assertIn("model.safetensors.index.json", files["sharded-safetensors"])
        self.assertIn("model.safetensors", files["safetensors"])
        with open(os.path.join(VARIANTS_DIR, "legacy-fp32", "pytorch_model.bin"), "rb") as f:
            self.assertNotEqual(f.read(2), b"PK")  # not a zip


if __name__ == "__main__":
    unittest.main(verbosity=2)
