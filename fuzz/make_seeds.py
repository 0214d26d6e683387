#!/usr/bin/python3
"""Regenerates the fuzz seed corpora under fuzz/corpus/ from the real files in the repository
(the committed seeds are what CTest uses, so this only runs when the seeds should change).

  /usr/bin/python3 fuzz/make_seeds.py [--ckptconv BUILD/ckptconv] [CORPUS...]

Without CORPUS names every corpus is made. torch is only needed for the first three.
--ckptconv converts examples/gptj-tiny to add what ckptconv itself writes (a bundle index, the
`checkpoint` file, params.yaml) to tf_bundle_index/, tf_bundle_entry/, tf_checkpoint_state/
and params_yaml/.

unpickler/: data.pkl of the real gptj-tiny fixture, the legacy object pickle of a small
            state dict, and a protocol-4 pickle of plain values.
torch_file/: small torch.save files, zip and legacy, with views, a shared storage, a 0-dim
             tensor, bool/fp16/bf16 storages and the _metadata BUILD.
zip_reader/: the small zip from torch_file/ plus a zip with a comment.
strict_json/: config.json, a sharded index, a safetensors header, the fake hub's API answer,
              and edge cases (64 levels deep, 65 levels, a nested duplicate key, escapes).
safetensors_header/: the JSON headers of the safetensors fixtures (the target frames them),
                     and one whole small file holding a real tensor of the fixture.
sharded_index/: both real index files, and one mapping a tensor to the wrong shard.
tf_bundle_index/: every real TF index in tests/data/tf-real (and ckptconv's own).
tf_bundle_entry/: the distinct header and entry protos inside those indexes.
tf_checkpoint_state/: `checkpoint` files as TF writes them (one with octal escapes).
hub_api/: the fake hub's API answer, an answer shaped like huggingface.co's, both indexes.
http_head/: response heads captured from tests/hub/fake_hub.py: 200 with X-Linked-Etag,
            206 with Content-Range, 416, a 302 redirect, 401, 404 with X-Error-Code.
config_json/: the distinct config.json files of the fixtures (GPT-J and NeoX).
params_yaml/: params.yaml as ckptconv writes it, and a hand-edited one.
"""
import collections
import glob
import hashlib
import io
import json
import os
import pickle
import pickletools
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def small_state_dict():
    import torch

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


def torch_seeds():
    import torch

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




def corpus(name):
    return os.path.join(HERE, "corpus", name)


