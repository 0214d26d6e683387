#include "formats/zip_writer.h"

#include <limits>
#include <set>

#include "io/crc32.h"
#include "io/error.h"

namespace ckpt {
namespace {

// Byte layout facts (PKWARE APPNOTE 6.3):
//   local header       PK\3\4, need(2) flags(2) method(2) time(2) date(2) crc(4) csize(4)
//                      usize(4) name_len(2) extra_len(2), name, extra       (30 + n + e)
//   central header     PK\1\2, made_by(2) need(2) flags(2) method(2) time(2) date(2) crc(4)
//                      csize(4) usize(4) name_len(2) extra_len(2) comment_len(2) disk(2)
//                      internal_attr(2) external_attr(4) local_offset(4), name, extra (46 + ...)
//   ZIP64 extra        id 0x0001, len, then only the fields whose 32-bit slot holds 0xFFFFFFFF:
//                      usize(8) csize(8) local_offset(8)
//   ZIP64 end record   PK\6\6, size_of_rest(8)=44, made_by(2) need(2) disk(4) cd_disk(4)
//                      entries_on_disk(8) entries(8) cd_size(8) cd_offset(8)
//   ZIP64 locator      PK\6\7, disk(4) end_record_offset(8) total_disks(4)
//   end record         PK\5\6, disk(2) cd_disk(2) entries_on_disk(2) entries(2) cd_size(4)
//                      cd_offset(4) comment_len(2)
// Time and date are 0, as PyTorch writes them, so output depends only on the content.
constexpr uint32_t kMax32 = 0xFFFFFFFF;
constexpr uint16_t kFlagUtf8 = 0x0800;       // general purpose bit 11: names are UTF-8
constexpr uint16_t kMadeBy = (3 << 8) | 45;  // Unix, spec 4.5
constexpr uint16_t kNeedPlain = 20;          // 2.0
constexpr uint16_t kNeedZip64 = 45;          // 4.5
constexpr uint16_t kPaddingId = 0x4246;      // "FB": PyTorch's padding extra field

class Bytes {
 public:
  Bytes& u16(uint64_t v) { return le(v, 2); }
  Bytes& u32(uint64_t v) { return le(v, 4); }
  Bytes& u64(uint64_t v) { return le(v, 8); }
  Bytes& raw(const std::string& s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& fill(size_t n, uint8_t c) {
    b_.insert(b_.end(), n, c);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return b_; }
  size_t size() const { return b_.size(); }

 private:
  Bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<uint8_t> b_;
};

uint32_t clamp32(uint64_t v) { return v >= kMax32 ? kMax32 : static_cast<uint32_t>(v); }

}  // namespace

uint64_t ZipWriter::data_start(uint64_t header_offset, size_t name_size, uint64_t size) {
  const size_t zip64_extra = size >= kMax32 ? 4 + 16 : 0;
  // Padded so the data starts on a 64-byte boundary; the padding field needs 4 bytes of its own.
  const uint64_t before_pad = header_offset + 30 + name_size + zip64_extra + 4;
  return before_pad + (kAlignment - before_pad % kAlignment) % kAlignment;
}

void ZipWriter::begin_entry(const std::string& name, uint64_t size) {
  if (open_ || finished_)
    throw_bad_input(out_.final_path(), "zip entry '" + name + "' begun out of turn");
  if (name.empty() || name.size() > 0xFFFF) {
    throw_bad_input(out_.final_path(),
                    "zip entry name of " + std::to_string(name.size()) + " bytes is not allowed");
  }
  for (const Entry& e : entries_) {
    if (e.name == name)
      throw_bad_input(out_.final_path(), "zip entry '" + name + "' written twice");
  }
  const uint64_t offset = appender_.size();
  const bool zip64 = size >= kMax32;
  Bytes h;
  h.u32(0x04034b50).u16(zip64 ? kNeedZip64 : kNeedPlain).u16(kFlagUtf8).u16(0).u16(0).u16(0);
  h.u32(0).u32(zip64 ? kMax32 : size).u32(zip64 ? kMax32 : size);
  const size_t zip64_extra = zip64 ? 4 + 16 : 0;
  const uint64_t before_pad = offset + 30 + name.size() + zip64_extra + 4;
  const auto pad = static_cast<size_t>(data_start(offset, name.size(), size) - before_pad);
  h.u16(name.size()).u16(zip64_extra + 4 + pad).raw(name);
  if (zip64) h.u16(0x0001).u16(16).u64(size).u64(size);
  h.u16(kPaddingId).u16(pad).fill(pad, 'Z');
  appender_.append(h.bytes());
  entries_.push_back({name, offset, size, 0});
  open_ = true;
  written_ = 0;
  crc_ = 0;
}

void ZipWriter::append(std::span<const uint8_t> bytes) {
  if (!open_) throw_bad_input(out_.final_path(), "zip data outside an entry");
  const Entry& e = entries_.back();
  if (bytes.size() > e.size - written_) {
    throw_bad_input(out_.final_path(), "zip entry '" + e.name + "' got more than its " +
                                           std::to_string(e.size) + " bytes");
  }
  crc_ = crc32_extend(crc_, bytes.data(), bytes.size());
  appender_.append(bytes);
  written_ += bytes.size();
}

void ZipWriter::end_entry() {
  if (!open_) throw_bad_input(out_.final_path(), "zip entry ended twice");
  Entry& e = entries_.back();
  if (written_ != e.size) {
    throw_bad_input(out_.final_path(), "zip entry '" + e.name + "' got " +
                                           std::to_string(written_) + " of its " +
                                           std::to_string(e.size) + " bytes");
  }
  e.crc = crc_;
  Bytes crc;
  crc.u32(e.crc);
  appender_.patch(e.header_offset + 14, crc.bytes());  // the local header's crc slot
  open_ = false;
}

void ZipWriter::add_entry(const std::string& name, std::span<const uint8_t> bytes) {
  begin_entry(name, bytes.size());
  append(bytes);
  end_entry();
}

void ZipWriter::finish() {
  if (open_ || finished_) throw_bad_input(out_.final_path(), "zip archive finished out of turn");
  const uint64_t cd_offset = appender_.size();
  Bytes cd;
  for (const Entry& e : entries_) {
    Bytes extra;
    if (e.size >= kMax32) extra.u64(e.size).u64(e.size);
    if (e.header_offset >= kMax32) extra.u64(e.header_offset);
    const bool zip64 = extra.size() > 0;
    cd.u32(0x02014b50).u16(kMadeBy).u16(zip64 ? kNeedZip64 : kNeedPlain).u16(kFlagUtf8);
    cd.u16(0).u16(0).u16(0).u32(e.crc).u32(clamp32(e.size)).u32(clamp32(e.size));
    cd.u16(e.name.size()).u16(zip64 ? 4 + extra.size() : 0).u16(0).u16(0).u16(0).u32(0);
    cd.u32(clamp32(e.header_offset)).raw(e.name);
    if (zip64) {
      cd.u16(0x0001).u16(extra.size());
      for (uint8_t b : extra.bytes()) cd.fill(1, b);
    }
  }
  appender_.append(cd.bytes());
  const uint64_t cd_size = cd.size();
  const uint64_t end64_offset = appender_.size();
  const uint64_t n = entries_.size();
  Bytes end;
  end.u32(0x06064b50).u64(44).u16(kMadeBy).u16(kNeedZip64).u32(0).u32(0);
  end.u64(n).u64(n).u64(cd_size).u64(cd_offset);
  end.u32(0x07064b50).u32(0).u64(end64_offset).u32(1);
  const uint64_t n16 = n >= 0xFFFF ? 0xFFFF : n;
  end.u32(0x06054b50).u16(0).u16(0).u16(n16).u16(n16);
  end.u32(clamp32(cd_size)).u32(clamp32(cd_offset)).u16(0);
  appender_.append(end.bytes());
  appender_.flush();
  finished_ = true;
}

}  // namespace ckpt
