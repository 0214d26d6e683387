// Progress reporting for long work (conversion, verification, downloads). Library code reports
// to this interface; the CLI decides whether a bar is drawn (TTY, --no-progress).
#pragma once

#include <cstdint>
#include <string>

namespace ckpt {

class Progress {
 public:
  virtual ~Progress() = default;
  // A new phase of `total_bytes` (0 when unknown) called `label` ("convert", "config.json").
  virtual void start(const std::string& label, uint64_t total_bytes) = 0;
  // `bytes` more were done. May be called from several threads.
  virtual void advance(uint64_t bytes) = 0;
  virtual void finish() = 0;
};

// Reports nothing; the default when no bar is wanted.
class NullProgress final : public Progress {
 public:
  void start(const std::string&, uint64_t) override {}
  void advance(uint64_t) override {}
  void finish() override {}
};

}  // namespace ckpt
