// The `checkpoint` state file TensorFlow writes beside its bundles: a CheckpointState text
// proto whose `model_checkpoint_path: "PREFIX"` line names the newest bundle.
#pragma once

#include <string>
#include <string_view>

namespace ckpt {

// The model_checkpoint_path of a `checkpoint` file's text, with the text-format escapes
// decoded (\" \\ \' \n \r \t, octal \ooo and hex \xHH, as protobuf's printer writes them for
// quotes, control bytes and non-ASCII bytes). Empty when the field is absent or its string is
// not properly quoted. Never throws.
std::string parse_tf_checkpoint_state(std::string_view text);

}  // namespace ckpt
