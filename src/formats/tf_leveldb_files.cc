#include "formats/tf_leveldb_files.h"

namespace ckpt {

leveldb::Status LevelDbMappedFile::Read(uint64_t offset, size_t n, leveldb::Slice* result,
                                        char*) const {
  if (offset > file_->size()) {
    *result = leveldb::Slice();
    return leveldb::Status::Corruption("read at offset " + std::to_string(offset) +
                                       " beyond the end of the file");
  }
  const uint64_t available = file_->size() - offset;
  const size_t len = n < available ? n : static_cast<size_t>(available);
  *result = leveldb::Slice(reinterpret_cast<const char*>(file_->data()) + offset, len);
  return leveldb::Status::OK();
}

leveldb::Status LevelDbOutputFile::Append(const leveldb::Slice& data) {
  if (error_) return leveldb::Status::IOError(error_->what());
  try {
    out_.write({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  } catch (const Error& e) {
    error_ = e;
    return leveldb::Status::IOError(e.what());
  }
  return leveldb::Status::OK();
}

}  // namespace ckpt
