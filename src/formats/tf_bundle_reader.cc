// TF tensor bundle reader. open() reads and validates the whole index (small); data shards
// are mapped on first use, so an index-only bundle can still be listed.
#include "formats/tf_bundle_reader.h"

#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "formats/quote.h"
#include "formats/tf_bundle_decode.h"
#include "formats/tf_checkpoint_state.h"
#include "formats/tf_leveldb_files.h"
#include "formats/tf_string_tensor.h"
#include "formats/tf_table_bounds.h"
#include "io/crc32c.h"
#include "io/error.h"

namespace ckpt {
namespace {

constexpr uint64_t kFooterSize = 48;
constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr uint64_t kCrcPiece = uint64_t{64} << 20;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

class TfBundleReaderImpl final : public TfBundleReader {
 public:
  explicit TfBundleReaderImpl(std::string prefix) : prefix_(std::move(prefix)) { load_index(); }

  const std::vector<TfBundleEntry>& entries() const override { return entries_; }

  const TfBundleEntry* find(const std::string& name) const override {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &entries_[it->second];
  }

  TensorView view(const TfBundleEntry& entry) const override {
    // The entry's bytes as the index gives them (checked against the shape when the index was
    // read; a string tensor's size is its own).
    const ByteRegion extent{entry.offset, entry.size, "tensor " + ckpt::quoted(entry.name)};
    return TensorView::make(entry.name, entry.dtype, entry.shape, std::nullopt,
                            shard(entry.shard_id), entry.offset, extent);
  }

  void verify_crc(const TfBundleEntry& entry) const override {
    const MappedFilePtr& file = shard(entry.shard_id);
    const std::string what = "tensor " + ckpt::quoted(entry.name);
    const std::span<const uint8_t> bytes = file->bytes(entry.offset, entry.size, what.c_str());
    uint32_t crc;
    if (entry.dtype == DType::kString) {
      crc =
          decode_tf_string_tensor(bytes, shape_numel(entry.shape), file->path(), entry.name).crc32c;
    } else {
      // In pieces, handing each back to the kernel: checking a 6 GB bundle must not make
      // 6 GB resident.
      crc = 0;
      for (uint64_t done = 0; done < bytes.size(); done += kCrcPiece) {
        const uint64_t n = std::min<uint64_t>(kCrcPiece, bytes.size() - done);
        crc = crc32c_extend(crc, bytes.data() + done, n);
        file->release(entry.offset + done, n);
      }
    }
    check_tf_crc(entry, file->path(), crc);
  }

  std::string index_path() const override { return prefix_ + ".index"; }

  std::string data_path(int32_t shard) const override {
    char suffix[48];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, num_shards_);
    return prefix_ + suffix;
  }

  int32_t num_shards() const { return num_shards_; }

  // Maps the shard on first use; throws Error(kIo) "<data file>: cannot open: ..." if absent.
  const MappedFilePtr& shard(int32_t id) const {
    if (id < 0 || id >= num_shards_) {
      fail("shard " + std::to_string(id) + " requested of a bundle with " +
           std::to_string(num_shards_) + " shard(s)");
    }
    std::lock_guard<std::mutex> lock(shards_mutex_);
    MappedFilePtr& slot = shards_.at(static_cast<size_t>(id));
    if (!slot) slot = MappedFile::open(data_path(id));
    return slot;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw_bad_input(index_path(), what); }

