// A read-only view of a ZIP archive held in a MappedFile, as torch.save writes it: entries are
// found through the central directory (ZIP64 aware) and must be stored uncompressed, so each
// entry is simply a byte range of the mapped file. Everything is checked against the file size
// before use; a malformed archive throws Error(kBadInput) naming the file and the problem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/mapped_file.h"

namespace ckpt {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;  // byte offset of the entry's data in the file
  uint64_t size = 0;         // bytes (stored: compressed == uncompressed)
};

class ZipArchive {
 public:
  // Parses and validates the whole central directory and every local header.
  static ZipArchive open(MappedFilePtr file);

  // Entries in central-directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;
  std::span<const uint8_t> data(const ZipEntry& entry) const;
  const MappedFilePtr& file() const { return file_; }
  const std::string& path() const { return file_->path(); }

 private:
  explicit ZipArchive(MappedFilePtr file) : file_(std::move(file)) {}

  MappedFilePtr file_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
};

// True when the file starts with a local file header signature ("PK\3\4").
bool looks_like_zip(const MappedFile& file);

}  // namespace ckpt