def put(name, file, data):
    if isinstance(data, str):
        data = data.encode()
    write(os.path.join(corpus(name), file), data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


VARIANTS = "tests/data/gptj-variants"


def safetensors_header(path):
    raw = read(path)
    (n,) = struct.unpack("<Q", raw[:8])
    return raw[8:8 + n], raw[8 + n:]


def fake_hub_api_answer(repo, folder):
    """What tests/hub/fake_hub.py answers for /api/models/REPO/revision/main."""
    d = os.path.join(ROOT, folder)
    siblings = [{"rfilename": f, "size": os.path.getsize(os.path.join(d, f))}
                for f in sorted(os.listdir(d))]
    return json.dumps({"id": repo, "sha": hashlib.sha1(repo.encode()).hexdigest(),
                       "siblings": siblings})


def strict_json_seeds():
    put("strict_json", "config.json", read("examples/gptj-tiny/config.json"))
    put("strict_json", "sharded.index.json",
        read(VARIANTS + "/sharded-safetensors/model.safetensors.index.json"))
    put("strict_json", "safetensors_header.json",
        safetensors_header(VARIANTS + "/safetensors-bf16/model.safetensors")[0])
    put("strict_json", "hub_api.json",
        fake_hub_api_answer("org/gptj-tiny", VARIANTS + "/sharded-safetensors"))
    put("strict_json", "deep64.json", "[" * 63 + '{"a":1}' + "]" * 63)
    put("strict_json", "deep65.json", "[" * 64 + '{"a":1}' + "]" * 64)
    put("strict_json", "nested_duplicate.json",
        '{"weight_map":{"a":"x","b":"y"},"m":{"k":{"z":1,"z":2}}}')
    put("strict_json", "escapes.json",
        '{"s":"\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/","n":[-0,1e308,18446744073709551615,'
        '-9223372036854775808,0.5e-3],"t":true,"f":false,"z":null,"weight_map":{}}')


def safetensors_header_seeds():
    seen = set()
    for path in sorted(glob.glob(os.path.join(ROOT, VARIANTS, "*", "*.safetensors"))):
        rel = os.path.relpath(path, ROOT)
        header, _ = safetensors_header(rel)
        if header in seen:
            continue
        seen.add(header)
        name = os.path.basename(os.path.dirname(rel)) + "-" + os.path.basename(rel)
        put("safetensors_header", name.replace(".safetensors", ".json"), header)
    # A whole file: one real tensor of the fixture with its bytes.
    header, buffer = safetensors_header(VARIANTS + "/safetensors/model.safetensors")
    meta = json.loads(header)
    entry = meta["transformer.ln_f.bias"]
    b, e = entry["data_offsets"]
    small = json.dumps({"__metadata__": {"format": "pt"},
                        "transformer.ln_f.bias": {"dtype": entry["dtype"], "shape": entry["shape"],
                                                  "data_offsets": [0, e - b]}},
                       separators=(",", ":")).encode()
    put("safetensors_header", "whole_file.safetensors",
        struct.pack("<Q", len(small)) + small + buffer[b:e])


def sharded_index_seeds():
    st = read(VARIANTS + "/sharded-safetensors/model.safetensors.index.json")
    put("sharded_index", "safetensors.index.json", st)
    put("sharded_index", "pytorch.index.json",
        read(VARIANTS + "/sharded-bin/pytorch_model.bin.index.json"))
    index = json.loads(st)
    first = next(iter(index["weight_map"]))
    index["weight_map"][first] = "model-00002-of-00003.safetensors"
    put("sharded_index", "wrong_shard.index.json", json.dumps(index, indent=2))


def varint(buf, at):
    """The LevelDB varint at buf[at]: (value, offset after it)."""
    v = shift = 0
    while True:
        b = buf[at]
        at += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, at


def leveldb_values(table):
    """(key, value) of every entry in the uncompressed blocks of a LevelDB table."""
    def block(offset, size):
        data = table[offset:offset + size]
        if table[offset + size] != 0:
            return []  # snappy-compressed (some tf-real indexes): no decoder here
        (restarts,) = struct.unpack("<I", data[-4:])
        end = len(data) - 4 - 4 * restarts
        at, key, out = 0, b"", []
        while at < end:
            shared, at = varint(data, at)
            unshared, at = varint(data, at)
            vlen, at = varint(data, at)
            key = key[:shared] + data[at:at + unshared]
            at += unshared
            out.append((key, data[at:at + vlen]))
            at += vlen
        return out

    footer = table[-48:]
    _, at = varint(footer, 0)
    _, at = varint(footer, at)
    index_offset, at = varint(footer, at)
    index_size, at = varint(footer, at)
    entries = []
    for _, handle in block(index_offset, index_size):
        offset, at = varint(handle, 0)
        size, _ = varint(handle, at)
        entries.extend(block(offset, size))
    return entries


def leveldb_varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def masked_crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    crc ^= 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def with_snappy_index_block(table):
    """The same table with its (last) index block snappy-compressed, as literals only: TF never
    compresses, but leveldb reads such a block, so the bounds check must see one."""
    footer = table[-48:]
    meta_offset, at = varint(footer, 0)
    meta_size, at = varint(footer, at)
    index_offset, at = varint(footer, at)
    index_size, _ = varint(footer, at)
    assert index_offset + index_size + 5 == len(table) - 48
    raw = table[index_offset:index_offset + index_size]
    packed = leveldb_varint(len(raw))
    for k in range(0, len(raw), 60):
        packed += bytes([(len(raw[k:k + 60]) - 1) << 2]) + raw[k:k + 60]
    trailer = b"\x01" + struct.pack("<I", masked_crc32c(packed + b"\x01"))
    handles = b"".join(leveldb_varint(v) for v in (meta_offset, meta_size, index_offset, len(packed)))
    return table[:index_offset] + packed + trailer + handles.ljust(40, b"\0") + footer[40:]


def converted_gptj_tiny(ckptconv):
    out = tempfile.mkdtemp()
    subprocess.run([os.path.abspath(ckptconv), "convert", "--input_dir", "examples/gptj-tiny",
                    "--output_dir", out, "--force", "--no_progress"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return out


def tf_bundle_seeds(converted):
    indexes = sorted(glob.glob(os.path.join(ROOT, "tests/data/tf-real/*/*.index")))
    if converted:
        indexes.append(os.path.join(converted, "tf_model.ckpt.index"))
    protos = {}
    for path in indexes:
        data = read(path)
        name = os.path.basename(os.path.dirname(path))
        if converted and path.startswith(converted):
            name = "ckptconv-gptj-tiny"
        put("tf_bundle_index", name + ".index", data)
        if name == "rust-regression-model":
            put("tf_bundle_index", "snappy-index-" + name + ".index", with_snappy_index_block(data))
        for key, value in leveldb_values(data):
            protos.setdefault(value, "%s-%s" % (name, key.decode("utf-8", "replace") or "header"))
    # Many entries differ only in offset and crc; keep the first few of each size.
    kept = collections.Counter()
    for value, label in sorted(protos.items(), key=lambda kv: kv[1]):
        if kept[len(value)] >= 3:
            continue
        kept[len(value)] += 1
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
        put("tf_bundle_entry", safe[:80] + ".pb", value)


def tf_checkpoint_state_seeds(converted):
    if converted:
        with open(os.path.join(converted, "checkpoint"), "rb") as f:
            put("tf_checkpoint_state", "ckptconv.checkpoint", f.read())
    put("tf_checkpoint_state", "tf2_manager.checkpoint",
        'model_checkpoint_path: "ckpt-3"\n'
        'all_model_checkpoint_paths: "ckpt-1"\n'
        'all_model_checkpoint_paths: "ckpt-2"\n'
        'all_model_checkpoint_paths: "ckpt-3"\n'
        "all_model_checkpoint_timestamps: 1700000000.123\n"
        "all_model_checkpoint_timestamps: 1700000100.456\n"
        "all_model_checkpoint_timestamps: 1700000200.789\n"
        "last_preserved_timestamp: 1699999999.5\n")
    put("tf_checkpoint_state", "escaped_absolute.checkpoint",
        'model_checkpoint_path: "/home/jos\\303\\251/run \\"1\\"/model.ckpt-1000"\n'
        'all_model_checkpoint_paths: "/home/jos\\303\\251/run \\"1\\"/model.ckpt-1000"\n')


def fetch_head(port, path, extra=""):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n"
                   % (path, port, extra)).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data[:data.index(b"\r\n\r\n") + 4]


def hub_seeds():
    put("hub_api", "fake_hub_sharded.json",
        fake_hub_api_answer("org/gptj-tiny", VARIANTS + "/sharded-safetensors"))
    put("hub_api", "huggingface_shape.json", json.dumps({
        "_id": "621ffdc136468d709f17e5a1", "id": "EleutherAI/gpt-j-6b", "modelId":
        "EleutherAI/gpt-j-6b", "author": "EleutherAI", "sha":
        "47e169305d2e8376be1d31e765533382721b2cc1", "lastModified": "2023-06-21T14:33:36.000Z",
        "private": False, "disabled": False, "gated": False, "pipeline_tag": "text-generation",
        "tags": ["transformers", "pytorch", "tf", "jax", "gptj", "text-generation", "en"],
        "downloads": 123456, "library_name": "transformers", "likes": 1400,
        "config": {"architectures": ["GPTJForCausalLM"], "model_type": "gptj"},
        "siblings": [{"rfilename": ".gitattributes", "size": 1383},
                     {"rfilename": "config.json", "size": 930},
                     {"rfilename": "pytorch_model.bin", "size": 24216852175,
                      "blobId": "4db6a5a0d0ab1fd3bf4ab0d86e2e1f4e5a0ea9e5",
                      "lfs": {"sha256": "cf7ca5bb2d8e4ea0e2a5c2a9b1c4e2a8b6f8d7e0c9b4a3f2e1d0c9b8a7f6e5d4",
                              "size": 24216852175, "pointerSize": 135}},
                     {"rfilename": "model.safetensors.index.json"},
                     {"rfilename": "sub/dir/file.txt", "size": 0}],
        "spaces": [], "createdAt": "2022-03-02T23:29:04.000Z", "usedStorage": 205520590843},
        indent=2))
    put("hub_api", "safetensors.index.json",
        read(VARIANTS + "/sharded-safetensors/model.safetensors.index.json"))
    put("hub_api", "pytorch.index.json", read(VARIANTS + "/sharded-bin/pytorch_model.bin.index.json"))

    root = tempfile.mkdtemp()
    try:
        repo = os.path.join(root, "org", "tiny")
        os.makedirs(repo)
        shutil.copy(os.path.join(ROOT, "examples/gptj-tiny/config.json"), repo)
        shutil.copy(os.path.join(ROOT, VARIANTS, "safetensors-bf16/model.safetensors"), repo)
        control = os.path.join(root, "control.json")
        hub = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/hub/fake_hub.py"),
                                "--root", root, "--control", control,
                                "--log", os.path.join(root, "log")],
                               stdout=subprocess.PIPE, text=True)
        try:
            port = int(hub.stdout.readline().split()[1])
            f = "/org/tiny/resolve/main/model.safetensors"
            put("http_head", "200_linked_etag.txt", fetch_head(port, f))
            put("http_head", "206_content_range.txt", fetch_head(port, f, "Range: bytes=100-\r\n"))
            put("http_head", "416_range.txt", fetch_head(port, f, "Range: bytes=999999999-\r\n"))
            put("http_head", "404_missing_repo.txt",
                fetch_head(port, "/org/none/resolve/main/config.json"))
            put("http_head", "200_api.txt", fetch_head(port, "/api/models/org/tiny/revision/main"))
            with open(control, "w") as c:
                json.dump({"redirect": True}, c)
            put("http_head", "302_redirect.txt", fetch_head(port, f))
            with open(control, "w") as c:
                json.dump({"require_token": "T"}, c)
            put("http_head", "401_token.txt", fetch_head(port, f))
        finally:
            hub.terminate()
            hub.wait()
    finally:
        shutil.rmtree(root)


