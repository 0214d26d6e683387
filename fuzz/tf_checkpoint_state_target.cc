// Fuzz target: parse_tf_checkpoint_state, the `checkpoint` file reader resolve_tf_prefix uses.
// It must never throw or crash, and what tf_checkpoint_state_text writes for the decoded path
// must parse back to the same path (the text-format escapes round-trip).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/tf_bundle_writer.h"
#include "formats/tf_checkpoint_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string path =
      parse_tf_checkpoint_state(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parse_tf_checkpoint_state(tf_checkpoint_state_text(path)) != path) __builtin_trap();
  // The raw input as a path, too: any bytes a directory name may hold.
  const std::string raw(reinterpret_cast<const char*>(data), size);
  if (parse_tf_checkpoint_state(tf_checkpoint_state_text(raw)) != raw) __builtin_trap();
  return 0;
}
