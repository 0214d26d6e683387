// Adapters that let libleveldb's Table/TableBuilder read our mapped files and write our atomic
// output files, so the index goes through the same error handling and temp-then-rename path
// as every other output.
#pragma once

#include <leveldb/env.h>

#include <optional>

#include "io/error.h"
#include "io/mapped_file.h"
#include "io/output_file.h"

namespace ckpt {

// Reads straight out of the mapping (no copy). Reads past the end return the bytes that
// exist, so leveldb reports a truncated block instead of reading out of bounds.
class LevelDbMappedFile : public leveldb::RandomAccessFile {
 public:
  explicit LevelDbMappedFile(MappedFilePtr file) : file_(std::move(file)) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override;

 private:
  MappedFilePtr file_;
};

// Appends to an OutputFile. leveldb cannot carry our Error through its Status, so the first
// failure is kept and rethrow_if_failed() raises it unchanged (e.g. the disk-full message).
class LevelDbOutputFile : public leveldb::WritableFile {
 public:
  explicit LevelDbOutputFile(OutputFile& out) : out_(out) {}
  leveldb::Status Append(const leveldb::Slice& data) override;
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }  // OutputFile::commit syncs
  void rethrow_if_failed() const {
    if (error_) throw *error_;
  }

 private:
  OutputFile& out_;
  std::optional<Error> error_;
};

}  // namespace ckpt
