// The output directory rules shared by every command that writes one: created when missing;
// an existing non-empty directory is only written into with --force.
#pragma once

#include <string>

namespace ckpt {

// Throws Error(kIo) when `dir` cannot be created, or Error(kUsage) "<dir>: exists and is not
// empty (use --force to overwrite)" when it holds files and `force` is false.
void prepare_output_dir(const std::string& dir, bool force);

}  // namespace ckpt
