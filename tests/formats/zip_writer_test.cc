#include "formats/zip_writer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "formats/zip_reader.h"
#include "io/error.h"
#include "io/output_file.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

uint64_t le(const std::string& s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

TEST(ZipWriter, AlignedStoredEntriesWithCrcs) {
  TempDir dir;
  const std::string path = dir / "a.zip";
  std::string big(1000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  {
    OutputFile out(path);
    ZipWriter zip(out);
    zip.add_entry("archive/data.pkl", bytes_of("pickle"));
    zip.begin_entry("archive/data/0", big.size());
    for (size_t at = 0; at < big.size(); at += 333) {
      zip.append(bytes_of(big.substr(at, 333)));
    }
    zip.end_entry();
    zip.add_entry("archive/data/1", {});
    zip.add_entry("archive/version", bytes_of("3\n"));
    zip.finish();
    out.commit();
  }
  const ZipArchive zip = ZipArchive::open(MappedFile::open(path));
  ASSERT_EQ(zip.entries().size(), 4u);
  const std::string names[] = {"archive/data.pkl", "archive/data/0", "archive/data/1",
                               "archive/version"};
  const std::string contents[] = {"pickle", big, "", "3\n"};
  const std::string file = read_file(path);
  for (size_t i = 0; i < 4; ++i) {
    const ZipEntry& e = zip.entries()[i];
    EXPECT_EQ(e.name, names[i]);
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
    const auto data = zip.data(e);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()), data.size()), contents[i]);
    // The local header (30 bytes before the name) carries the crc patched in after the data.
    const size_t local = file.rfind("PK\x03\x04", e.data_offset - 1);
    EXPECT_EQ(le(file, local + 14, 4), crc_of(contents[i])) << e.name;
    EXPECT_EQ(le(file, local + 18, 4), contents[i].size());
    EXPECT_EQ(le(file, local + 6, 2), 0x0800u);  // UTF-8 names, no data descriptor
  }
  // The first local header: 30 + 16-byte name + "FB" extra of 4 + 14 padding = data at 64.
  EXPECT_EQ(file.substr(0, 4), "PK\x03\x04");
  EXPECT_EQ(le(file, 28, 2), 18u);
  EXPECT_EQ(file.substr(46, 4), std::string("FB\x0e\x00", 4));
  EXPECT_EQ(file.substr(64, 6), "pickle");
  // Central directory crcs, then the ZIP64 end record, its locator, and the end record.
  size_t cd = file.find("PK\x01\x02");
  for (size_t i = 0; i < 4; ++i, cd = file.find("PK\x01\x02", cd + 4)) {
    ASSERT_NE(cd, std::string::npos);
    EXPECT_EQ(le(file, cd + 16, 4), crc_of(contents[i]));
  }
  const size_t end = file.size() - 22;
  EXPECT_EQ(file.substr(end, 4), "PK\x05\x06");
  EXPECT_EQ(le(file, end + 10, 2), 4u);
  EXPECT_EQ(file.substr(end - 20, 4), "PK\x06\x07");
  const uint64_t end64 = le(file, end - 20 + 8, 8);
  EXPECT_EQ(end64, end - 20 - 56);
  EXPECT_EQ(file.substr(end64, 4), "PK\x06\x06");
  EXPECT_EQ(le(file, end64 + 32, 8), 4u);
  EXPECT_EQ(le(file, end64 + 48, 8), le(file, end + 16, 4));  // cd offset
}

std::string error_of(const std::function<void(ZipWriter&)>& f) {
  TempDir dir;
  OutputFile out(dir / "x.zip");
  ZipWriter zip(out);
  try {
    f(zip);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    std::string msg = e.what();
    return msg.substr(msg.find(": ") + 2);
  }
  return "no error";
}

TEST(ZipWriter, Misuse) {
  EXPECT_EQ(error_of([](ZipWriter& z) {
              z.add_entry("a", bytes_of("x"));
              z.add_entry("a", bytes_of("y"));
            }),
            "zip entry 'a' written twice");
  EXPECT_EQ(error_of([](ZipWriter& z) {
              z.begin_entry("a", 2);
              z.append(bytes_of("xyz"));
            }),
            "zip entry 'a' got more than its 2 bytes");
  EXPECT_EQ(error_of([](ZipWriter& z) {
              z.begin_entry("a", 2);
              z.append(bytes_of("x"));
              z.end_entry();
            }),
            "zip entry 'a' got 1 of its 2 bytes");
  EXPECT_EQ(error_of([](ZipWriter& z) {
              z.begin_entry("a", 2);
              z.begin_entry("b", 2);
            }),
            "zip entry 'b' begun out of turn");
  EXPECT_EQ(error_of([](ZipWriter& z) { z.add_entry("", {}); }),
            "zip entry name of 0 bytes is not allowed");
}

}  // namespace
}  // namespace ckpt
