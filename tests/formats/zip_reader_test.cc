// ZipArchive on the torch-written fixture and on hand-built or corrupted archives.
#include "formats/zip_reader.h"

#include <gtest/gtest.h>

#include "io/error.h"
#include "torch_test_util.h"

namespace ckpt {
namespace {

using torch_test::make_zip;
using torch_test::put16;
using torch_test::put32;
using torch_test::put64;

std::string text(const ZipArchive& zip, const ZipEntry& e) {
  auto b = zip.data(e);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class ZipFile {
 public:
  explicit ZipFile(const std::string& bytes) { write_file(path(), bytes); }
  std::string path() const { return dir_ / "a.zip"; }
  ZipArchive open() const { return ZipArchive::open(MappedFile::open(path())); }
  std::string error() const {
    try {
      open();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kBadInput);
      return e.what();
    }
    return "no error";
  }

 private:
  TempDir dir_;
};

void patch32(std::string& s, size_t at, uint32_t v) {
  std::string b;
  put32(b, v);
  s.replace(at, 4, b);
}

TEST(ZipReader, TorchWrittenFixture) {
  const ZipArchive zip =
      ZipArchive::open(MappedFile::open(test_data("gptj-tiny/pytorch_model.bin")));
  ASSERT_EQ(zip.entries().size(), 31u);
  EXPECT_EQ(zip.entries()[0].name, "pytorch_model/data.pkl");
  EXPECT_EQ(zip.entries()[0].size, 4180u);
  EXPECT_EQ(zip.entries()[1].name, "pytorch_model/data/0");
  EXPECT_EQ(zip.entries()[2].name, "pytorch_model/data/1");
  EXPECT_EQ(zip.entries()[3].name, "pytorch_model/data/10");  // string order, as torch writes
  const ZipEntry* version = zip.find("pytorch_model/version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(text(zip, *version), "3\n");
  for (const ZipEntry& e : zip.entries()) EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  const ZipEntry* wte = zip.find("pytorch_model/data/0");
  ASSERT_NE(wte, nullptr);
  EXPECT_EQ(wte->size, 128u * 64 * 4);
  EXPECT_EQ(zip.find("pytorch_model/data/99"), nullptr);
  // The pickle really starts there: PROTO 2.
  EXPECT_EQ(text(zip, zip.entries()[0]).substr(0, 2), "\x80\x02");
}

TEST(ZipReader, HandBuiltArchiveWithComment) {
  std::string z = make_zip({{"a", "hello"}, {"dir/b", ""}});
  z[z.size() - 2] = 7;  // comment length
  z += "comment";
  ZipFile f(z);
  const ZipArchive zip = f.open();
  ASSERT_EQ(zip.entries().size(), 2u);
  EXPECT_EQ(text(zip, zip.entries()[0]), "hello");
  EXPECT_EQ(zip.entries()[0].data_offset, 31u);
  EXPECT_EQ(zip.entries()[1].size, 0u);
}

// One stored entry whose sizes and offset live in the ZIP64 extra field, found through a
// ZIP64 end record and locator, as torch writes large checkpoints.
std::string zip64_archive(const std::string& name, const std::string& data) {
  std::string out;
  put32(out, 0x04034b50);
  put16(out, 45);
  put16(out, 0);
  put16(out, 0);
  put32(out, 0);
  put32(out, 0);
  put32(out, 0);  // sizes unknown in the local header
  put32(out, 0);
  put16(out, static_cast<uint32_t>(name.size()));
  put16(out, 0);
  out += name + data;
  const uint64_t cd_at = out.size();
  std::string cd;
  put32(cd, 0x02014b50);
  put16(cd, 45);
  put16(cd, 45);
  put16(cd, 8);  // data descriptor flag, as torch sets it
  put16(cd, 0);
  put32(cd, 0);
  put32(cd, 0);
  put32(cd, 0xffffffff);
  put32(cd, 0xffffffff);
  put16(cd, static_cast<uint32_t>(name.size()));
  put16(cd, 4 + 24);
  put16(cd, 0);
  put16(cd, 0);
  put16(cd, 0);
  put32(cd, 0);
  put32(cd, 0xffffffff);
  cd += name;
  put16(cd, 1);
  put16(cd, 24);
  put64(cd, data.size());
  put64(cd, data.size());
  put64(cd, 0);
  out += cd;
  const uint64_t rec_at = out.size();
  put32(out, 0x06064b50);
  put64(out, 44);
  put16(out, 45);
  put16(out, 45);
  put32(out, 0);
  put32(out, 0);
  put64(out, 1);
  put64(out, 1);
  put64(out, cd.size());
  put64(out, cd_at);
  put32(out, 0x07064b50);
  put32(out, 0);
  put64(out, rec_at);
  put32(out, 1);
  put32(out, 0x06054b50);
  put32(out, 0);
  put16(out, 0xffff);
  put16(out, 0xffff);
  put32(out, 0xffffffff);
  put32(out, 0xffffffff);
  put16(out, 0);
  return out;
}

TEST(ZipReader, Zip64ExtraFieldsAndEndRecord) {
  ZipFile f(zip64_archive("archive/data/0", "0123456789"));
  const ZipArchive zip = f.open();
  ASSERT_EQ(zip.entries().size(), 1u);
  EXPECT_EQ(zip.entries()[0].name, "archive/data/0");
  EXPECT_EQ(zip.entries()[0].size, 10u);
  EXPECT_EQ(text(zip, zip.entries()[0]), "0123456789");
}

TEST(ZipReader, Zip64ExtraFieldMissing) {
  std::string z = zip64_archive("x", "0123456789");
  const size_t extra_id = z.find(std::string("x\x01\x00\x18\x00", 5)) + 1;
  z[extra_id] = 9;  // not the ZIP64 field any more
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() + ": zip entry 'x': ZIP64 extra field missing");
}

TEST(ZipReader, Zip64RecordOutsideTheFile) {
  std::string z = zip64_archive("x", "0123456789");
  const size_t locator = z.size() - 22 - 20;
  patch32(z, locator + 8, 0x7fffff00);
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": not a valid zip archive: ZIP64 end of central directory "
                           "record (offset 2147483392, 56 bytes) lies outside the file");
}

TEST(ZipReader, GarbageHasNoEndRecord) {
  ZipFile f(std::string(1000, 'x'));
  EXPECT_EQ(
      f.error(),
      f.path() + ": not a valid zip archive: end of central directory not found (truncated file?)");
  ZipFile empty("");
  EXPECT_EQ(empty.error(), empty.path() +
                               ": not a valid zip archive: end of central directory not found "
                               "(truncated file?)");
}

TEST(ZipReader, EndRecordWithImpossibleCommentLength) {
  std::string z = make_zip({{"a", "x"}});
  z[z.size() - 2] = 5;  // claims a comment the file does not have
  ZipFile f(z);
  EXPECT_EQ(
      f.error(),
      f.path() + ": not a valid zip archive: end of central directory not found (truncated file?)");
}

TEST(ZipReader, CentralDirectoryOutsideTheFile) {
  std::string z = make_zip({{"a", "x"}});
  patch32(z, z.size() - 6, 0x10000);  // central directory offset
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": not a valid zip archive: central directory (offset 65536, 47 "
                           "bytes) lies outside the file (101 bytes)");
}

