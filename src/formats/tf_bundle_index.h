// Building a bundle's PREFIX.index: the BundleEntryProto encoding of one entry and the LevelDB
// table of all of them, exactly as TensorFlow lays them out (header under key "" first, then
// entries in bytewise key order, block size 262144, no compression, no filter).
#pragma once

#include <string>
#include <vector>

#include "formats/tf_bundle_reader.h"
#include "io/output_file.h"

namespace ckpt {

// The serialized BundleEntryProto (zero fields omitted as proto3 does; shape always present).
std::string encode_tf_bundle_entry(const TfBundleEntry& entry);
// The serialized BundleHeaderProto: {num_shards, version {producer: 1}} (little-endian).
std::string encode_tf_bundle_header(int32_t num_shards);

// Writes the index table for `entries` (any order; sorted here) to `out`. Throws
// Error(kBadInput) for a duplicate or empty name, Error(kIo) from `out` (e.g. disk full).
void write_tf_bundle_index(OutputFile& out, std::vector<TfBundleEntry> entries,
                           int32_t num_shards = 1);

}  // namespace ckpt
