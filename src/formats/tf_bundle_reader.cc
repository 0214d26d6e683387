// Placeholder until the TF bundle reader lands; keeps the library linkable.
#include "formats/tf_bundle_reader.h"

#include "io/error.h"

namespace ckpt {

std::unique_ptr<TfBundleReader> TfBundleReader::open(const std::string& prefix) {
  throw_bad_input(prefix, "TF bundles are not supported yet");
}

std::string resolve_tf_prefix(const std::string&) { return {}; }

Checkpoint read_tf_bundle(const std::string& prefix) {
  throw_bad_input(prefix, "TF bundles are not supported yet");
}

}  // namespace ckpt
