#include "formats/zip_reader.h"

#include <algorithm>

#include "formats/le_bytes.h"
#include "formats/quote.h"
#include "io/error.h"

namespace ckpt {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EocdSize = 56;
constexpr uint64_t kCentralSize = 46;
constexpr uint64_t kLocalSize = 30;
constexpr uint64_t kMaxComment = 0xffff;

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t end = 0;  // where the central directory must end (the first end record)
};

[[noreturn]] void bad_zip(const MappedFile& f, const std::string& what) {
  throw_bad_input(f.path(), "not a valid zip archive: " + what);
}

std::string range(uint64_t offset, uint64_t length) {
  return "(offset " + std::to_string(offset) + ", " + std::to_string(length) + " bytes)";
}

// The end of central directory record sits at the very end, before a comment of up to 64 KiB:
// scan backwards for its signature with a comment length that fits.
uint64_t find_eocd(const MappedFile& f) {
  const uint64_t size = f.size();
  if (size >= kEocdSize) {
    const uint64_t lowest = size - kEocdSize > kMaxComment ? size - kEocdSize - kMaxComment : 0;
    for (uint64_t pos = size - kEocdSize + 1; pos-- > lowest;) {
      const uint8_t* p = f.data() + pos;
      if (load_le32(p) == kEocdSig && load_le16(p + 20) <= size - pos - kEocdSize) return pos;
    }
  }
  bad_zip(f, "end of central directory not found (truncated file?)");
}

Directory read_directory(const MappedFile& f) {
  const uint64_t eocd = find_eocd(f);
  const uint8_t* p = f.data() + eocd;
  if (load_le16(p + 4) != 0 || load_le16(p + 6) != 0) {
    bad_zip(f, "multi-disk archives are not supported");
  }
  Directory d;
  d.entries = load_le16(p + 10);
  d.size = load_le32(p + 12);
  d.offset = load_le32(p + 16);
  d.end = eocd;
  const bool has_locator = eocd >= kZip64LocatorSize &&
                           load_le32(f.data() + eocd - kZip64LocatorSize) == kZip64LocatorSig;
  if (has_locator) {
    const uint8_t* loc = f.data() + eocd - kZip64LocatorSize;
    const uint64_t rec = load_le64(loc + 8);
    if (!f.contains(rec, kZip64EocdSize) || rec + kZip64EocdSize > eocd - kZip64LocatorSize) {
      bad_zip(f, "ZIP64 end of central directory record " + range(rec, kZip64EocdSize) +
                     " lies outside the file");
    }
    const uint8_t* z = f.data() + rec;
    if (load_le32(z) != kZip64EocdSig) {
      bad_zip(f, "no ZIP64 end of central directory record at offset " + std::to_string(rec));
    }
    if (load_le32(z + 16) != 0 || load_le32(z + 20) != 0) {
      bad_zip(f, "multi-disk archives are not supported");
    }
    d.entries = load_le64(z + 32);
    d.size = load_le64(z + 40);
    d.offset = load_le64(z + 48);
    d.end = rec;
  } else if (d.entries == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff) {
    bad_zip(f, "ZIP64 end of central directory locator missing");
  }
  if (d.offset > d.end || d.size > d.end - d.offset) {
    bad_zip(f, "central directory " + range(d.offset, d.size) + " lies outside the file (" +
                   std::to_string(f.size()) + " bytes)");
  }
  if (d.entries > d.size / kCentralSize) {
    bad_zip(f, "central directory claims " + std::to_string(d.entries) + " entries but " +
                   std::to_string(d.size) + " bytes hold at most " +
                   std::to_string(d.size / kCentralSize));
  }
  return d;
}

struct Sizes {
  uint64_t compressed;
  uint64_t size;
  uint64_t local_offset;
};

// Fields saturated at 0xffffffff are in the ZIP64 extra field (id 1), in this order:
// size, compressed size, local header offset.
void apply_zip64_extra(const MappedFile& f, const std::string& name, const uint8_t* extra,
                       uint64_t len, Sizes* s) {
  uint64_t* fields[] = {&s->size, &s->compressed, &s->local_offset};
  bool needed = false;
  for (uint64_t* v : fields) needed = needed || *v == 0xffffffff;
  if (!needed) return;
  for (uint64_t at = 0; at + 4 <= len;) {
    const uint16_t id = load_le16(extra + at);
    const uint16_t n = load_le16(extra + at + 2);
    if (n > len - at - 4) break;
    if (id == 1) {
      const uint8_t* q = extra + at + 4;
      uint64_t used = 0;
      for (uint64_t* v : fields) {
        if (*v != 0xffffffff) continue;
        if (used + 8 > n) {
          throw_bad_input(f.path(), "zip entry " + quoted(name) + ": ZIP64 extra field too short");
        }
        *v = load_le64(q + used);
        used += 8;
      }
      return;
    }
    at += 4 + n;
  }
  throw_bad_input(f.path(), "zip entry " + quoted(name) + ": ZIP64 extra field missing");
}

