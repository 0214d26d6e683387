#include "formats/safetensors_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "formats/safetensors_test_util.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

using testing::expect_matches_tensors_json;
using testing::names_of;
using testing::safetensors_blob;
using testing::tensors_json_names;

std::string variant(const std::string& name) { return test_data("gptj-variants/" + name); }

TEST(SafetensorsReader, RefusesAMissingFile) {
  EXPECT_THAT([] { read_safetensors_file(MappedFilePtr{}); },
              ::testing::ThrowsMessage<std::invalid_argument>("read_safetensors_file: no file"));
}

TEST(SafetensorsReader, ReadsFixtureInDataOrder) {
  const Checkpoint ckpt = read_safetensors_file(variant("safetensors/model.safetensors"));
  EXPECT_EQ(ckpt.format, "safetensors");
  EXPECT_EQ(ckpt.files, std::vector<std::string>{variant("safetensors/model.safetensors")});
  expect_matches_tensors_json(ckpt, variant("safetensors/tensors.json"));
  EXPECT_EQ(names_of(ckpt), tensors_json_names(variant("safetensors/tensors.json")));
  // The first tensor's data begins right after the 8 + 2744 header bytes.
  EXPECT_EQ(ckpt.tensors[0].offset, 8u + 2744u);
  EXPECT_EQ(ckpt.tensors[0].strides, (Shape{64, 1}));
}

TEST(SafetensorsReader, ReadsBf16Fixture) {
  const Checkpoint ckpt = read_safetensors_file(variant("safetensors-bf16/model.safetensors"));
  expect_matches_tensors_json(ckpt, variant("safetensors-bf16/tensors.json"));
  EXPECT_EQ(ckpt.find("transformer.wte.weight")->dtype, DType::kBF16);
  EXPECT_EQ(ckpt.find("transformer.h.0.attn.bias")->dtype, DType::kBool);
}

TEST(SafetensorsReader, SortedHeaderStillYieldsDataOrder) {
  const std::string dir = variant("safetensors-sorted-header");
  const Checkpoint ckpt = read_safetensors_file(dir + "/model.safetensors");
  expect_matches_tensors_json(ckpt, dir + "/tensors.json");
  EXPECT_EQ(names_of(ckpt), tensors_json_names(dir + "/tensors.json"));
}

TEST(SafetensorsReader, FixtureWithOffsetsPastTheEnd) {
  const std::string path = variant("malformed-safetensors-bad-offsets/model.safetensors");
  try {
    read_safetensors_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": tensor 'lm_head.bias' has data_offsets [1513480, 1513992] beyond the end "
                  "of the data buffer (465416 bytes)");
  }
}

// Writes `bytes` to a temp file and returns read_safetensors_file's error message.
class SafetensorsHandBuilt : public ::testing::Test {
 protected:
  std::string path() const { return dir_ / "x.safetensors"; }
  Checkpoint read(const std::string& bytes) {
    write_file(path(), bytes);
    return read_safetensors_file(path());
  }
  std::string error_of(const std::string& bytes) {
    try {
      read(bytes);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kBadInput) << e.what();
      const std::string msg = e.what();
      const std::string prefix = path() + ": ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
      return msg.substr(prefix.size());
    }
    return "no error";
  }
  std::string error_of_header(const std::string& header, size_t data_bytes) {
    return error_of(safetensors_blob(header, std::string(data_bytes, '\0')));
  }
  TempDir dir_;
};

