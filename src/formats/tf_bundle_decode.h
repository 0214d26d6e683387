// Decoding the two protos of a bundle index: the BundleHeaderProto under key "" and the
// BundleEntryProto of each tensor, validated (DESIGN.md §5). Pure functions of the bytes, so
// they are unit-tested and fuzzed without a LevelDB table around them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/tf_bundle_reader.h"

namespace ckpt {

// The header's num_shards (1..100000). Throws Error(kBadInput) naming `index_path`: bad proto,
// big-endian, num_shards out of range, or a min_consumer newer than this reader.
int32_t decode_tf_bundle_header(std::string_view bytes, const std::string& index_path);

// The entry of tensor `name`. Throws Error(kBadInput) naming `index_path`
// ("tensor '<name>': <what>") for a bad proto, slices, an unsupported dtype, an unknown-rank or
// negative or overflowing shape, a shard_id not below `num_shards`, a negative offset or size,
// or a size that does not match shape x dtype.
TfBundleEntry decode_tf_bundle_entry(std::string name, std::string_view bytes, int32_t num_shards,
                                     const std::string& index_path);

}  // namespace ckpt
