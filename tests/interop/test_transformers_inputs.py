"""Part 3: inputs made by real transformers (save_pretrained) convert exactly, and to-hf's
output loads with from_pretrained and gives the original model's logits (the real HF forward
pass). Runs in the hf venv."""
import json
import os

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

import hf_fixtures
from cerebras_names import assert_bits_equal
from interop_util import ckptconv

# (model, dtype, safe_serialization, max_shard_size, tied). Tied models are converted with
# --share_embeddings; the others without.
CASES = [
    (m, dt, safe, shard, tied)
    for m in ("gptj", "gpt_neox")
    for (dt, safe, shard, tied) in (
        ("float32", True, None, False),
        ("float32", False, None, False),
        ("float16", True, None, False),
        ("float16", False, None, False),
        ("bfloat16", True, None, False),
        ("bfloat16", False, None, False),
        ("float32", True, "20KB", False),
        ("bfloat16", False, "20KB", False),
        ("float32", True, None, True),
        ("float16", False, None, True),
    )
]


def spec_of(case):
    m, dt, safe, shard, tied = case
    return {"model": m, "dtype": dt, "safe": safe, "shard": shard, "tied": tied}


def case_id(case):
    return hf_fixtures.spec_name(spec_of(case))


def read_hf_dir(d):
    """Every tensor of a safetensors HF directory (sharded or not), as numpy."""
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".safetensors"):
            out.update(load_file(os.path.join(d, f)))
    return out


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_transformers_checkpoint_converts_exactly_and_round_trips(case, tmp_path):
    spec = spec_of(case)
    hf_dir, state = hf_fixtures.make_fixture(spec, str(tmp_path))
    files = sorted(os.listdir(hf_dir))
    if spec["shard"]:
        index = "model.safetensors.index.json" if spec["safe"] else "pytorch_model.bin.index.json"
        assert index in files and len(files) > 4, files  # really sharded
    shared = ["--share_embeddings"] if spec["tied"] else []
    out = str(tmp_path / "cs")
    ckptconv("convert", "--input_dir", hf_dir, "--output_dir", out, *shared)
    r = ckptconv("verify", "--input_dir", hf_dir, "--output_dir", out, *shared)
    assert r.out.startswith("verified "), r

    back = str(tmp_path / "back")
    ckptconv("to-hf", "--input_dir", out, "--output_dir", back)
    got = read_hf_dir(back)
    for name, want in state.items():
        assert name in got, "%s missing from to-hf output %s" % (name, sorted(got))
        assert_bits_equal(name, got[name].astype(np.float32), want)

    original = hf_fixtures.original_float32(spec)
    want_logits = hf_fixtures.logits_of(original)
    got_logits = hf_fixtures.logits_of(back)
    assert torch.isfinite(want_logits).all()
    assert torch.equal(got_logits, want_logits), (got_logits - want_logits).abs().max()


@pytest.mark.parametrize("model", ["gptj", "gpt_neox"])
def test_to_hf_bin_loads_with_from_pretrained(model, tmp_path):
    spec = {"model": model, "dtype": "bfloat16", "safe": True, "shard": None, "tied": False}
    hf_dir, _ = hf_fixtures.make_fixture(spec, str(tmp_path))
    out, back = str(tmp_path / "cs"), str(tmp_path / "back")
    ckptconv("convert", "--input_dir", hf_dir, "--output_dir", out)
    ckptconv("to-hf", "--input_dir", out, "--output_dir", back, "--format", "bin")
    assert "pytorch_model.bin" in os.listdir(back)
    original = hf_fixtures.original_float32(spec)
    assert torch.equal(hf_fixtures.logits_of(back), hf_fixtures.logits_of(original))


@pytest.mark.parametrize("model", ["gptj", "gpt_neox"])
def test_to_hf_config_is_the_model_type(model, tmp_path):
    spec = {"model": model, "dtype": "float32", "safe": True, "shard": None, "tied": False}
    hf_dir, _ = hf_fixtures.make_fixture(spec, str(tmp_path))
    out, back = str(tmp_path / "cs"), str(tmp_path / "back")
    ckptconv("convert", "--input_dir", hf_dir, "--output_dir", out)
    ckptconv("to-hf", "--input_dir", out, "--output_dir", back)
    with open(os.path.join(back, "config.json")) as f:
        config = json.load(f)
    assert config["model_type"] == model


@pytest.mark.parametrize("model", ["gptj", "gpt_neox"])
def test_tied_safetensors_without_share_embeddings_says_to_share(model, tmp_path):
    # save_pretrained(safe_serialization=True) writes tied tensors once: no output layer.
    spec = {"model": model, "dtype": "float32", "safe": True, "shard": None, "tied": True}
    hf_dir, state = hf_fixtures.make_fixture(spec, str(tmp_path))
    saved = read_hf_dir(hf_dir)
    [head] = [n for n in state if n not in saved]  # lm_head.weight / embed_out.weight
    r = ckptconv("convert", "--input_dir", hf_dir, "--output_dir", str(tmp_path / "cs"), expect=3)
    assert "missing tensor '%s'" % head in r.err, r
    assert "has tie_word_embeddings: true" in r.err and "--share_embeddings" in r.err, r
