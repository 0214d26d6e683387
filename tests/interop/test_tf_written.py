"""Part 2: ckptconv reads what real TensorFlow writes. Runs in the tf venv.

TF starts from our converted checkpoint, takes real Adam steps the way a Cerebras run does
(tf_training.py: global_step, <var>/Adam and <var>/Adam_1 slots, beta1_power/beta2_power) and
saves with a Saver, with float32, bfloat16 and float16 variables, unsharded and sharded
(several .data-0000N-of-0000M files). inspect, verify and to-hf must handle each (training
state skipped with a summary, refused with --strict); to-hf's output must equal TF's values."""
import glob
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf
from safetensors.numpy import load_file

from cerebras_names import assert_bits_equal, cerebras_variables, hf_from_cerebras_gptj
from hf_fixtures_names import name_of
from interop_util import ckptconv, make_hf_fixtures
from tf_training import train_and_save

SPEC = {"model": "gptj", "dtype": "float32", "safe": True, "shard": None, "tied": False}
# (variable dtype, number of shards)
CASES = [("float32", 1), ("bfloat16", 1), ("float16", 1), ("float32", 3), ("bfloat16", 2)]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """A tiny GPT-J made by transformers, converted by ckptconv: the run's starting point."""
    root = str(tmp_path_factory.mktemp("hf"))
    make_hf_fixtures(root, [SPEC])
    out = os.path.join(root, "cs")
    ckptconv("convert", "--input_dir", os.path.join(root, name_of(SPEC)), "--output_dir", out)
    with open(os.path.join(root, name_of(SPEC), "config.json")) as f:
        config = json.load(f)
    hf = dict(np.load(os.path.join(root, name_of(SPEC) + ".npz")))
    return out, config, cerebras_variables("gptj", hf, config, False)


@pytest.fixture(scope="module", params=CASES, ids=["%s-%dshard" % c for c in CASES])
def tf_written(request, converted, tmp_path_factory):
    dtype, shards = request.param
    out, config, start = converted
    model_dir = str(tmp_path_factory.mktemp("tf-%s-%d" % (dtype, shards)))
    # Two saves: the folder holds model.ckpt-1 and model.ckpt-2, and ckptconv must read the
    # one the `checkpoint` file names, as TF does.
    prefix = train_and_save(start, dtype, shards, model_dir, steps=2)
    shutil.copy(os.path.join(out, "params.yaml"), model_dir)
    data = sorted(glob.glob(prefix + ".data-*"))
    # Saver(sharded=True) writes one file per device that holds variables (global_step and
    # the Adam accumulators land on one more); unsharded, exactly one.
    assert len(data) >= 2 if shards > 1 else len(data) == 1, data
    reader = tf.train.load_checkpoint(model_dir)
    values = {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}
    dtypes = {n: d.name for n, d in reader.get_variable_to_dtype_map().items()}
    return model_dir, prefix, config, values, dtypes, dtype, start


def model_variables(values, start):
    return {n: v for n, v in values.items() if n in start}


def test_tf_checkpoint_is_a_cerebras_training_checkpoint(tf_written):
    model_dir, prefix, _, values, dtypes, dtype, start = tf_written
    assert tf.train.latest_checkpoint(model_dir) == prefix
    assert prefix.endswith("model.ckpt-2")
    assert "global_step" in values and int(values["global_step"]) == 2
    for n in start:
        assert dtypes[n] == dtype
        assert n + "/Adam" in values and n + "/Adam_1" in values
        # the steps moved every weight away from the converted value
        assert not np.array_equal(values[n].astype(np.float32), start[n]), n


def test_inspect_lists_every_tf_variable(tf_written):
    model_dir, _, _, values, dtypes, _, _ = tf_written
    listing = json.loads(ckptconv("inspect", model_dir, "--json").out)
    got = {t["name"]: (t["dtype"], t["shape"]) for t in listing["tensors"]}
    assert got == {n: (dtypes[n], list(values[n].shape)) for n in values}  # TF's dtype names
    assert listing["tensor_count"] == len(values)


def to_hf(model_dir, tmp_path, *extra, expect=0):
    back = str(tmp_path / "back")
    return back, ckptconv("to-hf", "--input_dir", model_dir, "--output_dir", back, *extra,
                          expect=expect)


def test_to_hf_equals_tf_values_and_skips_training_state(tf_written, tmp_path):
    model_dir, _, config, values, _, _, start = tf_written
    back, r = to_hf(model_dir, tmp_path)
    extras = sorted(set(values) - set(start))
    assert len(extras) == 2 * len(start) + 3  # slots, global_step, beta1_power, beta2_power
    assert "skipped %d variables that are not model weights: " % len(extras) in r.out, r
    got = {}
    for f in glob.glob(os.path.join(back, "*.safetensors")):
        got.update(load_file(f))
    widened = {n: v.astype(np.float32) for n, v in model_variables(values, start).items()}
    want = hf_from_cerebras_gptj(widened, config["n_layer"], shared=False)
    for n, w in want.items():
        assert got[n].dtype == np.float32
        assert_bits_equal(n, got[n], w)


def test_to_hf_strict_refuses_training_state(tf_written, tmp_path):
    model_dir, prefix, _, values, _, _, start = tf_written
    first = sorted(set(values) - set(start))[0]
    _, r = to_hf(model_dir, tmp_path, "--strict", expect=3)
    assert r.err == ("ckptconv: error: %s.index: variable '%s' is not part of a GPT-J "
                     "checkpoint (--strict)\n" % (prefix, first)), r


def test_verify_compares_tf_values_with_to_hf_output(tf_written, tmp_path):
    model_dir, _, _, values, _, _, start = tf_written
    back, _ = to_hf(model_dir, tmp_path)
    extras = sorted(set(values) - set(start))
    r = ckptconv("verify", "--input_dir", back, "--output_dir", model_dir)
    assert r.out.startswith("skipped %d training-state variables (global_step, optimizer slots): "
                            % len(extras)), r
    assert r.out.endswith("verified %d tensors, %d parameters\n" % (
        len(start), sum(v.size for v in start.values()))), r
    s = ckptconv("verify", "--input_dir", back, "--output_dir", model_dir, "--strict", expect=1)
    for n in extras:
        assert "MISMATCH %s: unexpected variable in the TF checkpoint\n" % n in s.out, s
