// TF tensor bundle writer. Tensor bytes go to the data file through a DirectAppender (direct
// I/O; large aligned appends from where they lie, the rest through its block), the crc32c is
// extended just before bytes are written or, piece by piece, copied, and only the small index
// entries are kept until finish() builds the sorted index table.
//
// DT_STRING tensors are accepted in TF's on-disk string encoding (see tf_string_tensor.h):
// their bytes are kept whole (they are small: object graphs, vocab lists), validated, and
// given the crc TF computes for strings, so a TF2 bundle can be rewritten byte for byte.
#include "formats/tf_bundle_writer.h"

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "formats/tf_bundle_index.h"
#include "formats/tf_dtype.h"
#include "formats/tf_string_tensor.h"
#include "io/crc32c.h"
#include "io/direct_appender.h"
#include "io/error.h"
#include "io/output_file.h"

namespace ckpt {
namespace {

constexpr size_t kCrcPiece = size_t{256} << 10;  // checksummed, then copied, while in cache

class TfBundleWriter final : public TensorWriter {
 public:
  TfBundleWriter(const std::string& prefix, const std::vector<TensorSpec>& arriving)
      : index_path_(prefix + ".index"), data_(prefix + ".data-00000-of-00001"), appender_(data_) {
    uint64_t at = 0;  // tensors go into the data file back to back
    for (const TensorSpec& s : arriving) {
      if (s.dtype == DType::kString || shape_numel(s.shape) < 0) break;
      planned_.push_back(at);
      at += s.byte_size();
    }
  }

  std::optional<uint64_t> planned_data_offset(size_t index) const override {
    if (index >= planned_.size()) return std::nullopt;
    return planned_[index];
  }

  void begin_tensor(const TensorSpec& spec) override {
    if (finished_) fail_index("tensor '" + spec.name + "' begun after finish()");
    if (open_) {
      fail_index("tensor '" + spec.name + "' begun while tensor '" + cur_.name + "' is still open");
    }
    if (spec.name.empty()) {
      fail_index("a tensor name must not be empty (the empty key holds the bundle header)");
    }
    if (names_.count(spec.name) != 0) fail_index("duplicate tensor name '" + spec.name + "'");
    if (shape_numel(spec.shape) < 0) {
      fail_index("tensor '" + spec.name + "' has an invalid shape " + shape_to_string(spec.shape));
    }
    cur_ = spec;
    open_ = true;
    received_ = 0;
    crc_ = 0;
    begin_offset_ = data_offset_;
    string_bytes_.clear();
  }

  void append(std::span<const uint8_t> bytes) override {
    require_open("append()");
    if (cur_.dtype == DType::kString) {
      string_bytes_.insert(string_bytes_.end(), bytes.begin(), bytes.end());
      return;
    }
    const uint64_t expected = cur_.byte_size();
    if (bytes.size() > expected - received_) {
      fail_data("tensor '" + cur_.name + "' received more bytes (" +
                std::to_string(received_ + bytes.size()) + ") than its shape " +
                shape_to_string(cur_.shape) + " of " + std::string(dtype_name(cur_.dtype)) +
                " holds (" + std::to_string(expected) + ")");
    }
    // What the appender writes in place is checksummed first, then written without a copy;
    // the rest is copied into its block a piece at a time, each checksummed while in cache.
    const std::span<const uint8_t> in_place = appender_.in_place_part(bytes);
    const size_t lead =
        in_place.empty() ? bytes.size() : static_cast<size_t>(in_place.data() - bytes.data());
    put_checksummed(bytes.first(lead));
    crc_ = crc32c_extend(crc_, in_place.data(), in_place.size());
    put(in_place);
    put_checksummed(bytes.subspan(lead + in_place.size()));
    received_ += bytes.size();
  }