TEST_F(SafetensorsHandBuilt, ViewsPointIntoTheMapping) {
  std::string data;
  for (int i = 0; i < 25; ++i) data.push_back(static_cast<char>(i));
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"I16","shape":[2,2],"data_offsets":[16,24]},)"
      R"("a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
      R"("s":{"dtype":"U8","shape":[],"data_offsets":[24,25]},)"
      R"("z":{"dtype":"F32","shape":[0,3],"data_offsets":[25,25]}} )";
  const Checkpoint ckpt = read(safetensors_blob(header, data));
  ASSERT_EQ(names_of(ckpt), (std::vector<std::string>{"a", "b", "s", "z"}));
  const uint64_t base = 8 + header.size();
  EXPECT_EQ(ckpt.tensors[0].offset, base);
  EXPECT_EQ(ckpt.tensors[0].dtype, DType::kF64);
  EXPECT_EQ(ckpt.tensors[1].offset, base + 16);
  EXPECT_EQ(ckpt.tensors[1].dtype, DType::kI16);
  EXPECT_EQ(ckpt.tensors[1].shape, (Shape{2, 2}));
  EXPECT_EQ(ckpt.tensors[1].strides, (Shape{2, 1}));
  EXPECT_EQ(ckpt.tensors[1].data()[0], 16);
  EXPECT_EQ(ckpt.tensors[2].shape, Shape{});
  EXPECT_EQ(ckpt.tensors[2].strides, Shape{});
  EXPECT_EQ(ckpt.tensors[2].data()[0], 24);
  EXPECT_EQ(ckpt.tensors[3].byte_size(), 0u);
  EXPECT_EQ(ckpt.tensors[3].offset, base + 25);
}

TEST_F(SafetensorsHandBuilt, EveryDtype) {
  const std::string header = R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                             R"("c":{"dtype":"F16","shape":[1],"data_offsets":[12,14]},)"
                             R"("d":{"dtype":"BF16","shape":[1],"data_offsets":[14,16]},)"
                             R"("e":{"dtype":"I64","shape":[1],"data_offsets":[16,24]},)"
                             R"("f":{"dtype":"I32","shape":[1],"data_offsets":[24,28]},)"
                             R"("g":{"dtype":"I16","shape":[1],"data_offsets":[28,30]},)"
                             R"("h":{"dtype":"I8","shape":[1],"data_offsets":[30,31]},)"
                             R"("i":{"dtype":"U8","shape":[1],"data_offsets":[31,32]},)"
                             R"("j":{"dtype":"BOOL","shape":[1],"data_offsets":[32,33]}})";
  const Checkpoint ckpt = read(safetensors_blob(header, std::string(33, '\1')));
  std::vector<DType> got;
  for (const TensorView& t : ckpt.tensors) got.push_back(t.dtype);
  EXPECT_EQ(got,
            (std::vector<DType>{DType::kF64, DType::kF32, DType::kF16, DType::kBF16, DType::kI64,
                                DType::kI32, DType::kI16, DType::kI8, DType::kU8, DType::kBool}));
}

TEST_F(SafetensorsHandBuilt, EmptyCheckpoint) {
  const Checkpoint ckpt = read(safetensors_blob(R"({"__metadata__":{}})", ""));
  EXPECT_TRUE(ckpt.tensors.empty());
}

TEST_F(SafetensorsHandBuilt, DeepNestingIsRefused) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":)" + deep + "}}", 0),
            "safetensors header nests deeper than 64 levels (at offset 89)");
  // A brace inside a string does not count.
  EXPECT_EQ(error_of_header(R"({"__metadata__":{"x":")" + std::string(100, '[') + R"("}})", 0),
            "no error");
}

// Many tensors: the header is parsed in O(n log n) (nlohmann's callback parser is quadratic
// and took minutes here), so 100000 tensors read in well under a second.
TEST_F(SafetensorsHandBuilt, ManyTensors) {
  std::string header = "{";
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    if (i > 0) header += ",";
    header += "\"t" + std::to_string(n - i) +
              "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[" + std::to_string(i) + "," +
              std::to_string(i + 1) + "]}";
  }
  header += "}";
  const Checkpoint ckpt = read(safetensors_blob(header, std::string(n, 'x')));
  ASSERT_EQ(ckpt.tensors.size(), static_cast<size_t>(n));
  EXPECT_EQ(ckpt.tensors.front().name, "t100000");
  EXPECT_EQ(ckpt.tensors.back().name, "t1");
}

