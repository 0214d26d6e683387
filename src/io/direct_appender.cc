#include "io/direct_appender.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace ckpt {

DirectAppender::DirectAppender(OutputFile& file)
    : file_(file), block_(kBlockBytes), written_(file.size()) {}

size_t DirectAppender::in_place_prefix(std::span<const uint8_t> bytes) const {
  constexpr size_t kAlign = OutputFile::kDirectAlign;
  const size_t n = bytes.size() / kAlign * kAlign;
  const bool aligned =
      written_ % kAlign == 0 && reinterpret_cast<uintptr_t>(bytes.data()) % kAlign == 0;
  return fill_ == 0 && aligned && n >= kInPlaceMin ? n : 0;
}

void DirectAppender::append(std::span<const uint8_t> bytes) {
  if (const size_t n = in_place_prefix(bytes); n > 0) {
    const std::span<const uint8_t> head = bytes.first(n);
    if (!file_.write_direct(written_, head)) file_.write_at(written_, head);
    written_ += n;
    bytes = bytes.subspan(n);
  }
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
