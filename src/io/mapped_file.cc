#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "io/error.h"

namespace ckpt {
namespace {

constexpr uint64_t kPage = 4096;

// madvise needs page-aligned ranges; shrink to whole pages inside [offset, offset+length).
bool inner_pages(uint64_t offset, uint64_t length, uint64_t* begin, uint64_t* end) {
  *begin = (offset + kPage - 1) / kPage * kPage;
  *end = (offset + length) / kPage * kPage;
  return *begin < *end;
}

}  // namespace

MappedFile::MappedFile(std::string path, int fd, const uint8_t* data, uint64_t size)
    : path_(std::move(path)), fd_(fd), data_(data), size_(size) {}

MappedFile::~MappedFile() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
  ::close(fd_);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno(path, "cannot open", errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw_errno(path, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw_io(path, "is a directory, expected a file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw_errno(path, "cannot map", err);
    }
    data = static_cast<const uint8_t*>(p);
  }
  auto file = std::shared_ptr<MappedFile>(new MappedFile(path, fd, data, size));
  file->note_cached_pages();
  return file;
}

void MappedFile::note_cached_pages() {
  constexpr uint64_t kStep = uint64_t{64} << 20;  // mincore's vector stays small
  const uint64_t pages = (size_ + kPage - 1) / kPage;
  cached_at_open_.assign((pages + 63) / 64, 0);
  std::vector<unsigned char> resident(kStep / kPage);
  for (uint64_t at = 0; at < size_; at += kStep) {
    const uint64_t n = std::min(kStep, size_ - at);
    if (mincore(const_cast<uint8_t*>(data_ + at), n, resident.data()) != 0) continue;
    for (uint64_t i = 0; i < (n + kPage - 1) / kPage; ++i) {
      const uint64_t page = at / kPage + i;
      if ((resident[i] & 1) != 0) cached_at_open_[page / 64] |= uint64_t{1} << (page % 64);
    }
  }
}

uint64_t MappedFile::cached_at_open(uint64_t offset, uint64_t length) const {
  if (offset >= size_) return 0;
  const uint64_t end = offset + std::min(length, size_ - offset);
  uint64_t bytes = 0;
  for (uint64_t page = offset / kPage; page * kPage < end; ++page) {
    if ((cached_at_open_[page / 64] >> (page % 64) & 1) != 0) {
      bytes += std::min(end, (page + 1) * kPage) - std::max(offset, page * kPage);
    }
  }
  return bytes;
}

bool MappedFile::contains(uint64_t offset, uint64_t length) const {
  return offset <= size_ && length <= size_ - offset;
}

std::span<const uint8_t> MappedFile::bytes(uint64_t offset, uint64_t length,
                                           const char* what) const {
  if (!contains(offset, length)) {
    throw_bad_input(path_, std::string(what) + " at offset " + std::to_string(offset) + " (" +
                               std::to_string(length) +
                               " bytes) lies beyond the end of the file (" + std::to_string(size_) +
                               " bytes)");
  }
  return {data_ + offset, static_cast<size_t>(length)};
}

void MappedFile::read_ahead(uint64_t offset, uint64_t length) const {
  if (data_ == nullptr || offset >= size_) return;
  const uint64_t begin = offset / kPage * kPage, end = offset + std::min(length, size_ - offset);
  if (begin >= end || resident_bytes(offset, length) == end - offset) return;
  posix_fadvise(fd_, static_cast<off_t>(begin), static_cast<off_t>(end - begin),
                POSIX_FADV_WILLNEED);
}

uint64_t MappedFile::resident_bytes(uint64_t offset, uint64_t length) const {
  if (data_ == nullptr || offset >= size_) return 0;
  const uint64_t begin = offset / kPage * kPage, end = offset + std::min(length, size_ - offset);
  if (begin >= end) return 0;
  std::vector<unsigned char> resident((end - begin + kPage - 1) / kPage);
  if (mincore(const_cast<uint8_t*>(data_ + begin), end - begin, resident.data()) != 0) return 0;
  uint64_t pages = 0;
  for (unsigned char r : resident) pages += r & 1;
  return std::min(pages * kPage, end - offset);
}

int MappedFile::open_direct() const {
  const std::string self = "/proc/self/fd/" + std::to_string(fd_);
  return ::open(self.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
}

void MappedFile::release_behind(uint64_t offset, uint64_t length) const {
  constexpr uint64_t kChunk = uint64_t{2} << 20;
  if (!contains(offset, length)) return;
  const uint64_t begin = offset / kChunk * kChunk;
  const uint64_t end = (offset + length) / kChunk * kChunk;
  if (data_ != nullptr && begin < end) {
    madvise(const_cast<uint8_t*>(data_ + begin), end - begin, MADV_DONTNEED);
  }
}

void MappedFile::release(uint64_t offset, uint64_t length) const {
  if (data_ == nullptr || !contains(offset, length)) return;
  // The mapping's last page is the file's alone, however little of it the file fills.
  const uint64_t reach =
      offset + length == size_ ? (size_ + kPage - 1) / kPage * kPage - offset : length;
  uint64_t b = 0;
  uint64_t e = 0;
  if (inner_pages(offset, reach, &b, &e)) {
    madvise(const_cast<uint8_t*>(data_ + b), e - b, MADV_DONTNEED);
  }
}

bool MappedFile::populate(uint64_t offset, uint64_t length) const {
  if (!contains(offset, length)) {
    throw std::invalid_argument("MappedFile::populate: a range outside " + path_);
  }
  if (length == 0) return true;
  const uint64_t b = offset / kPage * kPage;
  const uint64_t e = (offset + length + kPage - 1) / kPage * kPage;  // inside the mapping
  if (madvise(const_cast<uint8_t*>(data_ + b), e - b, MADV_POPULATE_READ) == 0) return true;
  return errno != EFAULT;  // EFAULT: pages past the end of the file (EINVAL: an older kernel)
}

void MappedFile::drop_cached(uint64_t offset, uint64_t length) const {
  if (data_ == nullptr || !contains(offset, length) || length == 0) return;
  release(offset, length);  // mapped pages cannot be dropped
  posix_fadvise(fd_, static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_DONTNEED);
}

}  // namespace ckpt