  void end_tensor() override {
    require_open("end_tensor()");
    if (cur_.dtype == DType::kString) {
      const TfStringTensor s = decode_tf_string_tensor(string_bytes_, shape_numel(cur_.shape),
                                                       data_.final_path(), cur_.name);
      if (s.encoded_size != string_bytes_.size()) {
        fail_data("string tensor '" + cur_.name +
                  "': " + std::to_string(string_bytes_.size() - s.encoded_size) +
                  " bytes after the last element");
      }
      crc_ = s.crc32c;
      received_ = string_bytes_.size();
      put(string_bytes_);
    } else if (received_ != cur_.byte_size()) {
      fail_data("tensor '" + cur_.name + "' received only " + std::to_string(received_) +
                " bytes but its shape " + shape_to_string(cur_.shape) + " of " +
                std::string(dtype_name(cur_.dtype)) + " holds " + std::to_string(cur_.byte_size()));
    }
    TfBundleEntry entry;
    entry.name = cur_.name;
    entry.dtype = cur_.dtype;
    entry.tf_dtype = tf_dtype_of(cur_.dtype);
    entry.shape = cur_.shape;
    entry.offset = begin_offset_;
    entry.size = received_;
    entry.masked_crc32c = crc32c_mask(crc_);
    names_.insert(entry.name);
    entries_.push_back(std::move(entry));
    data_offset_ += received_;
    open_ = false;
  }

  void finish() override {
    if (open_) fail_index("finish() while tensor '" + cur_.name + "' is still open");
    if (finished_) fail_index("finish() called twice");
    flush();
    index_ = std::make_unique<OutputFile>(index_path_);
    write_tf_bundle_index(*index_, std::move(entries_));
    finished_ = true;
  }

  void commit() override {
    if (!finished_) fail_index("commit() before finish()");
    data_.commit();  // the index last: it is what makes the bundle visible to TF
    index_->commit();
  }

 private:
  [[noreturn]] void fail_index(const std::string& what) const {
    throw_bad_input(index_path_, what);
  }
  [[noreturn]] void fail_data(const std::string& what) const {
    throw_bad_input(data_.final_path(), what);
  }
  void require_open(const char* call) const {
    if (!open_) fail_index(std::string(call) + " without begin_tensor()");
  }

  // Data bytes go out through direct I/O in large aligned blocks (see DirectAppender).
  void put(std::span<const uint8_t> bytes) { appender_.append(bytes); }
  void put_checksummed(std::span<const uint8_t> bytes) {
    for (size_t at = 0; at < bytes.size(); at += kCrcPiece) {
      const auto piece = bytes.subspan(at, std::min(kCrcPiece, bytes.size() - at));
      crc_ = crc32c_extend(crc_, piece.data(), piece.size());
      put(piece);
    }
  }
  void flush() { appender_.flush(); }

  std::string index_path_;
  OutputFile data_;
  std::unique_ptr<OutputFile> index_;
  DirectAppender appender_;             // after data_: it writes to it
  std::vector<uint64_t> planned_;       // data offsets of the tensors said to be arriving
  std::vector<TfBundleEntry> entries_;  // in data order; sorted when the index is built
  std::set<std::string> names_;

  TensorSpec cur_;
  bool open_ = false;
  bool finished_ = false;
  uint64_t received_ = 0;
  uint32_t crc_ = 0;
  uint64_t begin_offset_ = 0;
  uint64_t data_offset_ = 0;
  std::vector<uint8_t> string_bytes_;
};

// Text-format string literal as protobuf's text printer writes it.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      const char oct[] = {'\\', static_cast<char>('0' + (c >> 6)),
                          static_cast<char>('0' + ((c >> 3) & 7)),
                          static_cast<char>('0' + (c & 7))};
      out.append(oct, 4);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::unique_ptr<TensorWriter> make_tf_bundle_writer(const std::string& prefix,
                                                    const std::vector<TensorSpec>& arriving) {
  return std::make_unique<TfBundleWriter>(prefix, arriving);
}

std::string tf_checkpoint_state_text(const std::string& prefix_name) {
  return "model_checkpoint_path: " + quote(prefix_name) + "\n" +
         "all_model_checkpoint_paths: " + quote(prefix_name) + "\n";
}

}  // namespace ckpt
