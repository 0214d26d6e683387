#include "io/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "io/error.h"

namespace ckpt {
namespace {

std::string temp_name_for(const std::string& final_path) {
  std::filesystem::path p(final_path);
  std::string name = "." + p.filename().string() + ".ckptconv-tmp-" + std::to_string(getpid());
  return (p.parent_path() / name).string();
}

// Makes the renames done in the directory of `path` durable: without it, after a power cut
// the directory may show a later rename but not an earlier one (so `checkpoint`, written
// last, could point at a bundle that is not there). Filesystems that cannot sync a
// directory say EINVAL; that is not an error.
void sync_directory_of(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_errno(dir.string(), "cannot open directory to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) throw_errno(dir.string(), "cannot sync directory", err);
}

}  // namespace

OutputFile::OutputFile(std::string final_path)
    : final_path_(std::move(final_path)), temp_path_(temp_name_for(final_path_)) {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_errno(final_path_, "cannot create", errno);
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() noexcept {
  if (direct_fd_ >= 0) {
    ::close(direct_fd_);
    direct_fd_ = -1;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_ && !temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

void OutputFile::write(std::span<const uint8_t> bytes) { write_at(size_, bytes); }

void OutputFile::write(const std::string& text) {
  write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

void OutputFile::write_at(uint64_t offset, std::span<const uint8_t> bytes) {
  if (fd_ < 0) throw_io(final_path_, "write after commit");
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(final_path_, "cannot write", errno);
    }
    if (n == 0) throw_errno(final_path_, "cannot write", ENOSPC);
    p += n;
    left -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  if (offset > size_) size_ = offset;
}

bool OutputFile::write_direct(uint64_t offset, std::span<const uint8_t> bytes) {
  if (offset % kDirectAlign != 0 || bytes.size() % kDirectAlign != 0 ||
      reinterpret_cast<uintptr_t>(bytes.data()) % kDirectAlign != 0) {
    throw std::invalid_argument("OutputFile::write_direct: unaligned offset, size or buffer");
  }
  if (fd_ < 0) throw_io(final_path_, "write after commit");
  if (direct_refused_) return false;
  if (direct_fd_ < 0) {
    direct_fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (direct_fd_ < 0) {
      direct_refused_ = true;  // EINVAL: no O_DIRECT here (tmpfs, some FUSE file systems)
      return false;
    }
  }
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(direct_fd_, p, left, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && left == bytes.size()) {
      direct_refused_ = true;  // the file system takes the open but not the write
      return false;
    }
    if (n < 0) throw_errno(final_path_, "cannot write", errno);
    if (n == 0) throw_errno(final_path_, "cannot write", ENOSPC);
    p += n;
    left -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  if (offset > size_) size_ = offset;
  return true;
}

void OutputFile::commit() {
  if (fd_ < 0) throw_io(final_path_, "commit of a discarded file");
  if (direct_fd_ >= 0) {
    ::close(direct_fd_);
    direct_fd_ = -1;
  }
  if (::fdatasync(fd_) != 0 && errno != EINVAL) throw_errno(final_path_, "cannot sync", errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw_errno(final_path_, "cannot close", errno);
  }
  fd_ = -1;
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw_errno(final_path_, "cannot rename into place", errno);
  }
  committed_ = true;
  sync_directory_of(final_path_);
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  OutputFile f(path);
  f.write(contents);
  f.commit();
}

}  // namespace ckpt
