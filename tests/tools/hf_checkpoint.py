"""Reads HuggingFace checkpoints into numpy arrays without torch, for tests.

Formats (facts from the design contract, DESIGN.md §5):
  * torch zip (`torch.save` >= 1.6): data.pkl + data/<key> under one top folder;
  * torch legacy (`_use_new_zipfile_serialization=False`): magic, protocol, sys_info, the object
    pickle, the storage key list, then per key an int64 element count and the raw bytes;
  * safetensors: u64 LE header length, JSON header, data buffer;
  * sharded: pytorch_model.bin.index.json / model.safetensors.index.json (weight_map).
The pickles are unpickled with an allow-list (OrderedDict, torch._utils._rebuild_tensor_v2 /
_rebuild_parameter, torch.*Storage); anything else is refused. These are the project's own
fixtures, but the reader must not execute code from a file either way.

Tensors come back as `Tensor(dtype, array)`: dtype one of "float32", "float16", "bfloat16",
"float64", "int64", "int32", "int16", "int8", "uint8", "bool"; array a C-contiguous numpy array
of the stored values (bfloat16 as raw uint16 bits). `to_float64` / `to_float32` widen exactly.
"""
import collections
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np

Tensor = collections.namedtuple("Tensor", ["dtype", "array"])

# torch storage class name -> (dtype name, numpy dtype of the raw elements)
STORAGES = {
    "FloatStorage": ("float32", "<f4"),
    "HalfStorage": ("float16", "<f2"),
    "BFloat16Storage": ("bfloat16", "<u2"),
    "DoubleStorage": ("float64", "<f8"),
    "LongStorage": ("int64", "<i8"),
    "IntStorage": ("int32", "<i4"),
    "ShortStorage": ("int16", "<i2"),
    "CharStorage": ("int8", "i1"),
    "ByteStorage": ("uint8", "u1"),
    "BoolStorage": ("bool", "?"),
}

SAFETENSORS_DTYPES = {
    "F32": ("float32", "<f4"),
    "F16": ("float16", "<f2"),
    "BF16": ("bfloat16", "<u2"),
    "F64": ("float64", "<f8"),
    "I64": ("int64", "<i8"),
    "I32": ("int32", "<i4"),
    "I16": ("int16", "<i2"),
    "I8": ("int8", "i1"),
    "U8": ("uint8", "u1"),
    "BOOL": ("bool", "?"),
}

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


def to_float32(t):
    """Exact widening of a float32/float16/bfloat16 Tensor to a float32 array."""
    if t.dtype == "bfloat16":
        return (t.array.astype(np.uint32) << 16).view(np.float32)
    if t.dtype in ("float32", "float16"):
        return t.array.astype(np.float32)
    raise ValueError("not a float32/16 or bfloat16 tensor: %s" % t.dtype)


def to_float64(t):
    return to_float32(t).astype(np.float64)


def raw_bytes(t):
    """C-order little-endian bytes in the tensor's own dtype (bool as 0/1 bytes)."""
    return np.array(t.array, order="C").tobytes()


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.dtype, self.np_dtype = STORAGES[name]


class _Storage:
    def __init__(self, stype, array):
        self.stype = stype
        self.array = array


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    del requires_grad, backward_hooks, metadata
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise ValueError("tensor size %r and stride %r differ in rank" % (size, stride))
    base = storage.array
    if any(d == 0 for d in size):
        arr = np.zeros(size, dtype=base.dtype)
    else:
        last = storage_offset + sum((d - 1) * s for d, s in zip(size, stride))
        if storage_offset < 0 or any(s < 0 for s in stride) or last >= base.size:
            raise ValueError("tensor view (offset %d, size %r, stride %r) outside its storage of %d"
                             % (storage_offset, size, stride, base.size))
        item = base.dtype.itemsize
        arr = np.lib.stride_tricks.as_strided(base[storage_offset:], shape=size,
                                              strides=tuple(s * item for s in stride))
    # np.array, not ascontiguousarray: that one turns a 0-d tensor into a 1-d array.
    return Tensor(storage.stype.dtype, np.array(arr, order="C"))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    del requires_grad, backward_hooks
    return data


class _Unpickler(pickle.Unpickler):
    """Allow-list unpickler; `load_storage(pid)` resolves persistent ids."""

    def __init__(self, f, load_storage, rebuild=_rebuild_tensor_v2):
        super().__init__(f)
        self._load_storage = load_storage
        self._rebuild = rebuild

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self._rebuild
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        raise pickle.UnpicklingError("refusing global %s.%s" % (module, name))

    def persistent_load(self, pid):
        return self._load_storage(pid)


def _state_dict(obj, path):
    if not isinstance(obj, dict):
        raise ValueError("%s: top-level object is %s, not a state dict"
                         % (path, type(obj).__name__))
    for k, v in obj.items():
        if not isinstance(v, Tensor):
            raise ValueError("%s: %r is not a tensor" % (path, k))
    return collections.OrderedDict(obj)


def read_torch_zip(path):
    with zipfile.ZipFile(path) as z:
        pkls = [n for n in z.namelist() if n.endswith("/data.pkl")]
        if len(pkls) != 1:
            raise ValueError("%s: expected one */data.pkl, found %d" % (path, len(pkls)))
        top = pkls[0][:-len("data.pkl")]
        storages = {}

        def load(pid):
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                raise ValueError("%s: unexpected persistent id %r" % (path, pid))
            _, stype, key, _location, numel = pid
            if key not in storages:
                raw = z.read(top + "data/" + key)
                arr = np.frombuffer(raw, dtype=stype.np_dtype)
                if arr.size != numel:
                    raise ValueError("%s: storage %s has %d elements, the pickle says %d"
                                     % (path, key, arr.size, numel))
                storages[key] = _Storage(stype, arr)
            return storages[key]

        obj = _Unpickler(io.BytesIO(z.read(pkls[0])), load).load()
    return _state_dict(obj, path)


