// Writes a TensorFlow tensor bundle byte-compatible with TensorFlow's own writer: tensors are
// appended to PREFIX.data-00000-of-00001 in the order given, crc32c computed on the fly, and
// PREFIX.index (a LevelDB table, sorted keys) is built at finish(). Both files live under
// temporary names until commit().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/tensor_writer.h"

namespace ckpt {

// `arriving`, when given, are the specs of the tensors in the order they will be begun: the
// writer then knows where each one's data lands (TensorWriter::planned_data_offset), up to
// the first string tensor (whose size only its data tells). Only a hint: what arrives is
// checked as always, and a different order costs nothing but the copy the hint saves.
std::unique_ptr<TensorWriter> make_tf_bundle_writer(const std::string& prefix,
                                                    const std::vector<TensorSpec>& arriving = {});

// The `checkpoint` text file that lets tf.train.latest_checkpoint(dir) find `prefix_name`.
std::string tf_checkpoint_state_text(const std::string& prefix_name);

}  // namespace ckpt
