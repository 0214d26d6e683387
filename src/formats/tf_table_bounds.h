// Bounds of the blocks of a LevelDB table, checked before libleveldb opens it. leveldb
// allocates a buffer of the size a block handle claims before it reads the block, so a
// hostile index naming a block of 2^62 bytes would make it ask for that much memory (and
// end in std::bad_alloc rather than an error). Here every handle leveldb will follow (the
// footer's metaindex and index blocks, and the data blocks an uncompressed index block names)
// must lie, with its 5-byte trailer, inside the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ckpt {

// Throws Error(kBadInput) naming `file`: "truncated: ..." (under 48 bytes), "<block> block
// (offset O, size S) runs past the end of the file (N bytes)", "bad block handles in the table
// footer" or "corrupt index block: <what>". A snappy-compressed index block is left to leveldb.
void check_table_block_bounds(std::span<const uint8_t> table, const std::string& file);

}  // namespace ckpt
