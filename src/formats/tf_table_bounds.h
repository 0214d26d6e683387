// Bounds of the blocks of a LevelDB table, checked before libleveldb opens it. leveldb
// allocates a buffer of the size a block handle claims before it reads the block, so a
// hostile index naming a block of 2^62 bytes would make it ask for that much memory (and
// end in std::bad_alloc rather than an error). Here every handle leveldb will follow (the
// footer's metaindex and index blocks, and the data blocks the index block names) must lie,
// with its 5-byte trailer, inside the file. leveldb also allocates the uncompressed length a
// snappy-compressed block claims, so that claim is bounded by what snappy can encode in the
// block's bytes (a compressed index block is decompressed here to check its handles).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ckpt {

// Throws Error(kBadInput) naming `file`: "truncated: ..." (under 48 bytes), "<block> block
// (offset O, size S) runs past the end of the file (N bytes)", "bad block handles in the table
// footer", "corrupt index block: <what>", "<block> block (offset O) has a corrupt snappy
// length" or "<block> block (offset O, size S) claims N bytes once uncompressed, more than
// snappy can encode in it".
void check_table_block_bounds(std::span<const uint8_t> table, const std::string& file);

}  // namespace ckpt