TEST_F(SafetensorsHandBuilt, HostileNamesStayOnOneLine) {
  EXPECT_EQ(error_of_header(R"({"a\nb\u0007":{"dtype":"X","shape":[1],"data_offsets":[0,1]}})", 1),
            "tensor 'a\\nb\\x07' has unsupported dtype 'X' (supported: F64 F32 F16 BF16 I64 I32 "
            "I16 I8 U8 BOOL)");
  const std::string long_name(300, 'n');
  EXPECT_EQ(error_of_header(
                R"({")" + long_name + R"(":{"dtype":"U8","shape":[2],"data_offsets":[0,1]}})", 1),
            "tensor '" + std::string(200, 'n') +
                "...' has shape [2] of U8 (2 bytes) but data_offsets [0, 1] span 1 bytes");
}

TEST_F(SafetensorsHandBuilt, TooShortForTheLength) {
  EXPECT_EQ(error_of(""), "file is 0 bytes, too short for a safetensors header length (8 bytes)");
  EXPECT_EQ(error_of(std::string("\x02\0\0", 3)),
            "file is 3 bytes, too short for a safetensors header length (8 bytes)");
}

TEST_F(SafetensorsHandBuilt, HeaderTooLong) {
  std::string bytes(8, '\0');
  const uint64_t n = 123456789012;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_EQ(error_of(bytes + "{}"),
            "safetensors header length 123456789012 exceeds the 100000000 byte limit");
  const uint64_t huge = UINT64_MAX;
  std::memcpy(bytes.data(), &huge, 8);
  EXPECT_EQ(error_of(bytes),
            "safetensors header length 18446744073709551615 exceeds the 100000000 byte limit");
}

TEST_F(SafetensorsHandBuilt, HeaderPastTheEnd) {
  const std::string full =
      safetensors_blob(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x");
  EXPECT_EQ(error_of(full.substr(0, 20)),
            "safetensors header length 53 runs past the end of the file (20 bytes)");
}

TEST_F(SafetensorsHandBuilt, NotJson) {
  EXPECT_EQ(error_of_header("{\"a\":", 0),
            "safetensors header is not valid JSON (parse error at offset 5)");
  EXPECT_EQ(error_of_header("", 0),
            "safetensors header is not valid JSON (parse error at offset 0)");
  EXPECT_EQ(error_of_header("{} {}", 0),
            "safetensors header is not valid JSON (parse error at offset 3)");
}

TEST_F(SafetensorsHandBuilt, NotUtf8) {
  EXPECT_EQ(error_of_header("{\"a\xff\":1}", 0),
            "safetensors header is not valid UTF-8 (byte 0xff at header offset 3)");
  // Overlong encoding of '/' and a UTF-16 surrogate are refused too.
  EXPECT_EQ(error_of_header("{\"\xc0\xaf\":1}", 0),
            "safetensors header is not valid UTF-8 (byte 0xc0 at header offset 2)");
  EXPECT_EQ(error_of_header("{\"\xed\xa0\x80\":1}", 0),
            "safetensors header is not valid UTF-8 (byte 0xed at header offset 2)");
}

TEST_F(SafetensorsHandBuilt, NotAnObject) {
  EXPECT_EQ(error_of_header("[1,2]   ", 0), "safetensors header is not a JSON object");
}

TEST_F(SafetensorsHandBuilt, DuplicateKeys) {
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                            R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                            2),
            "safetensors header has duplicate key 'a'");
  EXPECT_EQ(
      error_of_header(R"({"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}})", 1),
      "safetensors header has duplicate key 'dtype'");
}

TEST_F(SafetensorsHandBuilt, Metadata) {
  EXPECT_EQ(error_of_header(R"({"__metadata__":{"format":"pt","n":3}})", 0),
            "safetensors __metadata__ value of 'n' is number, not a string");
  EXPECT_EQ(error_of_header(R"({"__metadata__":["pt"]})", 0),
            "safetensors __metadata__ is not a JSON object of strings");
}

TEST_F(SafetensorsHandBuilt, BadDtype) {
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1),
            "tensor 'w' has unsupported dtype 'F8_E4M3' (supported: F64 F32 F16 BF16 I64 I32 "
            "I16 I8 U8 BOOL)");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", 1),
            "tensor 'w': \"dtype\" is not a string");
}

