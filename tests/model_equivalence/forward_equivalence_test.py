#!/usr/bin/python3
"""Model equivalence: the proof that a mapping is right (DESIGN.md §3b).

For a fixture, (a) the HF model's forward pass on the HF weights and (b) the Cerebras GPT-J TF
model's forward pass on the converted variables (read back from the TF bundle ckptconv wrote,
with the test-side reader tests/tools/tf_bundle.py) must give the same logits in float64 to
1e-9 on a fixed token sequence. Both sides use the HF model's activation. The numpy HF GPT-NeoX
forward is anchored to real transformers by tests/data/neox-tiny/hf-logits.json.

Negative controls show the comparison can fail: the Cerebras forward on q/k kernels without the
rotary permutation must differ by more than 1e-3.

Run by CTest (label `python`):
  /usr/bin/python3 forward_equivalence_test.py --ckptconv PATH [unittest names...]
Needs numpy (Debian python3-numpy); without it the test fails, it never skips.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
except ImportError:
    sys.exit("forward_equivalence_test: numpy is missing; install python3-numpy "
             "(scripts/install-deps.sh) and run with /usr/bin/python3. This test does not skip.")

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
DATA = os.path.join(TESTS, "data")
sys.path[:0] = [os.path.join(TESTS, "tools"), HERE]
import cerebras_mapping  # noqa: E402
import forward  # noqa: E402
import hf_checkpoint  # noqa: E402
import tf_bundle  # noqa: E402

CKPTCONV = None  # set by main() from --ckptconv

TOLERANCE = 1e-9
NEGATIVE_CONTROL_MIN = 1e-3
# A fixed sequence: every id below the smallest vocabulary (96), longer than the hf-logits one.
TOKENS = [3, 17, 5, 90, 1, 44, 60, 2, 8, 33, 71, 12, 0, 95, 27, 50]

NEOX_FIXTURES = ["neox-tiny"] + [
    "neox-variants/" + v for v in (
        "zip-fp32-buffers", "zip-fp32", "legacy-fp32", "safetensors", "sharded-bin",
        "sharded-safetensors", "zip-fp16", "zip-bf16", "rotary-pct-0.25", "rotary-pct-1.0",
        "no-attention-bias")]


def hf_weights(folder):
    """HF name -> float64 array (buffers, which are bool or not weights, included but unused)."""
    return {name: hf_checkpoint.to_float64(t)
            for name, t in hf_checkpoint.read_model_dir(folder).items() if t.dtype != "bool"}


def max_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max())


def read_params_yaml(path):
    """The scalar `key: value` lines of params.yaml's `model:` section."""
    out = {}
    section = None
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line.startswith(" "):
                section = line.split(":", 1)[0].strip()
                continue
            if section != "model" or ":" not in line:
                continue
            key, value = (s.strip() for s in line.split(":", 1))
            out[key] = value
    return out


def yaml_bool(value):
    if value in ("true", "True"):
        return True
    if value in ("false", "False"):
        return False
    raise AssertionError("not a YAML boolean: %r" % value)


