#!/usr/bin/python3
"""Regenerates the fuzz seed corpora under fuzz/corpus/ (needs torch; the committed seeds
are what CTest uses, so this only runs when the seeds should change).

  /usr/bin/python3 fuzz/make_seeds.py

unpickler/: data.pkl of the real gptj-tiny fixture, the legacy object pickle of a small
            state dict, and a protocol-4 pickle of plain values.
torch_file/: small torch.save files, zip and legacy, with views, a shared storage, a 0-dim
             tensor, bool/fp16/bf16 storages and the _metadata BUILD.
zip_reader/: the small zip from torch_file/ plus a zip with a comment.
"""
import collections
import io
import os
import pickle
import pickletools
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def small_state_dict():
    torch.manual_seed(0)
    base = torch.arange(12, dtype=torch.float32)
    sd = collections.OrderedDict()
    sd["w"] = base.view(3, 4)
    sd["wt"] = base.view(3, 4).t()           # strided view of the same storage
    sd["tail"] = base[5:9]                   # storage offset
    sd["half"] = torch.ones(3, dtype=torch.float16)
    sd["bf"] = torch.full((2,), 0.5, dtype=torch.bfloat16)
    sd["mask"] = torch.tril(torch.ones(2, 2, dtype=torch.bool)).view(1, 1, 2, 2)
    sd["scalar"] = torch.tensor(-1e9)
    sd["step"] = 7                           # not a tensor: skipped by the reader
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    return sd


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    sd = small_state_dict()
    z = io.BytesIO()
    torch.save(sd, z)
    leg = io.BytesIO()
    torch.save(sd, leg, _use_new_zipfile_serialization=False)
    write(os.path.join(HERE, "corpus/torch_file/small_zip.bin"), z.getvalue())
    write(os.path.join(HERE, "corpus/torch_file/small_legacy.bin"), leg.getvalue())
    write(os.path.join(HERE, "corpus/zip_reader/small_zip.bin"), z.getvalue())

    c = io.BytesIO()
    with zipfile.ZipFile(c, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"a": 1}, protocol=2))
        zf.writestr("archive/version", "3\n")
        zf.comment = b"seed comment"
    write(os.path.join(HERE, "corpus/zip_reader/with_comment.zip"), c.getvalue())

    fixture = os.path.join(ROOT, "examples/gptj-tiny/pytorch_model.bin")
    with zipfile.ZipFile(fixture) as zf:
        write(os.path.join(HERE, "corpus/unpickler/gptj_tiny_data.pkl"),
              zf.read("pytorch_model/data.pkl"))

    # The legacy file's fourth pickle: the objects, with 6-tuple persistent ids.
    raw = leg.getvalue()
    f = io.BytesIO(raw)
    for _ in range(3):
        for _ in pickletools.genops(f):
            pass
    start = f.tell()
    for _ in pickletools.genops(f):
        pass
    write(os.path.join(HERE, "corpus/unpickler/legacy_objects.pkl"), raw[start:f.tell()])
    write(os.path.join(HERE, "corpus/unpickler/protocol4_values.pkl"),
          pickle.dumps({"a": [1, -2, 3.5, None, True, "\u00e9", b"xy", (1, 2, 3), 2 ** 70]},
                       protocol=4))


if __name__ == "__main__":
    main()
