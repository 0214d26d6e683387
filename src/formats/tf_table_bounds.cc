#include "formats/tf_table_bounds.h"

#include <snappy.h>

#include <functional>
#include <optional>
#include <string>

#include "io/error.h"

namespace ckpt {
namespace {

constexpr uint64_t kFooterSize = 48;
constexpr uint64_t kTrailerSize = 5;  // compression type byte + masked crc32c
constexpr uint8_t kSnappy = 1;        // the trailer's type byte of a snappy-compressed block
// Snappy's densest encoding (a 3-byte copy of 64 bytes) expands 21.3 times; a block that
// claims more than this many uncompressed bytes per compressed byte is hostile.
constexpr uint64_t kMaxSnappyExpansion = 32;

// A little-endian base-128 varint of at most `max_bytes` bytes at `at`; advances `at`.
std::optional<uint64_t> varint(std::span<const uint8_t> s, uint64_t& at, int max_bytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes && at < s.size(); ++i) {
    const uint8_t b = s[at++];
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) return v;
  }
  return std::nullopt;
}

struct Handle {
  uint64_t offset;
  uint64_t size;
};

std::optional<Handle> handle(std::span<const uint8_t> s, uint64_t& at) {
  const auto offset = varint(s, at, 10);
  const auto size = varint(s, at, 10);
  if (!offset || !size) return std::nullopt;
  return Handle{*offset, *size};
}

void check_bounds(const Handle& h, uint64_t file_size, const std::string& block,
                  const std::string& file) {
  if (h.offset > file_size || h.size > file_size - h.offset ||
      kTrailerSize > file_size - h.offset - h.size) {
    throw_bad_input(file, block + " block (offset " + std::to_string(h.offset) + ", size " +
                              std::to_string(h.size) + ") runs past the end of the file (" +
                              std::to_string(file_size) + " bytes)");
  }
}

[[noreturn]] void corrupt_index(const std::string& file, const std::string& what) {
  throw_bad_input(file, "corrupt index block: " + what);
}

// leveldb allocates a snappy block's claimed uncompressed length before decompressing it.
void check_snappy_length(std::span<const uint8_t> table, const Handle& h, const std::string& block,
                         const std::string& file) {
  size_t length = 0;
  const auto* data = reinterpret_cast<const char*>(table.data() + h.offset);
  if (!snappy::GetUncompressedLength(data, h.size, &length)) {
    throw_bad_input(file, block + " block (offset " + std::to_string(h.offset) +
                              ") has a corrupt snappy length");
  }
  if (length > kMaxSnappyExpansion * h.size + 64) {
    throw_bad_input(file, block + " block (offset " + std::to_string(h.offset) + ", size " +
                              std::to_string(h.size) + ") claims " + std::to_string(length) +
                              " bytes once uncompressed, more than snappy can encode in it");
  }
}

// Every entry of an uncompressed block is (shared, unshared, value length varints, key delta,
// value); the block ends with the restart offsets and their count (fixed32 each). `where(at)`
// names the position of byte `at` of `block` in messages.
void check_data_handles(std::span<const uint8_t> table, std::span<const uint8_t> block,
                        const std::function<std::string(uint64_t)>& where,
                        const std::string& file) {
  if (block.size() < 4) corrupt_index(file, "too short for its restart count");
  uint32_t restarts = 0;
  for (int i = 3; i >= 0; --i) restarts = (restarts << 8) | block[block.size() - 4 + i];
  if (restarts > (block.size() - 4) / 4) {
    corrupt_index(file, std::to_string(restarts) + " restart points do not fit in " +
                            std::to_string(block.size()) + " bytes");
  }
  const uint64_t end = block.size() - 4 - uint64_t{4} * restarts;
  const std::span<const uint8_t> entries = block.first(end);
  uint64_t at = 0;
  while (at < end) {
    const auto shared = varint(entries, at, 5);
    const auto unshared = varint(entries, at, 5);
    const auto value_size = varint(entries, at, 5);
    if (!shared || !unshared || !value_size || *unshared > end - at ||
        *value_size > end - at - *unshared) {
      corrupt_index(file, "bad entry at " + where(at));
    }
    at += *unshared;
    uint64_t value_at = 0;
    const auto data = handle(entries.subspan(at, *value_size), value_at);
    if (!data) corrupt_index(file, "bad block handle at " + where(at));
    check_bounds(*data, table.size(), "data", file);
    if (table[data->offset + data->size] == kSnappy)
      check_snappy_length(table, *data, "data", file);
    at += *value_size;
  }
}

}  // namespace

void check_table_block_bounds(std::span<const uint8_t> table, const std::string& file) {
  if (table.size() < kFooterSize) {
    throw_bad_input(file, "truncated: " + std::to_string(table.size()) +
                              " bytes is too short for a table footer (48 bytes)");
  }
  const std::span<const uint8_t> footer = table.last(kFooterSize);
  uint64_t at = 0;
  const auto meta = handle(footer, at);
  const auto index = handle(footer, at);
  if (!meta || !index) throw_bad_input(file, "bad block handles in the table footer");
  check_bounds(*meta, table.size(), "metaindex", file);
  check_bounds(*index, table.size(), "index", file);
  const std::span<const uint8_t> raw = table.subspan(index->offset, index->size);
  // The metaindex block is only read with a filter policy, which the bundle reader has not.
  if (table[index->offset + index->size] != kSnappy) {
    check_data_handles(
        table, raw, [&](uint64_t at) { return "offset " + std::to_string(index->offset + at); },
        file);
    return;
  }
  // A compressed index (TensorFlow never writes one): bounded, then read uncompressed.
  check_snappy_length(table, *index, "index", file);
  std::string block;
  if (!snappy::Uncompress(reinterpret_cast<const char*>(raw.data()), raw.size(), &block)) {
    corrupt_index(file, "its snappy data does not decompress");
  }
  check_data_handles(
      table, {reinterpret_cast<const uint8_t*>(block.data()), block.size()},
      [](uint64_t at) { return "offset " + std::to_string(at) + " of the uncompressed block"; },
      file);
}

}  // namespace ckpt
