#include "io/chunk_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "io/error.h"

namespace ckpt {
namespace {

constexpr uint64_t kAlign = 4096;                   // O_DIRECT offsets, lengths and buffers
constexpr uint64_t kCopyPiece = uint64_t{4} << 20;  // mapping bytes copied between releases
// A range that ends past the file as it is now, read directly or mapped.
constexpr const char* kTruncated = "ended while being read (truncated?)";

}  // namespace

ChunkReader::ChunkReader(std::vector<Range> plan, uint64_t capacity) : plan_(std::move(plan)) {
  for (const Range& r : plan_) {
    if (r.file == nullptr || !r.file->contains(r.offset, r.length) || r.length > capacity) {
      throw std::invalid_argument(
          "ChunkReader: a planned range without a file, outside it or "
          "larger than the buffers");
    }
  }
  if (!plan_.empty()) {
    for (int i = 0; i < 2; ++i) slots_.emplace_back(capacity + 2 * kAlign);
  }
  thread_ = std::thread([this] { loop(); });
}

ChunkReader::~ChunkReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (Slot& slot : slots_) {
    if (slot.mapped) give_back(slot.range);
  }
  for (const auto& [file, fd] : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

ChunkReader::Counts ChunkReader::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

std::span<const uint8_t> ChunkReader::get(const MappedFilePtr& file, uint64_t offset,
                                          uint64_t length) {
  std::unique_lock<std::mutex> lock(mu_);
  in_use_ = SIZE_MAX;  // the previous span is given up
  size_t k = next_;
  while (k < plan_.size() &&
         (plan_[k].file != file || plan_[k].offset != offset || plan_[k].length != length)) {
    ++k;
  }
  if (k == plan_.size()) {
    cv_.notify_all();
    return file->bytes(offset, length, "a chunk");
  }
  next_ = k + 1;
  in_use_ = k;
  cv_.notify_all();
  Slot& slot = slots_[k % 2];
  cv_.wait(lock, [&] { return slot.range == k && slot.ready; });
  if (slot.error) std::rethrow_exception(slot.error);
  return {slot.data, static_cast<size_t>(length)};
}

void ChunkReader::loop() {
  for (size_t i = 0; i < plan_.size(); ++i) {
    Slot& slot = slots_[i % 2];
    size_t was_mapped = SIZE_MAX;  // the range the slot handed out in place, to give back
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Wait until range i was skipped by the consumer (it took a later one) or its slot is
      // free: empty, or holding a range the consumer has moved past (taken, and not in use).
      cv_.wait(lock, [&] {
        return stop_ || i + 1 < next_ || slot.range == SIZE_MAX ||
               (slot.range < next_ && slot.range != in_use_);
      });
      if (stop_) return;
      if (i + 1 < next_) continue;
      if (slot.mapped) was_mapped = slot.range;
      slot.mapped = false;
      slot.range = i;
      slot.ready = false;
      slot.error = nullptr;
    }
    if (was_mapped != SIZE_MAX) give_back(was_mapped);
    try {
      fill(slot, plan_[i]);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot.ready = true;
    }
    cv_.notify_all();
  }
}

void ChunkReader::give_back(size_t range) {
  const Range& r = plan_[range];
  r.file->release(r.offset, r.length);
}

int ChunkReader::direct_fd(const MappedFile& file) {
  auto it = fds_.find(&file);
  if (it == fds_.end()) it = fds_.emplace(&file, file.open_direct()).first;
  return it->second;
}

void ChunkReader::fill(Slot& slot, const Range& r) {
  const MappedFile& file = *r.file;
  const bool cached = file.resident_bytes(r.offset, r.length) * 2 >= r.length;
  const int fd = cached ? -1 : direct_fd(file);
  if (fd >= 0) {
    const uint64_t begin = r.offset / kAlign * kAlign;
    const uint64_t end = (r.offset + r.length + kAlign - 1) / kAlign * kAlign;
    uint64_t at = begin;
    const uint64_t need = r.offset + r.length;  // the file may end before `end`
    while (at < need) {
      const ssize_t n = ::pread(fd, slot.buffer.data() + (at - begin),
                                static_cast<size_t>(end - at), static_cast<off_t>(at));
      if (n > 0) {
        at += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && at == begin) break;  // refused: copy instead
      if (n < 0) throw_errno(file.path(), "cannot read", errno);
      throw_io(file.path(), kTruncated);
    }
    slot.buffer_used = true;
    if (at >= need) {
      slot.data = slot.buffer.data() + (r.offset - begin);
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_.direct;
      return;
    }
    fds_[&file] = -1;  // this file system refuses direct reads: copy from now on
    ::close(fd);
  }
  if (!slot.buffer_used) {
    if (!file.populate(r.offset, r.length)) {
      throw_io(file.path(), kTruncated);
    }
    slot.data = file.data() + r.offset;
    slot.mapped = true;
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.mapped;
    return;
  }
  file.read_ahead(r.offset, r.length);  // the pages the cache lacks, while the rest is copied
  for (uint64_t at = 0; at < r.length; at += kCopyPiece) {
    const uint64_t n = std::min(kCopyPiece, r.length - at);
    std::memcpy(slot.buffer.data() + at, file.data() + r.offset + at, static_cast<size_t>(n));
    file.release_behind(r.offset + at, n);
  }
  file.release(r.offset, r.length);
  slot.buffer_used = true;
  slot.data = slot.buffer.data();
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.copied;
}

}  // namespace ckpt