ZipEntry read_local(const MappedFile& f, const std::string& name, const Sizes& s) {
  const std::string where = "zip entry " + quoted(name);
  if (!f.contains(s.local_offset, kLocalSize)) {
    throw_bad_input(f.path(), where + ": local header at offset " + std::to_string(s.local_offset) +
                                  " lies beyond the end of the file (" + std::to_string(f.size()) +
                                  " bytes)");
  }
  const uint8_t* p = f.data() + s.local_offset;
  if (load_le32(p) != kLocalSig) {
    throw_bad_input(f.path(),
                    where + ": no local header at offset " + std::to_string(s.local_offset));
  }
  const uint64_t name_len = load_le16(p + 26);
  const uint64_t extra_len = load_le16(p + 28);
  const uint64_t name_at = s.local_offset + kLocalSize;
  if (!f.contains(name_at, name_len + extra_len)) {
    throw_bad_input(f.path(), where + ": local header at offset " + std::to_string(s.local_offset) +
                                  " runs past the end of the file");
  }
  const std::string_view local_name(reinterpret_cast<const char*>(f.data() + name_at), name_len);
  if (local_name != name) {
    throw_bad_input(f.path(), where + ": local header names it " + quoted(local_name));
  }
  ZipEntry e{name, name_at + name_len + extra_len, s.size};
  if (!f.contains(e.data_offset, e.size)) {
    throw_bad_input(f.path(), where + ": data " + range(e.data_offset, e.size) +
                                  " lies beyond the end of the file (" + std::to_string(f.size()) +
                                  " bytes)");
  }
  return e;
}

}  // namespace

bool looks_like_zip(const MappedFile& file) {
  return file.size() >= 4 && load_le32(file.data()) == kLocalSig;
}

ZipArchive ZipArchive::open(MappedFilePtr file) {
  const MappedFile& f = *file;
  const Directory d = read_directory(f);
  ZipArchive zip(std::move(file));
  zip.entries_.reserve(d.entries);
  uint64_t at = d.offset;
  const uint64_t end = d.offset + d.size;
  for (uint64_t i = 0; i < d.entries; ++i) {
    if (end - at < kCentralSize || load_le32(f.data() + at) != kCentralSig) {
      bad_zip(f, "central directory entry " + std::to_string(i) + " at offset " +
                     std::to_string(at) + " is malformed");
    }
    const uint8_t* p = f.data() + at;
    const uint16_t flags = load_le16(p + 8);
    const uint16_t method = load_le16(p + 10);
    Sizes s{load_le32(p + 20), load_le32(p + 24), load_le32(p + 42)};
    const uint64_t name_len = load_le16(p + 28);
    const uint64_t extra_len = load_le16(p + 30);
    const uint64_t comment_len = load_le16(p + 32);
    const uint64_t total = kCentralSize + name_len + extra_len + comment_len;
    if (total > end - at) {
      bad_zip(f, "central directory entry " + std::to_string(i) + " at offset " +
                     std::to_string(at) + " runs past the end of the directory");
    }
    std::string name(reinterpret_cast<const char*>(p + kCentralSize), name_len);
    if (load_le16(p + 34) != 0 && load_le16(p + 34) != 0xffff) {
      bad_zip(f, "multi-disk archives are not supported");
    }
    if (flags & 1) throw_bad_input(f.path(), "zip entry " + quoted(name) + " is encrypted");
    if (method != 0) {
      throw_bad_input(f.path(), "zip entry " + quoted(name) + " is compressed (method " +
                                    std::to_string(method) +
                                    "); only stored (uncompressed) entries are supported");
    }
    apply_zip64_extra(f, name, p + kCentralSize + name_len, extra_len, &s);
    if (s.compressed != s.size) {
      throw_bad_input(f.path(), "zip entry " + quoted(name) +
                                    " is stored but its compressed size " +
                                    std::to_string(s.compressed) + " differs from its size " +
                                    std::to_string(s.size));
    }
    ZipEntry e = read_local(f, name, s);
    if (!zip.by_name_.emplace(e.name, zip.entries_.size()).second) {
      bad_zip(f, "two entries named " + quoted(e.name));
    }
    zip.entries_.push_back(std::move(e));
    at += total;
  }
  return zip;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

std::span<const uint8_t> ZipArchive::data(const ZipEntry& entry) const {
  return file_->bytes(entry.data_offset, entry.size, "zip entry data");
}

}  // namespace ckpt
