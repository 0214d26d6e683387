// Errors that reach the user. Every failure the tool reports is an ckpt::Error carrying the
// exit code a script can rely on and one line of text: "<file>: <what is wrong>".
#pragma once

#include <stdexcept>
#include <string>

namespace ckpt {

// Process exit codes (DESIGN.md §1).
enum class ExitCode : int {
  kOk = 0,
  kMismatch = 1,      // verify found a difference
  kUsage = 2,         // bad command line
  kBadInput = 3,      // malformed or unsupported input
  kIo = 4,            // I/O or network failure
  kInterrupted = 130  // SIGINT/SIGTERM: outputs removed, as a shell would report it
};

class Error : public std::runtime_error {
 public:
  // `file` may be empty when no file is involved (usage errors).
  Error(ExitCode code, std::string file, std::string detail);

  ExitCode code() const { return code_; }
  const std::string& file() const { return file_; }
  const std::string& detail() const { return detail_; }

 private:
  ExitCode code_;
  std::string file_;
  std::string detail_;
};

[[noreturn]] void throw_bad_input(const std::string& file, const std::string& detail);
[[noreturn]] void throw_io(const std::string& file, const std::string& detail);
// `detail` followed by ": " and strerror(err).
[[noreturn]] void throw_errno(const std::string& file, const std::string& detail, int err);
[[noreturn]] void throw_usage(const std::string& detail);

}  // namespace ckpt
