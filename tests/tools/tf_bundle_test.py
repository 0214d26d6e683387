#!/usr/bin/python3
"""Tests of the test-side TF bundle reader (tf_bundle.py), so the model-equivalence test can
trust what it reads:
* real TensorFlow files (tests/data/tf-real, see its PROVENANCE.md) decode to what EXPECTED.json
  records: names, dtypes, shapes, offsets, sizes, stored crc32c, data sha256 and crc;
* the snappy-compressed real index is refused clearly;
* damage is detected: a flipped data byte (tensor crc), a flipped index byte (block crc), a bad
  footer magic;
* a bundle written by `ckptconv convert` reads back to tests/data/gptj-tiny/expected-cs.json.

Run by CTest (label `python`): /usr/bin/python3 tf_bundle_test.py --ckptconv PATH
Needs numpy (Debian python3-numpy); without it the test fails, it never skips.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
except ImportError:
    sys.exit("tf_bundle_test: numpy is missing; install python3-numpy "
             "(scripts/install-deps.sh) and run with /usr/bin/python3. This test does not skip.")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
REAL = os.path.join(DATA, "tf-real")
sys.path.insert(0, HERE)
import tf_bundle  # noqa: E402

CKPTCONV = None


def expected_real():
    with open(os.path.join(REAL, "EXPECTED.json")) as f:
        return json.load(f)


class Crc(unittest.TestCase):
    def test_known_values(self):
        self.assertEqual(tf_bundle.crc32c(b""), 0)
        self.assertEqual(tf_bundle.crc32c(b"123456789"), 0xE3069283)  # the CRC-32C check value
        self.assertEqual(tf_bundle.crc32c(bytes(32)), 0x8A9136AA)  # RFC 3720 B.4
        self.assertEqual(tf_bundle.masked_crc32c(b""), 0xA282EAD8)


class RealTensorFlowFiles(unittest.TestCase):
    def test_every_uncompressed_bundle_decodes_as_recorded(self):
        for key, rec in expected_real().items():
            if rec["block_compression"] != [0]:
                continue
            with self.subTest(bundle=key):
                b = tf_bundle.Bundle(os.path.join(REAL, rec["path"]))
                h = rec["header"]
                self.assertEqual((b.header.num_shards, b.header.endianness, b.header.producer,
                                  b.header.fields_present),
                                 (h["num_shards"], h["endianness"], h["version"]["producer"],
                                  h["fields_present"]))
                self.assertEqual(b.names, [t["name"] for t in rec["tensors"]])
                for t in rec["tensors"]:
                    e = b.entries[t["name"]]
                    got = {f: getattr(e, f) for f in ("dtype", "dtype_enum", "shape", "shard_id",
                                                      "offset", "size", "crc32c", "fields_present")}
                    self.assertEqual(got, {f: t[f] for f in got}, t["name"])
                    if rec["kind"] == "bundle":
                        raw = b.raw(t["name"]) if t["dtype"] != "STRING" else None
                        if raw is not None:  # raw() checked the masked crc32c
                            self.assertEqual(hashlib.sha256(raw).hexdigest(), t["sha256"])

    def test_float_values(self):
        b = tf_bundle.Bundle(os.path.join(REAL, "rust-regression-model", "variables"))
        for name in ("b", "w"):
            a = b.tensor(name)
            self.assertEqual((a.dtype, a.shape), (np.dtype("<f4"), (1,)))
            self.assertEqual(hashlib.sha256(a.tobytes()).hexdigest(),
                             next(t["sha256"] for t in expected_real()["rust-regression-model"]
                                  ["tensors"] if t["name"] == name))

    def test_snappy_block_is_refused(self):
        path = os.path.join(REAL, "swift-minigo", "minigo.index")
        with self.assertRaises(ValueError) as cm:
            tf_bundle.Bundle(path)
        self.assertEqual(str(cm.exception), path + ": data block at offset 0 is snappy-compressed; "
                         "this reader only reads uncompressed tables")


class Damage(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        src = os.path.join(REAL, "rust-keras-single-input")
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), self.tmp)
        self.prefix = os.path.join(self.tmp, "variables")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def flip(self, path, at):
        with open(path, "r+b") as f:
            f.seek(at)
            c = f.read(1)
            f.seek(at)
            f.write(bytes([c[0] ^ 0x01]))

    def test_flipped_data_byte_fails_the_tensor_crc(self):
        b = tf_bundle.Bundle(self.prefix)
        name = next(n for n in b.names if b.entries[n].dtype == "FLOAT" and b.entries[n].size > 8)
        self.flip(self.prefix + ".data-00000-of-00001", b.entries[name].offset + 3)
        with self.assertRaises(ValueError) as cm:
            tf_bundle.Bundle(self.prefix).tensor(name)
        self.assertEqual(str(cm.exception),
                         "%s.data-00000-of-00001: %r fails its crc32c" % (self.prefix, name))

    def test_flipped_index_byte_fails_the_block_crc(self):
        self.flip(self.prefix + ".index", 20)
        with self.assertRaises(ValueError) as cm:
            tf_bundle.Bundle(self.prefix)
        self.assertEqual(str(cm.exception),
                         self.prefix + ".index: data block at offset 0 fails its crc32c")

    def test_bad_magic(self):
        self.flip(self.prefix + ".index", os.path.getsize(self.prefix + ".index") - 1)
        with self.assertRaises(ValueError) as cm:
            tf_bundle.Bundle(self.prefix)
        self.assertEqual(str(cm.exception),
                         self.prefix + ".index: not a LevelDB table (bad footer magic)")


class CkptconvOutput(unittest.TestCase):
    def test_reads_a_converted_gptj_as_torch_computed_it(self):
        if not CKPTCONV:
            self.fail("no ckptconv binary: pass --ckptconv PATH")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cs")
            r = subprocess.run([CKPTCONV, "convert", "--input_dir", os.path.join(DATA, "gptj-tiny"),
                                "--output_dir", out, "--no-progress"],
                               capture_output=True, text=True, check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            b = tf_bundle.open_checkpoint_dir(out)
            with open(os.path.join(DATA, "gptj-tiny", "expected-cs.json")) as f:
                want = json.load(f)
            self.assertEqual(sorted(b.names), sorted(n for n in want if n != "param_count"))
            self.assertEqual(b.names, sorted(b.names))
            for name in b.names:
                a = b.tensor(name)
                self.assertEqual(list(a.shape), want[name]["shape"], name)
                self.assertEqual(hashlib.sha256(a.tobytes()).hexdigest(), want[name]["sha256"],
                                 name)
            self.assertEqual(sum(b.tensor(n).size for n in b.names), want["param_count"])


def main():
    global CKPTCONV
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckptconv")
    args, rest = ap.parse_known_args()
    CKPTCONV = args.ckptconv
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
