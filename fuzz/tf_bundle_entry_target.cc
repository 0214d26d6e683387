// Fuzz target: the bundle index protos without the table around them (the table's block
// checksums would stop most mutations before the protos): the input is decoded both as a
// BundleHeaderProto and as the BundleEntryProto of a tensor in a 4-shard bundle. An accepted
// entry must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/tf_bundle_decode.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const int32_t shards = decode_tf_bundle_header(bytes, "fuzz.index");
    if (shards < 1 || shards > 100000) __builtin_trap();
  } catch (const Error&) {
  }
  try {
    const TfBundleEntry e = decode_tf_bundle_entry("t", bytes, 4, "fuzz.index");
    if (e.name != "t" || e.shard_id < 0 || e.shard_id >= 4) __builtin_trap();
    if (shape_numel(e.shape) < 0) __builtin_trap();
    if (e.offset > static_cast<uint64_t>(INT64_MAX) || e.size > static_cast<uint64_t>(INT64_MAX)) {
      __builtin_trap();
    }
  } catch (const Error&) {
  }
  return 0;
}