TEST(ZipReader, TooManyEntriesClaimed) {
  std::string z = make_zip({{"a", "x"}});
  z[z.size() - 12] = 9;  // total entries
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": not a valid zip archive: central directory claims 9 entries "
                           "but 47 bytes hold at most 1");
}

TEST(ZipReader, CompressedEntryIsRefused) {
  ZipFile f(make_zip({{"archive/data/0", "x", 8}}));
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'archive/data/0' is compressed (method 8); only "
                           "stored (uncompressed) entries are supported");
}

TEST(ZipReader, LocalNameMismatch) {
  ZipFile f(make_zip({{"archive/data.pkl", "x", 0, "archive/data.pkX"}}));
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'archive/data.pkl': local header names it "
                           "'archive/data.pkX'");
}

TEST(ZipReader, EntryBeyondEndOfFile) {
  std::string z = make_zip({{"a", "xyz"}});
  const size_t cd = z.size() - 22 - 47;
  patch32(z, cd + 20, 1000);  // compressed size
  patch32(z, cd + 24, 1000);  // size
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'a': data (offset 31, 1000 bytes) lies beyond the "
                           "end of the file (103 bytes)");
}

TEST(ZipReader, LocalHeaderBeyondEndOfFile) {
  std::string z = make_zip({{"a", "xyz"}});
  patch32(z, z.size() - 22 - 47 + 42, 0xfffffff0);
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'a': local header at offset 4294967280 lies beyond "
                           "the end of the file (103 bytes)");
}

TEST(ZipReader, StoredSizesMustAgree) {
  std::string z = make_zip({{"a", "xyz"}});
  patch32(z, z.size() - 22 - 47 + 20, 2);
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'a' is stored but its compressed size 2 differs "
                           "from its size 3");
}

TEST(ZipReader, DuplicateNames) {
  ZipFile f(make_zip({{"a", "1"}, {"a", "2"}}));
  EXPECT_EQ(f.error(), f.path() + ": not a valid zip archive: two entries named 'a'");
}

TEST(ZipReader, HostileNameIsEscaped) {
  ZipFile f(make_zip({{"a\nb", "1", 8}}));
  EXPECT_EQ(f.error(), f.path() +
                           ": zip entry 'a\\nb' is compressed (method 8); only stored "
                           "(uncompressed) entries are supported");
}

TEST(ZipReader, CentralEntryRunsPastTheDirectory) {
  std::string z = make_zip({{"a", "1"}});
  z[z.size() - 22 - 47 + 28] = 100;  // name length
  ZipFile f(z);
  EXPECT_EQ(f.error(), f.path() +
                           ": not a valid zip archive: central directory entry 0 at offset "
                           "32 runs past the end of the directory");
}

}  // namespace
}  // namespace ckpt
