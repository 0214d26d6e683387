#include "io/error.h"

#include <cstring>
#include <utility>

namespace ckpt {
namespace {

std::string join(const std::string& file, const std::string& detail) {
  return file.empty() ? detail : file + ": " + detail;
}

}  // namespace

Error::Error(ExitCode code, std::string file, std::string detail)
    : std::runtime_error(join(file, detail)),
      code_(code),
      file_(std::move(file)),
      detail_(std::move(detail)) {}

void throw_bad_input(const std::string& file, const std::string& detail) {
  throw Error(ExitCode::kBadInput, file, detail);
}

void throw_io(const std::string& file, const std::string& detail) {
  throw Error(ExitCode::kIo, file, detail);
}

void throw_errno(const std::string& file, const std::string& detail, int err) {
  throw Error(ExitCode::kIo, file, detail + ": " + std::strerror(err));
}

void throw_usage(const std::string& detail) { throw Error(ExitCode::kUsage, "", detail); }

}  // namespace ckpt