def ckptconv_convert(folder, out_dir, share=False):
    """Runs `ckptconv convert`; returns (TF name -> float64 array, params.yaml model section)."""
    if not CKPTCONV:
        raise AssertionError("no ckptconv binary: pass --ckptconv PATH")
    args = [CKPTCONV, "convert", "--input_dir", folder, "--output_dir", out_dir, "--no-progress"]
    if share:
        args.append("--share_embeddings")
    r = subprocess.run(args, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise AssertionError("%s failed with exit code %d: %s"
                             % (" ".join(args[1:3]) + " " + folder, r.returncode, r.stderr.strip()))
    bundle = tf_bundle.open_checkpoint_dir(out_dir)
    variables = {}
    for name in bundle.names:
        if bundle.entries[name].dtype != "FLOAT":
            raise AssertionError("%s is %s, not FLOAT" % (name, bundle.entries[name].dtype))
        variables[name] = bundle.tensor(name).astype(np.float64)
    return variables, read_params_yaml(os.path.join(out_dir, "params.yaml"))


def unpermute_qk(variables, num_heads, rotary_dim):
    """The q/k kernels and biases with the rotary permutation undone (HF NeoX dim order): a
    converter that forgot the permutation would have written these."""
    out = dict(variables)
    for name, a in variables.items():
        if "/attn/q_proj/" in name or "/attn/k_proj/" in name:
            E = a.shape[-1]
            D = E // num_heads
            perm = cerebras_mapping.rotary_permutation(D, rotary_dim)
            inverse = np.argsort(perm)
            cols = (np.arange(num_heads)[:, None] * D + inverse[None, :]).reshape(-1)
            out[name] = a[..., cols]
    return out


class Tolerances(unittest.TestCase):
    def assert_close(self, a, b, what):
        d = max_diff(a, b)
        self.assertLessEqual(d, TOLERANCE, "%s: max |logits_a - logits_b| = %.3g" % (what, d))

    def assert_differs(self, a, b, what):
        d = max_diff(a, b)
        self.assertGreater(d, NEGATIVE_CONTROL_MIN,
                           "negative control %s: max diff only %.3g, the test could not fail"
                           % (what, d))


class HfNeoxAnchor(Tolerances):
    """The numpy HF GPT-NeoX forward is the real library's (hf-logits.json: transformers)."""

    def test_numpy_hf_neox_reproduces_transformers_logits(self):
        import json
        folder = os.path.join(DATA, "neox-tiny")
        with open(os.path.join(folder, "hf-logits.json")) as f:
            ref = json.load(f)
        logits = forward.hf_neox_logits(hf_weights(folder), hf_checkpoint.read_config(folder),
                                        ref["tokens"])
        self.assertEqual(logits.shape, (len(ref["tokens"]), 96))
        self.assert_close(logits, ref["logits"], "numpy HF NeoX vs transformers")


class NeoxPythonMapping(Tolerances):
    """The Cerebras forward on the tests' own Python conversion (tests/tools/cerebras_mapping.py)
    equals the HF forward: checks the test code itself, independent of ckptconv."""

    def test_every_fixture(self):
        for fixture in NEOX_FIXTURES:
            with self.subTest(fixture=fixture):
                folder = os.path.join(DATA, fixture)
                cfg = hf_checkpoint.read_config(folder)
                sd = hf_checkpoint.read_model_dir(folder)
                _, H, _, r = cerebras_mapping.neox_dims(cfg)
                want = forward.hf_neox_logits(hf_weights(folder), cfg, TOKENS)

                def cerebras(variables):
                    return forward.cerebras_gptj_logits(
                        {k: a.astype(np.float64) for k, a in variables.items()}, H, r,
                        cfg["layer_norm_eps"], cfg["hidden_act"], TOKENS)

                converted = cerebras_mapping.neox_to_cerebras(sd, cfg)
                self.assert_close(cerebras(converted), want, fixture)
                unpermuted = cerebras_mapping.neox_to_cerebras(sd, cfg, permute_rotary=False)
                if r > 2:  # r = 2: the permutation is the identity
                    self.assert_differs(cerebras(unpermuted), want,
                                        fixture + " without permutation")
                    self.assert_differs(cerebras(unpermute_qk(converted, H, r)), want,
                                        fixture + " unpermute_qk")


class CkptconvCase(Tolerances):
    def check_params_match_variables(self, params, variables, what):
        """params.yaml must describe the variables the Cerebras model will build and restore."""
        has = lambda suffix: any(n.endswith(suffix) for n in variables)  # noqa: E731
        expect = {
            "use_untied_layer_norm": has("/ln_2/ln_2/gamma"),
            "use_projection_bias_in_attention": has("/q_proj/q_proj/bias"),
            "use_ffn_bias_in_attention": has("/out_proj/out_proj/bias"),
            "share_embedding_weights": "lm_head/lm_head/kernel" not in variables,
            "use_ffn_bias": has("/dense_layer/dense_layer/bias"),
            "use_bias_in_output": "lm_head/lm_head/bias" in variables or "bias" in variables,
        }
        for key, want in expect.items():
            got = yaml_bool(params.get(key, "false"))
            self.assertEqual(got, want, "%s: params.yaml %s is %s" % (what, key, got))

    def model_params(self, params, what):
        for key in ("num_heads", "rotary_dim", "layer_norm_epsilon"):
            self.assertIn(key, params, "%s: params.yaml has no model.%s" % (what, key))
        return (int(params["num_heads"]), int(params["rotary_dim"]),
                float(params["layer_norm_epsilon"]))


class GptjCkptconv(CkptconvCase):
    """GPT-J through ckptconv (works today). --share_embeddings only where the HF model ties
    lm_head to the embedding (gptj-variants/tricky): elsewhere sharing changes the model."""

    CASES = [("gptj-tiny", False), ("gptj-variants/tricky", False), ("gptj-variants/tricky", True)]

    def test_gptj_fixtures(self):
        for fixture, share in self.CASES:
            with self.subTest(fixture=fixture, share_embeddings=share), \
                    tempfile.TemporaryDirectory() as tmp:
                what = fixture + (" --share_embeddings" if share else "")
                folder = os.path.join(DATA, fixture)
                cfg = hf_checkpoint.read_config(folder)
                w = hf_weights(folder)
                if share:
                    self.assertTrue(np.array_equal(w["lm_head.weight"],
                                                   w["transformer.wte.weight"]))
                want = forward.hf_gptj_logits(w, cfg, TOKENS)
                variables, params = ckptconv_convert(folder, os.path.join(tmp, "cs"), share)
                self.assertEqual("lm_head/lm_head/kernel" not in variables, share, what)
                self.assertEqual("bias" in variables, share, what)
                self.check_params_match_variables(params, variables, what)
                H, R, eps = self.model_params(params, what)
                self.assertEqual((H, R, eps),
                                 (cfg["n_head"], cfg["rotary_dim"], cfg["layer_norm_epsilon"]))
                act = cfg["activation_function"]
                got = forward.cerebras_gptj_logits(variables, H, R, eps, act, TOKENS)
                self.assert_close(got, want, what)
                # Negative control: GPT-J already pairs (2j, 2j+1); q/k re-paired as if they
                # came in rotate_half order must change the logits.
                self.assert_differs(
                    forward.cerebras_gptj_logits(unpermute_qk(variables, H, R), H, R, eps, act,
                                                 TOKENS), want, what + " with q/k re-paired")


class NeoxCkptconv(CkptconvCase):
    """GPT-NeoX through ckptconv: every NeoX fixture. Needs the `neox` branch (issue 9)."""

    def test_every_fixture(self):
        for fixture in NEOX_FIXTURES:
            with self.subTest(fixture=fixture), tempfile.TemporaryDirectory() as tmp:
                folder = os.path.join(DATA, fixture)
                cfg = hf_checkpoint.read_config(folder)
                want = forward.hf_neox_logits(hf_weights(folder), cfg, TOKENS)
                variables, params = ckptconv_convert(folder, os.path.join(tmp, "cs"))
                self.check_params_match_variables(params, variables, fixture)
                H, r, eps = self.model_params(params, fixture)
                _, cfg_H, _, cfg_r = cerebras_mapping.neox_dims(cfg)
                self.assertEqual((H, r, eps), (cfg_H, cfg_r, cfg["layer_norm_eps"]), fixture)
                got = forward.cerebras_gptj_logits(variables, H, r, eps, cfg["hidden_act"], TOKENS)
                self.assert_close(got, want, fixture)
                if r > 2:
                    self.assert_differs(
                        forward.cerebras_gptj_logits(unpermute_qk(variables, H, r), H, r, eps,
                                                     cfg["hidden_act"], TOKENS),
                        want, fixture + " without the rotary permutation")


def main():
    global CKPTCONV
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckptconv", help="the ckptconv binary under test")
    args, rest = ap.parse_known_args()
    CKPTCONV = args.ckptconv
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