  void load_index() {
    const MappedFilePtr index = MappedFile::open(index_path());
    if (index->size() < kFooterSize) {
      fail("truncated: " + std::to_string(index->size()) +
           " bytes is too short for a table footer (48 bytes)");
    }
    uint64_t magic = 0;
    for (int i = 7; i >= 0; --i) magic = (magic << 8) | index->data()[index->size() - 8 + i];
    if (magic != kTableMagic) {
      fail("bad table magic at offset " + std::to_string(index->size() - 8) +
           " (not a TensorFlow bundle index)");
    }
    check_table_block_bounds({index->data(), index->size()}, index_path());
    LevelDbMappedFile file(index);
    leveldb::Options options;
    options.paranoid_checks = true;
    leveldb::Table* raw_table = nullptr;
    leveldb::Status status = leveldb::Table::Open(options, &file, index->size(), &raw_table);
    if (!status.ok()) fail("cannot open the index table: " + status.ToString());
    std::unique_ptr<leveldb::Table> table(raw_table);

    leveldb::ReadOptions read_options;
    read_options.verify_checksums = true;
    read_options.fill_cache = false;
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read_options));
    it->SeekToFirst();
    if (!it->Valid()) {
      if (!it->status().ok()) fail("corrupt index table: " + it->status().ToString());
      fail("the index table is empty (no bundle header)");
    }
    if (!it->key().empty()) {
      fail("missing bundle header (first key is " + ckpt::quoted(it->key().ToString()) + ")");
    }
    parse_header(it->value());
    for (it->Next(); it->Valid(); it->Next()) add_entry(it->key().ToString(), it->value());
    if (!it->status().ok()) fail("corrupt index table: " + it->status().ToString());
    shards_.resize(static_cast<size_t>(num_shards_));
  }

  void parse_header(const leveldb::Slice& value) {
    num_shards_ =
        decode_tf_bundle_header(std::string_view(value.data(), value.size()), index_path());
  }

  void add_entry(std::string name, const leveldb::Slice& value) {
    TfBundleEntry e = decode_tf_bundle_entry(
        std::move(name), std::string_view(value.data(), value.size()), num_shards_, index_path());
    by_name_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
  }

  std::string prefix_;
  int32_t num_shards_ = 1;
  std::vector<TfBundleEntry> entries_;
  std::map<std::string, size_t> by_name_;
  mutable std::mutex shards_mutex_;
  mutable std::vector<MappedFilePtr> shards_;
};

bool is_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// model_checkpoint_path from a `checkpoint` text file, or empty.
std::string checkpoint_file_prefix(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_tf_checkpoint_state(text.str());
}

}  // namespace

std::unique_ptr<TfBundleReader> TfBundleReader::open(const std::string& prefix) {
  return std::make_unique<TfBundleReaderImpl>(prefix);
}

void check_tf_crc(const TfBundleEntry& entry, const std::string& data_file, uint32_t computed) {
  const uint32_t stored = crc32c_unmask(entry.masked_crc32c);
  if (computed != stored) {
    throw_bad_input(data_file, "crc32c mismatch for tensor " + ckpt::quoted(entry.name) +
                                   " (stored " + hex32(stored) + ", computed " + hex32(computed) +
                                   ")");
  }
}

std::string resolve_tf_prefix(const std::string& path) {
  namespace fs = std::filesystem;
  if (ends_with(path, ".index") && is_file(path)) return path.substr(0, path.size() - 6);
  const size_t data = path.rfind(".data-");
  if (data != std::string::npos && is_file(path) && is_file(path.substr(0, data) + ".index")) {
    return path.substr(0, data);
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (is_file(dir / "checkpoint")) {
      const std::string named = checkpoint_file_prefix(dir / "checkpoint");
      if (!named.empty()) {
        const fs::path p = fs::path(named).is_absolute() ? fs::path(named) : dir / named;
        if (is_file(p.string() + ".index")) return p.string();
      }
    }
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (ends_with(name, ".index") && e.is_regular_file(ec)) {
        found.push_back((dir / name.substr(0, name.size() - 6)).string());
      }
    }
    return found.size() == 1 ? found[0] : std::string();
  }
  if (is_file(path + ".index")) return path;
  return {};
}

Checkpoint read_tf_bundle(const std::string& prefix) {
  auto reader = std::make_unique<TfBundleReaderImpl>(prefix);
  Checkpoint ckpt;
  ckpt.format = "tf-bundle";
  ckpt.files.push_back(reader->index_path());
  for (int32_t s = 0; s < reader->num_shards(); ++s) {
    reader->shard(s);
    ckpt.files.push_back(reader->data_path(s));
  }
  for (const TfBundleEntry& e : reader->entries()) ckpt.tensors.push_back(reader->view(e));
  return ckpt;
}

}  // namespace ckpt
