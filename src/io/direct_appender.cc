#include "io/direct_appender.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ckpt {

DirectAppender::DirectAppender(OutputFile& file)
    : file_(file), block_(kBlockBytes), written_(file.size()) {}

void DirectAppender::append(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), kBlockBytes - fill_);
    std::memcpy(block_.data() + fill_, bytes.data(), n);
    fill_ += n;
    bytes = bytes.subspan(n);
    if (fill_ == kBlockBytes) write_block();
  }
}

void DirectAppender::write_block() {
  const std::span<const uint8_t> block(block_.data(), fill_);
  const bool aligned =
      written_ % OutputFile::kDirectAlign == 0 && fill_ % OutputFile::kDirectAlign == 0;
  if (!aligned || !file_.write_direct(written_, block)) file_.write_at(written_, block);
  written_ += fill_;
  fill_ = 0;
}

void DirectAppender::patch(uint64_t offset, std::span<const uint8_t> bytes) {
  if (offset > size() || bytes.size() > size() - offset) {
    throw std::out_of_range("DirectAppender::patch past the bytes appended");
  }
  if (offset < written_) {  // the part already in the file
    const auto n = static_cast<size_t>(std::min<uint64_t>(bytes.size(), written_ - offset));
    file_.write_at(offset, bytes.first(n));
    bytes = bytes.subspan(n);
    offset += n;
  }
  if (!bytes.empty()) std::memcpy(block_.data() + (offset - written_), bytes.data(), bytes.size());
}

void DirectAppender::flush() {
  if (fill_ == 0) return;
  file_.write_at(written_, {block_.data(), fill_});
  written_ += fill_;
  fill_ = 0;
}

}  // namespace ckpt