TEST_F(SafetensorsHandBuilt, MalformedEntries) {
  EXPECT_EQ(error_of_header(R"({"w":[1]})", 0), "tensor 'w': header entry is not a JSON object");
  EXPECT_EQ(error_of_header(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", 1),
            "tensor 'w': header entry has no \"dtype\"");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","data_offsets":[0,1]}})", 1),
            "tensor 'w': header entry has no \"shape\"");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[1]}})", 1),
            "tensor 'w': header entry has no \"data_offsets\"");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":3,"data_offsets":[0,1]}})", 1),
            "tensor 'w': \"shape\" is not an array");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1),
            "tensor 'w': \"shape\" holds -1, not a non-negative integer");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})", 1),
            "tensor 'w': \"shape\" holds 1.5, not a non-negative integer");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}})", 1),
            "tensor 'w': \"data_offsets\" is [0], not two non-negative integers");
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", 1),
            "tensor 'w': \"data_offsets\" is [-1,0], not two non-negative integers");
}

TEST_F(SafetensorsHandBuilt, BeginAfterEnd) {
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}})", 2),
            "tensor 'w' has data_offsets [2, 1] with begin after end");
}

TEST_F(SafetensorsHandBuilt, EndPastTheBuffer) {
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 3),
            "tensor 'w' has data_offsets [0, 4] beyond the end of the data buffer (3 bytes)");
  EXPECT_EQ(
      error_of_header(
          R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,18446744073709551615]}})",
          0),
      "tensor 'w' has data_offsets [18446744073709551615, 18446744073709551615] beyond the "
      "end of the data buffer (0 bytes)");
}

TEST_F(SafetensorsHandBuilt, ShapeSizeMismatch) {
  EXPECT_EQ(error_of_header(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20),
            "tensor 'w' has shape [2, 3] of F32 (24 bytes) but data_offsets [0, 20] span 20 bytes");
  EXPECT_EQ(error_of_header(
                R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0),
            "tensor 'w' has shape [4294967296, 4294967296] whose byte size overflows 64 bits");
  EXPECT_EQ(error_of_header(
                R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 0),
            "tensor 'w' has shape [2305843009213693952] whose byte size overflows 64 bits");
}

// No elements, so it passes the size check, but row-major strides would need 2^80 (issue 12).
TEST_F(SafetensorsHandBuilt, StridesThatOverflow) {
  EXPECT_EQ(
      error_of_header(
          R"({"w":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}})",
          0),
      "tensor 'w' has shape [0, 1099511627776, 1099511627776] whose strides overflow 64 bits");
}

TEST_F(SafetensorsHandBuilt, GapBetweenTensors) {
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                            R"("b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})",
                            5),
            "gap in the data buffer: bytes [2, 3) between tensor 'a' and tensor 'b' belong to no "
            "tensor");
}

TEST_F(SafetensorsHandBuilt, GapAtTheStart) {
  EXPECT_EQ(error_of_header(R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})", 6),
            "gap in the data buffer: bytes [0, 4) before tensor 'b' belong to no tensor");
}

TEST_F(SafetensorsHandBuilt, GapAtTheEnd) {
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                            R"("e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}})",
                            7),
            "gap in the data buffer: bytes [2, 7) after tensor 'a' belong to no tensor");
  EXPECT_EQ(error_of_header(R"({})", 7), "the data buffer holds 7 bytes but no tensor");
}

TEST_F(SafetensorsHandBuilt, Overlap) {
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                            6),
            "tensors 'a' [0, 4] and 'b' [2, 6] overlap in the data buffer");
  // Two tensors sharing the very same bytes.
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
                            4),
            "tensors 'a' [0, 4] and 'b' [0, 4] overlap in the data buffer");
  // A zero-byte tensor inside another one.
  EXPECT_EQ(error_of_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("z":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}})",
                            4),
            "tensors 'a' [0, 4] and 'z' [2, 2] overlap in the data buffer");
}

}  // namespace
}  // namespace ckpt
