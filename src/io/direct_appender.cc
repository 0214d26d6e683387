#include "io/direct_appender.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace ckpt {

DirectAppender::DirectAppender(OutputFile& file)
    : file_(file), block_(kBlockBytes), written_(file.size()) {}

std::span<const uint8_t> DirectAppender::in_place_part(std::span<const uint8_t> bytes) const {
  constexpr size_t kAlign = OutputFile::kDirectAlign;
  const size_t lead = (kAlign - fill_ % kAlign) % kAlign;        // completes the block's last page
  if (written_ % kAlign != 0 || bytes.size() < lead) return {};  // after a flush(): no more
  const std::span<const uint8_t> rest = bytes.subspan(lead);
  const size_t n = rest.size() / kAlign * kAlign;
  if (reinterpret_cast<uintptr_t>(rest.data()) % kAlign != 0 || n < kInPlaceMin) return {};
  return rest.first(n);
}

void DirectAppender::copy_in(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), kBlockBytes - fill_);
    std::memcpy(block_.data() + fill_, bytes.data(), n);
    fill_ += n;
    bytes = bytes.subspan(n);
    if (fill_ == kBlockBytes) write_block();
  }
}

void DirectAppender::append(std::span<const uint8_t> bytes) {
  const std::span<const uint8_t> in_place = in_place_part(bytes);
  if (in_place.empty()) {
    copy_in(bytes);
    return;
  }
  const auto lead = static_cast<size_t>(in_place.data() - bytes.data());
  copy_in(bytes.first(lead));
  if (fill_ > 0) write_block();  // whole pages now
  if (!file_.write_direct(written_, in_place)) file_.write_at(written_, in_place);
  written_ += in_place.size();
  copy_in(bytes.subspan(lead + in_place.size()));
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
