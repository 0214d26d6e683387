"""A small pure-Python reader of TensorFlow tensor bundles (PREFIX.index, PREFIX.data-*) for tests.

Written from the format facts of the design contract (DESIGN.md §5), no TensorFlow or LevelDB code:

* PREFIX.index is a LevelDB-format table. The last 48 bytes are the footer: two block handles
  (metaindex, index; each a varint64 offset and a varint64 size), zero padding up to 40 bytes,
  then the 8-byte magic 0xdb4775248b80fb57 (little-endian). Every block is followed by a 5-byte
  trailer: the compression type (0 none, 1 snappy) and the masked crc32c of contents + type.
  A block is a run of entries (varint32 shared key bytes, varint32 unshared key bytes, varint32
  value length, the unshared key bytes, the value), then an array of uint32 restart offsets
  and their uint32 count. Keys are prefix-compressed against the previous entry. The index
  block maps the last key of each data block (or a short successor) to that block's handle.
* Key "" holds BundleHeaderProto {num_shards(1), endianness(2), version(3){producer(1),
  min_consumer(2), bad_consumers(3)}}; every other key is a tensor name whose value is a
  BundleEntryProto {dtype(1), shape(2) TensorShapeProto{dim(2){size(1), name(2)},
  unknown_rank(3)}, shard_id(3), offset(4), size(5), crc32c(6, fixed32, masked), slices(7)}.
* PREFIX.data-0000S-of-0000N holds the raw little-endian tensor bytes at offset/size.
  The stored crc32c is Castagnoli over those bytes, masked as ((c >> 15 | c << 17) + 0xa282ead8).

Only what the tests need: numeric dtypes, one shard, uncompressed blocks. Anything else is
refused with a ValueError that says what and where.
"""
import os
import struct

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5

# DataType enum value -> (name, numpy dtype or None when the payload is not a plain array).
DTYPES = {
    1: ("FLOAT", "<f4"),
    2: ("DOUBLE", "<f8"),
    3: ("INT32", "<i4"),
    4: ("UINT8", "u1"),
    5: ("INT16", "<i2"),
    6: ("INT8", "i1"),
    7: ("STRING", None),
    9: ("INT64", "<i8"),
    10: ("BOOL", "u1"),
    14: ("BFLOAT16", "<u2"),
    19: ("HALF", "<f2"),
}