def read_torch_legacy(path):
    with open(path, "rb") as f:
        buf = io.BytesIO(f.read())

    def no_persistent(pid):
        raise ValueError("%s: persistent id %r in a header pickle" % (path, pid))

    if _Unpickler(buf, no_persistent).load() != LEGACY_MAGIC:
        raise ValueError("%s: not a legacy torch file (bad magic number)" % path)
    if _Unpickler(buf, no_persistent).load() != LEGACY_PROTOCOL:
        raise ValueError("%s: unsupported legacy protocol" % path)
    sys_info = _Unpickler(buf, no_persistent).load()
    if not sys_info.get("little_endian", False):
        raise ValueError("%s: big-endian legacy file" % path)

    # The storage bytes follow the object pickle: a first pass over it collects the declared
    # storages (and finds where it ends), a second one builds the tensors from the bytes.
    object_pickle_at = buf.tell()
    declared = {}  # key -> (storage type, numel)

    def declare(pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise ValueError("%s: unexpected persistent id %r" % (path, pid))
        _, stype, key, _location, numel, _view = pid
        if declared.setdefault(key, (stype, numel)) != (stype, numel):
            raise ValueError("%s: storage %s declared twice differently" % (path, key))
        return None

    _Unpickler(buf, declare, rebuild=lambda *args: None).load()
    keys = _Unpickler(buf, no_persistent).load()
    if sorted(keys) != sorted(declared):
        raise ValueError("%s: storage key list does not match the storages used" % path)
    storages = {}
    for key in keys:
        stype, numel = declared[key]
        head = buf.read(8)
        if len(head) != 8:
            raise ValueError("%s: truncated before storage %s" % (path, key))
        count = struct.unpack("<q", head)[0]
        if count != numel:
            raise ValueError("%s: storage %s has %d elements, the pickle says %d"
                             % (path, key, count, numel))
        nbytes = count * np.dtype(stype.np_dtype).itemsize
        raw = buf.read(nbytes)
        if len(raw) != nbytes:
            raise ValueError("%s: storage %s is truncated" % (path, key))
        storages[key] = _Storage(stype, np.frombuffer(raw, dtype=stype.np_dtype))
    if buf.read(1):
        raise ValueError("%s: bytes after the last storage" % path)

    def load(pid):
        _, _stype, key, _location, _numel, view = pid
        if view is None:
            return storages[key]
        _view_key, offset, size = view
        s = storages[key]
        return _Storage(s.stype, s.array[offset:offset + size])

    buf.seek(object_pickle_at)
    return _state_dict(_Unpickler(buf, load).load(), path)


def read_safetensors(path):
    """OrderedDict name -> Tensor in header order; checks the offsets tile the buffer."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: shorter than a safetensors header length" % path)
    n = struct.unpack_from("<Q", raw, 0)[0]
    if n > len(raw) - 8:
        raise ValueError("%s: header length %d runs past the file" % (path, n))
    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=collections.OrderedDict)
    data = raw[8 + n:]
    out = collections.OrderedDict()
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, np_dtype = SAFETENSORS_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = 1
        for d in info["shape"]:
            count *= d
        if not 0 <= begin <= end <= len(data) or end - begin != count * np.dtype(np_dtype).itemsize:
            raise ValueError("%s: %r has bad data_offsets %r" % (path, name, [begin, end]))
        spans.append((begin, end))
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(info["shape"])
        out[name] = Tensor(dtype, arr)
    at = 0
    for begin, end in sorted(spans):
        if begin != at:
            raise ValueError("%s: data offsets leave a gap or overlap at %d" % (path, at))
        at = end
    if at != len(data):
        raise ValueError("%s: %d bytes after the last tensor" % (path, len(data) - at))
    return out


def read_file(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    if zipfile.is_zipfile(path):
        return read_torch_zip(path)
    return read_torch_legacy(path)


def read_sharded(index_path):
    with open(index_path) as f:
        index = json.load(f, object_pairs_hook=collections.OrderedDict)
    folder = os.path.dirname(index_path)
    shards = {}
    for fname in index["weight_map"].values():
        if fname not in shards:
            shards[fname] = read_file(os.path.join(folder, fname))
    out = collections.OrderedDict()
    for name, fname in index["weight_map"].items():
        if name not in shards[fname]:
            raise ValueError("%s: %r is not in %s" % (index_path, name, fname))
        out[name] = shards[fname][name]
    listed = set(index["weight_map"])
    for fname, sd in shards.items():
        extra = set(sd) - listed
        if extra:
            raise ValueError("%s: %s holds tensors the index does not list: %s"
                             % (index_path, fname, sorted(extra)))
    return out


def read_model_dir(folder):
    """The state dict of a HF model folder, preferring safetensors like ckptconv does."""
    for name, reader in (("model.safetensors.index.json", read_sharded),
                         ("model.safetensors", read_safetensors),
                         ("pytorch_model.bin.index.json", read_sharded),
                         ("pytorch_model.bin", read_file)):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return reader(p)
    raise ValueError("%s: no weights (model.safetensors[.index.json] or pytorch_model.bin"
                     "[.index.json])" % folder)


def read_config(folder):
    with open(os.path.join(folder, "config.json")) as f:
        return json.load(f)
