#include "convert/output_dir.h"

#include <filesystem>

#include "io/error.h"

namespace ckpt {

void prepare_output_dir(const std::string& dir, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw_io(dir, "exists and is not a directory");
    if (!force && !fs::is_empty(dir, ec)) {
      throw Error(ExitCode::kUsage, dir, "exists and is not empty (use --force to overwrite)");
    }
    return;
  }
  fs::create_directories(dir, ec);
  if (ec) throw_io(dir, "cannot create directory: " + ec.message());
}

}  // namespace ckpt