# ------------------------------------------------------------------------------- crc32c
def _crc32c_table():
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """Plain (unmasked) CRC-32C of `data` (bytes-like)."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# ----------------------------------------------------------------------- wire primitives
def _varint(buf, pos, limit, what, max_bytes=10):
    """Decodes a varint at buf[pos:limit]; returns (value, next position)."""
    result = 0
    shift = 0
    for i in range(max_bytes):
        if pos >= limit:
            raise ValueError("%s: truncated varint" % what)
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    raise ValueError("%s: varint longer than %d bytes" % (what, max_bytes))


def parse_proto(buf, what):
    """Generic protobuf wire-format parse: returns a list of (field, wire_type, value) where
    value is an int (varint, fixed32, fixed64) or bytes (length-delimited)."""
    fields = []
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos, end, what)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise ValueError("%s: field number 0" % what)
        if wire == 0:
            value, pos = _varint(buf, pos, end, what)
        elif wire == 1:
            if pos + 8 > end:
                raise ValueError("%s: truncated fixed64" % what)
            value = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            n, pos = _varint(buf, pos, end, what)
            if n > end - pos:
                raise ValueError("%s: length-delimited field %d runs past the end" % (what, field))
            value = bytes(buf[pos:pos + n])
            pos += n
        elif wire == 5:
            if pos + 4 > end:
                raise ValueError("%s: truncated fixed32" % what)
            value = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError("%s: unsupported wire type %d (field %d)" % (what, wire, field))
        fields.append((field, wire, value))
    return fields


def _expect_wire(field, wire, expected, what):
    if wire != expected:
        raise ValueError("%s: field %d has wire type %d, expected %d"
                         % (what, field, wire, expected))


# --------------------------------------------------------------------------- the table
def _block_handle(buf, pos, limit, what):
    offset, pos = _varint(buf, pos, limit, what)
    size, pos = _varint(buf, pos, limit, what)
    return (offset, size), pos


def _read_block(index_bytes, handle, path, what):
    offset, size = handle
    if offset + size + BLOCK_TRAILER_SIZE > len(index_bytes) - FOOTER_SIZE:
        raise ValueError("%s: %s block [%d, +%d) runs past the table" % (path, what, offset, size))
    contents = index_bytes[offset:offset + size]
    block_type = index_bytes[offset + size]
    stored = struct.unpack_from("<I", index_bytes, offset + size + 1)[0]
    if masked_crc32c(index_bytes[offset:offset + size + 1]) != stored:
        raise ValueError("%s: %s block at offset %d fails its crc32c" % (path, what, offset))
    if block_type == 1:
        raise ValueError("%s: %s block at offset %d is snappy-compressed; this reader only "
                         "reads uncompressed tables" % (path, what, offset))
    if block_type != 0:
        raise ValueError("%s: %s block at offset %d has unknown compression type %d"
                         % (path, what, offset, block_type))
    return contents


def _block_entries(block, path, what):
    """Yields (key, value) of one block, undoing the prefix compression."""
    if len(block) < 4:
        raise ValueError("%s: %s block shorter than its restart count" % (path, what))
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    restarts_at = len(block) - 4 - 4 * num_restarts
    if num_restarts == 0 or restarts_at < 0:
        raise ValueError("%s: %s block has a bad restart count %d" % (path, what, num_restarts))
    restarts = set(struct.unpack_from("<%dI" % num_restarts, block, restarts_at))
    pos = 0
    key = b""
    while pos < restarts_at:
        entry_at = pos
        shared, pos = _varint(block, pos, restarts_at, path, 5)
        unshared, pos = _varint(block, pos, restarts_at, path, 5)
        value_len, pos = _varint(block, pos, restarts_at, path, 5)
        if shared > len(key) or unshared + value_len > restarts_at - pos:
            raise ValueError("%s: %s block entry at %d is malformed" % (path, what, entry_at))
        if entry_at in restarts and shared != 0:
            raise ValueError("%s: %s block restart point %d shares a prefix"
                             % (path, what, entry_at))
        key = key[:shared] + bytes(block[pos:pos + unshared])
        pos += unshared
        yield key, bytes(block[pos:pos + value_len])
        pos += value_len


def read_table(index_path):
    """All (key, value) pairs of a LevelDB-format table file, in order."""
    with open(index_path, "rb") as f:
        data = f.read()
    if len(data) < FOOTER_SIZE:
        raise ValueError("%s: %d bytes, shorter than a table footer" % (index_path, len(data)))
    footer = data[len(data) - FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError("%s: not a LevelDB table (bad footer magic)" % index_path)
    _metaindex, pos = _block_handle(footer, 0, 40, index_path)
    index_handle, _ = _block_handle(footer, pos, 40, index_path)
    index_block = _read_block(data, index_handle, index_path, "index")
    pairs = []
    last_key = None
    for _, handle_bytes in _block_entries(index_block, index_path, "index"):
        handle, _ = _block_handle(handle_bytes, 0, len(handle_bytes), index_path)
        block = _read_block(data, handle, index_path, "data")
        for key, value in _block_entries(block, index_path, "data"):
            if last_key is not None and key <= last_key:
                raise ValueError("%s: keys out of order (%r after %r)"
                                 % (index_path, key, last_key))
            last_key = key
            pairs.append((key, value))
    return pairs


# -------------------------------------------------------------------------- the bundle
class Entry:
    """One BundleEntryProto. crc32c is the stored (masked) value."""

    def __init__(self, name, value, path):
        what = "%s: entry %r" % (path, name)
        self.name = name
        self.dtype_enum = 0
        self.shape = []
        self.shard_id = 0
        self.offset = 0
        self.size = 0
        self.crc32c = 0
        self.fields_present = []
        for field, wire, v in parse_proto(value, what):
            self.fields_present.append(field)
            if field == 1:
                _expect_wire(field, wire, 0, what)
                self.dtype_enum = v
            elif field == 2:
                _expect_wire(field, wire, 2, what)
                self.shape = _parse_shape(v, what)
            elif field == 3:
                _expect_wire(field, wire, 0, what)
                self.shard_id = v
            elif field == 4:
                _expect_wire(field, wire, 0, what)
                self.offset = v
            elif field == 5:
                _expect_wire(field, wire, 0, what)
                self.size = v
            elif field == 6:
                _expect_wire(field, wire, 5, what)
                self.crc32c = v
            elif field == 7:
                raise ValueError("%s: sliced tensors are not supported" % what)
        if self.dtype_enum not in DTYPES:
            raise ValueError("%s: unknown dtype %d" % (what, self.dtype_enum))
        self.dtype = DTYPES[self.dtype_enum][0]


def _parse_shape(buf, what):
    dims = []
    for field, wire, v in parse_proto(buf, what + " shape"):
        if field == 2:
            _expect_wire(field, wire, 2, what)
            size = 0
            for f2, w2, v2 in parse_proto(v, what + " dim"):
                if f2 == 1:
                    _expect_wire(f2, w2, 0, what)
                    size = v2 - (1 << 64) if v2 >= 1 << 63 else v2
            if size < 0:
                raise ValueError("%s: negative dimension %d" % (what, size))
            dims.append(size)
        elif field == 3 and v:
            raise ValueError("%s: unknown rank" % what)
    return dims


class Header:
    def __init__(self, value, path):
        what = "%s: bundle header" % path
        self.num_shards = 0
        self.endianness = 0
        self.producer = 0
        self.min_consumer = 0
        self.bad_consumers = []
        self.fields_present = []
        for field, wire, v in parse_proto(value, what):
            self.fields_present.append(field)
            if field == 1:
                self.num_shards = v
            elif field == 2:
                self.endianness = v
            elif field == 3:
                _expect_wire(field, wire, 2, what)
                for f2, _w2, v2 in parse_proto(v, what + " version"):
                    if f2 == 1:
                        self.producer = v2
                    elif f2 == 2:
                        self.min_consumer = v2
                    elif f2 == 3:
                        self.bad_consumers.append(v2)


class Bundle:
    """Reads PREFIX.index at construction; tensor data on demand from PREFIX.data-00000-of-00001."""

    def __init__(self, prefix_or_index):
        index_path = prefix_or_index
        if not index_path.endswith(".index"):
            index_path += ".index"
        self.index_path = index_path
        self.prefix = index_path[:-len(".index")]
        pairs = read_table(index_path)
        if not pairs or pairs[0][0] != b"":
            raise ValueError("%s: no bundle header (key \"\")" % index_path)
        self.header = Header(pairs[0][1], index_path)
        if self.header.endianness != 0:
            raise ValueError("%s: big-endian bundles are not supported" % index_path)
        self.entries = {}
        self.names = []
        for key, value in pairs[1:]:
            name = key.decode("utf-8")
            self.entries[name] = Entry(name, value, index_path)
            self.names.append(name)
        self._data = None

    def data_path(self, shard=0):
        return "%s.data-%05d-of-%05d" % (self.prefix, shard, self.header.num_shards)

    def raw(self, name):
        """The stored bytes of `name`, after checking bounds and the masked crc32c."""
        e = self.entries[name]
        if e.shard_id != 0 or self.header.num_shards != 1:
            raise ValueError("%s: %r is in shard %d of %d; only single-shard bundles are read"
                             % (self.index_path, name, e.shard_id, self.header.num_shards))
        if self._data is None:
            with open(self.data_path(), "rb") as f:
                self._data = f.read()
        if e.offset + e.size > len(self._data):
            raise ValueError("%s: %r [%d, +%d) runs past the data file (%d bytes)"
                             % (self.data_path(), name, e.offset, e.size, len(self._data)))
        raw = self._data[e.offset:e.offset + e.size]
        if masked_crc32c(raw) != e.crc32c:
            raise ValueError("%s: %r fails its crc32c" % (self.data_path(), name))
        return raw

    def tensor(self, name):
        """The tensor `name` as a numpy array of its stored dtype (BFLOAT16 as raw uint16)."""
        e = self.entries[name]
        np_dtype = DTYPES[e.dtype_enum][1]
        if np_dtype is None:
            raise ValueError("%s: %r has dtype %s, not a plain array"
                             % (self.index_path, name, e.dtype))
        count = 1
        for d in e.shape:
            count *= d
        if count * np.dtype(np_dtype).itemsize != e.size:
            raise ValueError("%s: %r has %d bytes, its shape %s and dtype %s need %d"
                             % (self.index_path, name, e.size, e.shape, e.dtype,
                                count * np.dtype(np_dtype).itemsize))
        return np.frombuffer(self.raw(name), dtype=np_dtype).reshape(e.shape)

    def tensors(self):
        """name -> numpy array for every variable."""
        return {n: self.tensor(n) for n in self.names}


def open_checkpoint_dir(out_dir):
    """The bundle `ckptconv convert` writes: OUT/tf_model.ckpt.{index,data-00000-of-00001}."""
    return Bundle(os.path.join(out_dir, "tf_model.ckpt"))
