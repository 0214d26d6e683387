// Writes a TensorFlow tensor bundle byte-compatible with TensorFlow's own writer: tensors are
// appended to PREFIX.data-00000-of-00001 in the order given, crc32c computed on the fly, and
// PREFIX.index (a LevelDB table, sorted keys) is built at finish(). Both files live under
// temporary names until commit().
#pragma once

#include <memory>
#include <string>

#include "formats/tensor_writer.h"

namespace ckpt {

std::unique_ptr<TensorWriter> make_tf_bundle_writer(const std::string& prefix);

// The `checkpoint` text file that lets tf.train.latest_checkpoint(dir) find `prefix_name`.
std::string tf_checkpoint_state_text(const std::string& prefix_name);

}  // namespace ckpt