def config_json_seeds():
    seen = set()
    paths = ["examples/gptj-tiny/config.json"] + sorted(
        os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, VARIANTS, "*/config.json")))
    for path in paths:
        data = read(path)
        if data not in seen:
            seen.add(data)
            put("config_json", os.path.basename(os.path.dirname(path)) + ".json", data)
    neox = "/work/shared/fixtures/neox-tiny/config.json"  # not a GPT-J config: refused
    if os.path.exists(neox):
        put("config_json", "neox-tiny.json", read(neox))


def params_yaml_seeds(converted):
    if converted:
        with open(os.path.join(converted, "params.yaml"), "rb") as f:
            data = f.read()
        put("params_yaml", "ckptconv.yaml", data)
        edited = data.replace(b"share_embedding_weights: false", b"share_embedding_weights: true")
        edited = edited.replace(b"  ", b"    ").replace(b"\n", b"\r\n") + b"# trailing comment\n"
        put("params_yaml", "edited.yaml", edited)


def main():
    args = sys.argv[1:]
    ckptconv = None
    if args[:1] == ["--ckptconv"]:
        ckptconv, args = args[1], args[2:]
    wanted = set(args)

    def want(*names):
        return not wanted or bool(wanted.intersection(names))

    if want("unpickler", "torch_file", "zip_reader"):
        torch_seeds()
    converted = converted_gptj_tiny(ckptconv) if ckptconv else None
    try:
        if want("strict_json"):
            strict_json_seeds()
        if want("safetensors_header"):
            safetensors_header_seeds()
        if want("sharded_index"):
            sharded_index_seeds()
        if want("tf_bundle_index", "tf_bundle_entry"):
            tf_bundle_seeds(converted)
        if want("tf_checkpoint_state"):
            tf_checkpoint_state_seeds(converted)
        if want("hub_api", "http_head"):
            hub_seeds()
        if want("config_json"):
            config_json_seeds()
        if want("params_yaml"):
            params_yaml_seeds(converted)
    finally:
        if converted:
            shutil.rmtree(converted)


if __name__ == "__main__":
    main()
