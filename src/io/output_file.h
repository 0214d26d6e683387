// A file written under a temporary name and renamed into place only by commit(). If the
// object is destroyed before commit() (an error, an exception, Ctrl-C unwinding) the
// temporary file is removed, so a half-written output is never left where a user would
// take it for a finished one.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ckpt {

class OutputFile {
 public:
  // Creates "<dir>/.<name>.ckptconv-tmp-<pid>" beside `final_path`. Throws Error(kIo).
  explicit OutputFile(std::string final_path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Writes everything or throws Error(kIo) "<final_path>: cannot write: No space left on
  // device" (short writes are retried; EINTR is retried).
  void write(std::span<const uint8_t> bytes);
  void write(const std::string& text);
  // Writes at an absolute position (for headers patched after the data is known).
  void write_at(uint64_t offset, std::span<const uint8_t> bytes);

  // Direct I/O (O_DIRECT) needs offsets, lengths and memory aligned to this.
  static constexpr size_t kDirectAlign = 4096;
  // Writes at `offset` bypassing the page cache: no kernel copy, no dirty pages to write back
  // later, the data on the device when it returns. Returns false, having written nothing,
  // when the file system refuses direct I/O; the caller then uses write_at. Throws Error(kIo)
  // on any other failure. REQUIRES: offset, bytes.size() and bytes.data() multiples of
  // kDirectAlign.
  bool write_direct(uint64_t offset, std::span<const uint8_t> bytes);

  uint64_t size() const { return size_; }
  const std::string& final_path() const { return final_path_; }
  const std::string& temp_path() const { return temp_path_; }

  // Flushes to disk, closes, renames over `final_path` and syncs the directory, so the
  // rename is durable before the next commit's. Throws Error(kIo).
  void commit();
  // Removes the temporary file now (also done by the destructor).
  void discard() noexcept;

 private:
  std::string final_path_;
  std::string temp_path_;
  int fd_ = -1;
  int direct_fd_ = -1;
  bool direct_refused_ = false;
  uint64_t size_ = 0;
  bool committed_ = false;
};

// Writes a whole small file atomically.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace ckpt
