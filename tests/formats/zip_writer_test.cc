#include "formats/zip_writer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
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

// Offsets past 4 GiB need ZIP64: the entry starts after a 5 GiB hole (a sparse file, so the test
// costs no disk), its central directory record carries the real offset in a ZIP64 extra field.
TEST(ZipWriter, Zip64OffsetsPastFourGiB) {
  TempDir dir;
  const std::string path = dir / "big.zip";
  const uint64_t hole = uint64_t{5} << 30;
  {
    OutputFile out(path);
    const uint8_t zero = 0;
    out.write_at(hole - 1, {&zero, 1});
    ZipWriter zip(out);
    zip.add_entry("archive/data/0", bytes_of("far away"));
    zip.finish();
    out.commit();
  }
  const ZipArchive zip = ZipArchive::open(MappedFile::open(path));
  ASSERT_EQ(zip.entries().size(), 1u);
  const ZipEntry& e = zip.entries()[0];
  EXPECT_GT(e.data_offset, hole);
  EXPECT_EQ(e.data_offset % 64, 0u);
  const auto data = zip.data(e);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()), data.size()), "far away");
  // The classic end record's 32-bit fields are saturated; the ZIP64 record has the truth.
  auto f = MappedFile::open(path);
  const std::string tail(reinterpret_cast<const char*>(f->data()) + f->size() - 200, 200);
  const size_t end = tail.size() - 22;
  EXPECT_EQ(le(tail, end + 16, 4), 0xFFFFFFFFu);
  const size_t cd = tail.find("PK\x01\x02");
  ASSERT_NE(cd, std::string::npos);
  EXPECT_EQ(le(tail, cd + 42, 4), 0xFFFFFFFFu);    // local header offset: see extra
  EXPECT_EQ(le(tail, cd + 30, 2), 12u);            // extra length: id, len, offset
  EXPECT_EQ(le(tail, cd + 46 + 14, 2), 0x0001u);   // ZIP64 extra id after the name
  EXPECT_EQ(le(tail, cd + 46 + 14 + 4, 8), hole);  // the local header offset
}

// An entry larger than 4 GiB: ZIP64 sizes in the local header and the central directory.
// Writes 4 GiB + 100 bytes (about 10 s); Python's zipfile (install-deps.sh installs it) then
// re-reads every byte and checks the crc.
TEST(ZipWriter, Zip64EntryLargerThanFourGiB) {
  TempDir dir;
  const std::string path = dir / "huge.zip";
  const uint64_t size = (uint64_t{4} << 30) + 100;
  std::vector<uint8_t> chunk(1 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 31 + 7);
  uLong crc = crc32_z(0, Z_NULL, 0);
  {
    OutputFile out(path);
    ZipWriter zip(out);
    zip.add_entry("archive/data.pkl", bytes_of("p"));
    zip.begin_entry("archive/data/0", size);
    for (uint64_t done = 0; done < size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - done));
      zip.append({chunk.data(), n});
      crc = crc32_z(crc, chunk.data(), n);
      done += n;
    }
    zip.end_entry();
    zip.add_entry("archive/version", bytes_of("3\n"));
    zip.finish();
    out.commit();
  }
  const ZipArchive zip = ZipArchive::open(MappedFile::open(path));
  ASSERT_EQ(zip.entries().size(), 3u);
  EXPECT_EQ(zip.entries()[1].size, size);
  EXPECT_EQ(zip.entries()[1].data_offset % 64, 0u);
  EXPECT_GT(zip.entries()[2].data_offset, size);
  const auto v = zip.data(zip.entries()[2]);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data()), v.size()), "3\n");
  const CommandResult r = run_command(
      {"/usr/bin/python3", "-c",
       "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
       "print(z.testzip(), [(i.filename, i.file_size, '%08x' % i.CRC) for i in z.infolist()])",
       path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  char want[128];
  std::snprintf(want, sizeof want, "('archive/data/0', %llu, '%08lx')",
                static_cast<unsigned long long>(size), crc);
  EXPECT_EQ(r.out.rfind("None [", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
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
