#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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
    madvise(p, size, MADV_SEQUENTIAL);
    data = static_cast<const uint8_t*>(p);
  }
  return std::shared_ptr<const MappedFile>(new MappedFile(path, fd, data, size));
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

void MappedFile::will_need(uint64_t offset, uint64_t length) const {
  uint64_t b = offset / kPage * kPage;
  uint64_t e = std::min(size_, offset + length);
  if (data_ != nullptr && b < e) madvise(const_cast<uint8_t*>(data_ + b), e - b, MADV_WILLNEED);
}

void MappedFile::release(uint64_t offset, uint64_t length) const {
  uint64_t b = 0;
  uint64_t e = 0;
  if (data_ != nullptr && contains(offset, length) && inner_pages(offset, length, &b, &e)) {
    madvise(const_cast<uint8_t*>(data_ + b), e - b, MADV_DONTNEED);
  }
}

void MappedFile::pread_all(uint64_t at, uint64_t length, uint8_t* dst) const {
  for (uint64_t left = length; left > 0;) {
    const ssize_t n = ::pread(fd_, dst, left, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(path_, "cannot read", errno);
    if (n == 0) throw_io(path_, "file shrank while being read");
    dst += n;
    at += static_cast<uint64_t>(n);
    left -= static_cast<uint64_t>(n);
  }
}

void MappedFile::read_columns(uint64_t first_row, uint64_t row_pitch, uint64_t rows, uint64_t from,
                              uint64_t to, uint8_t* out) const {
  const uint64_t width = to - from;
  if (row_pitch <= kPage && rows > 1) {
    // Narrow rows share pages, so every page is read anyway: read runs of whole rows with one
    // call each (one pread per row of a [9e6, 2] matrix would be 9e6 system calls).
    constexpr uint64_t kRun = 1u << 20;
    const uint64_t per_run = std::min(rows, std::max<uint64_t>(1, kRun / row_pitch));
    std::vector<uint8_t> run(static_cast<size_t>(per_run * row_pitch));
    for (uint64_t i = 0; i < rows; i += per_run) {
      const uint64_t n = std::min(per_run, rows - i);
      const uint64_t at = first_row + i * row_pitch, length = (n - 1) * row_pitch + to;
      bytes(at, length, "column block");  // bounds check with the usual message
      pread_all(at, length, run.data());
      for (uint64_t k = 0; k < n; ++k)
        std::memcpy(out + (i + k) * width, run.data() + k * row_pitch + from, width);
    }
    return;
  }
  for (uint64_t i = 0; i < rows; ++i) {
    const uint64_t at = first_row + i * row_pitch + from;
    bytes(at, width, "column block");  // bounds check with the usual message
    pread_all(at, width, out + i * width);
  }
}

void MappedFile::cache_sequentially(uint64_t offset, uint64_t length) const {
  if (data_ == nullptr || !contains(offset, length) || length == 0) return;
  const uint64_t begin = offset / kPage * kPage, end = offset + length;
  std::vector<unsigned char> resident((end - begin + kPage - 1) / kPage);
  if (mincore(const_cast<uint8_t*>(data_ + begin), end - begin, resident.data()) != 0) return;
  size_t missing = 0;
  for (unsigned char r : resident) missing += (r & 1) == 0 ? 1 : 0;
  if (missing == 0) return;
  constexpr uint64_t kBlock = 8u << 20;
  std::vector<uint8_t> scratch(kBlock);
  for (uint64_t at = begin; at < end; at += kBlock) {
    const uint64_t n = std::min(kBlock, end - at);
    if (::pread(fd_, scratch.data(), n, static_cast<off_t>(at)) < 0)
      return;  // read_columns will report it
  }
}

}  // namespace ckpt
