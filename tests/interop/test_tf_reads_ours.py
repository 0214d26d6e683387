"""Part 1: real TensorFlow reads what ckptconv writes. Inputs are made by real transformers
(hf venv, through hf_fixtures.py); this file runs in the tf venv.

For each model, embedding mode and input kind: tf.train.list_variables / load_checkpoint list
exactly the expected variables (names, shapes, float32), every value equals the HF input bit
for bit after the transpose, latest_checkpoint finds the checkpoint, and a TF1 Saver restores
the variables into a graph that creates them with the Cerebras names and shapes."""
import contextlib
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from cerebras_names import assert_bits_equal, cerebras_variables
from interop_util import ckptconv, make_hf_fixtures
import hf_fixtures_names

CASES = hf_fixtures_names.tf_read_cases()


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("hf"))
    make_hf_fixtures(root, [spec for _, spec in CASES])
    return root


def expected_of(fixtures, name, shared):
    with open(os.path.join(fixtures, name, "config.json")) as f:
        config = json.load(f)
    hf = dict(np.load(os.path.join(fixtures, name + ".npz")))
    return cerebras_variables(config["model_type"], hf, config, shared)


def restore_with_saver(ckpt, expected):
    """Builds a graph with one variable per expected name (nested variable scopes, as model
    code makes them), restores it with tf.compat.v1.train.Saver, returns the values."""
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for name, value in sorted(expected.items()):
            scope, _, leaf = name.rpartition("/")
            ctx = tf.compat.v1.variable_scope(scope) if scope else contextlib.nullcontext()
            with ctx:
                v = tf.compat.v1.get_variable(leaf, shape=value.shape, dtype=tf.float32,
                                              initializer=tf.compat.v1.zeros_initializer())
            assert v.op.name == name
            variables.append(v)
        saver = tf.compat.v1.train.Saver(var_list=variables)
        with tf.compat.v1.Session(graph=graph) as sess:
            saver.restore(sess, ckpt)
            values = sess.run(variables)
    return {v.op.name: x for v, x in zip(variables, values)}


@pytest.mark.parametrize("name,spec", CASES, ids=[n for n, _ in CASES])
def test_tensorflow_reads_converted_checkpoint(fixtures, name, spec, tmp_path):
    shared = bool(spec.get("tied"))
    out = str(tmp_path / "cs")
    ckptconv("convert", "--input_dir", os.path.join(fixtures, name), "--output_dir", out,
             *(["--share_embeddings"] if shared else []))
    expected = expected_of(fixtures, name, shared)

    assert tf.train.latest_checkpoint(out) == os.path.join(out, "tf_model.ckpt")
    listed = tf.train.list_variables(out)
    assert [n for n, _ in listed] == sorted(expected)
    assert {n: list(s) for n, s in listed} == {n: list(v.shape) for n, v in expected.items()}

    reader = tf.train.load_checkpoint(out)
    assert set(reader.get_variable_to_dtype_map().values()) == {tf.float32}
    assert reader.get_variable_to_shape_map() == {n: list(v.shape) for n, v in expected.items()}
    for n, want in expected.items():
        got = reader.get_tensor(n)
        assert got.dtype == np.float32
        assert_bits_equal(n, got, want)

    restored = restore_with_saver(tf.train.latest_checkpoint(out), expected)
    for n, want in expected.items():
        assert_bits_equal(n, restored[n], want)
