#include "formats/safetensors_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "formats/checkpoint_discovery.h"
#include "formats/safetensors_reader.h"
#include "formats/safetensors_test_util.h"
#include "formats/sharded_index.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

namespace fs = std::filesystem;
using testing::names_of;

std::string variant(const std::string& name) { return test_data("gptj-variants/" + name); }

std::vector<TensorSpec> specs_of(const Checkpoint& ckpt) {
  std::vector<TensorSpec> specs;
  for (const TensorView& t : ckpt.tensors) specs.push_back({t.name, t.dtype, t.shape});
  return specs;
}

// Streams every tensor of `ckpt` through `w` in chunks of `chunk` bytes, then finishes.
void write_all(TensorWriter& w, const Checkpoint& ckpt, size_t chunk) {
  for (const TensorView& t : ckpt.tensors) {
    w.begin_tensor({t.name, t.dtype, t.shape});
    const std::string bytes = contiguous_bytes(t);
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      const size_t n = std::min(chunk, bytes.size() - at);
      w.append({reinterpret_cast<const uint8_t*>(bytes.data()) + at, n});
    }
    w.end_tensor();
  }
  w.finish();
}

void expect_same_file_bytes(const std::string& a, const std::string& b) {
  const std::string x = read_file(a), y = read_file(b);
  EXPECT_EQ(x.size(), y.size()) << a << " vs " << b;
  EXPECT_TRUE(x == y) << a << " differs from " << b;
}

void expect_identical_rewrite(const std::string& fixture, size_t chunk) {
  const Checkpoint ckpt = read_safetensors_file(fixture);
  TempDir out;
  auto w = make_safetensors_writer(out.path(), specs_of(ckpt));
  write_all(*w, ckpt, chunk);
  w->commit();
  EXPECT_EQ(list_dir(out.path()), std::vector<std::string>{"model.safetensors"});
  expect_same_file_bytes(out / "model.safetensors", fixture);
}

TEST(SafetensorsWriter, ByteIdenticalToFixtures) {
  expect_identical_rewrite(variant("safetensors/model.safetensors"), 1000);
  expect_identical_rewrite(variant("safetensors-bf16/model.safetensors"), 3 << 20);
  for (int i = 1; i <= 3; ++i) {
    expect_identical_rewrite(
        variant("sharded-safetensors/model-0000" + std::to_string(i) + "-of-00003.safetensors"), 7);
  }
}

TEST(SafetensorsWriter, ShardsLikeHuggingFace) {
  const Checkpoint ckpt = read_safetensors_file(variant("safetensors/model.safetensors"));
  TempDir out;
  SafetensorsOptions opts;
  opts.max_shard_bytes = 200000;
  auto w = make_safetensors_writer(out.path(), specs_of(ckpt), opts);
  write_all(*w, ckpt, 4096);
  w->commit();
  EXPECT_EQ(list_dir(out.path()),
            (std::vector<std::string>{
                "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"}));
  // Greedy split: each shard under the limit, and the next tensor would not have fitted.
  uint64_t total = 0;
  for (int i = 1; i <= 3; ++i) {
    const std::string shard = out / ("model-0000" + std::to_string(i) + "-of-00003.safetensors");
    uint64_t bytes = 0;
    for (const TensorView& t : read_safetensors_file(shard).tensors) bytes += t.byte_size();
    EXPECT_LE(bytes, 200000u) << shard;
    total += bytes;
  }
  EXPECT_EQ(total, 465416u);
  const auto index = testing::load_json(out / "model.safetensors.index.json");
  EXPECT_EQ(index["metadata"]["total_size"], 465416);
  EXPECT_EQ(index["weight_map"].size(), 29u);

  const Checkpoint back = open_checkpoint(out.path());
  EXPECT_EQ(back.format, "sharded-safetensors");
  testing::expect_matches_tensors_json(back, variant("safetensors/tensors.json"));
}

// What the writer says up front about where each tensor's data goes is where it went, in
// every shard (the write-behind lays its buffers out by it).
TEST(SafetensorsWriter, PlannedDataOffsetsAreWhereTheDataLands) {
  const Checkpoint ckpt = read_safetensors_file(variant("safetensors/model.safetensors"));
  const std::vector<TensorSpec> specs = specs_of(ckpt);
  TempDir out;
  SafetensorsOptions opts;
  opts.max_shard_bytes = 200000;
  auto w = make_safetensors_writer(out.path(), specs, opts);
  EXPECT_EQ(w->planned_data_offset(specs.size()), std::nullopt);
  write_all(*w, ckpt, 4096);
  w->commit();
  size_t seen = 0;
  for (int i = 1; i <= 3; ++i) {
    const std::string shard = out / ("model-0000" + std::to_string(i) + "-of-00003.safetensors");
    for (const TensorView& t : read_safetensors_file(shard).tensors) {
      const auto at = std::find_if(specs.begin(), specs.end(),
                                   [&](const TensorSpec& s) { return s.name == t.name; });
      ASSERT_NE(at, specs.end()) << t.name;
      EXPECT_EQ(w->planned_data_offset(static_cast<size_t>(at - specs.begin())), t.offset)
          << t.name;
      ++seen;
    }
  }
  EXPECT_EQ(seen, specs.size());
}

TEST(SafetensorsWriter, IndexTextAndHeaderLayout) {
  TempDir out;
  SafetensorsOptions opts;
  opts.max_shard_bytes = 8;
  opts.metadata = {{"format", "pt"}, {"a", "b\"c"}};
  const std::vector<TensorSpec> specs{
      {"z", DType::kF32, {2}}, {"y\xc3\xa9", DType::kI8, {3}}, {"x", DType::kBF16, {}}};
  auto w = make_safetensors_writer(out.path(), specs, opts);
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (const TensorSpec& s : specs) {
    w->begin_tensor(s);
    w->append({data, static_cast<size_t>(s.byte_size())});
    w->end_tensor();
  }
  w->finish();
  w->commit();
  // Sorted keys, two-space indent, non-ASCII escaped, newline at the end: json.dumps(indent=2,
  // sort_keys=True) + "\n" as transformers writes it.
  EXPECT_EQ(read_file(out / "model.safetensors.index.json"),
            "{\n  \"metadata\": {\n    \"total_size\": 13\n  },\n  \"weight_map\": {\n"
            "    \"x\": \"model-00002-of-00002.safetensors\",\n"
            "    \"y\\u00e9\": \"model-00002-of-00002.safetensors\",\n"
            "    \"z\": \"model-00001-of-00002.safetensors\"\n  }\n}\n");
  const std::string first = read_file(out / "model-00001-of-00002.safetensors");
  const std::string header =
      R"({"__metadata__":{"a":"b\"c","format":"pt"},"z":{"dtype":"F32","shape":[2],)"
      R"("data_offsets":[0,8]}})";
  const std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(first, testing::safetensors_blob(padded, std::string("\1\2\3\4\5\6\7\10", 8)));
  const std::string second = read_file(out / "model-00002-of-00002.safetensors");
  EXPECT_NE(second.find("\"y\xc3\xa9\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[0,3]}"),
            std::string::npos);
  EXPECT_NE(second.find("\"x\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[3,5]}"),
            std::string::npos);
  const Checkpoint back = read_sharded_index(out / "model.safetensors.index.json");
  EXPECT_EQ(names_of(back), (std::vector<std::string>{"x", "y\xc3\xa9", "z"}));
}

TEST(SafetensorsWriter, NoMetadataNoTensors) {
  TempDir out;
  SafetensorsOptions opts;
  opts.metadata.clear();
  auto w = make_safetensors_writer(out.path(), {}, opts);
  w->finish();
  w->commit();
  EXPECT_EQ(read_file(out / "model.safetensors"), testing::safetensors_blob("{}      ", ""));
  EXPECT_TRUE(read_safetensors_file(out / "model.safetensors").tensors.empty());
}

TEST(SafetensorsWriter, NothingVisibleBeforeCommit) {
  TempDir out;
  SafetensorsOptions opts;
  opts.max_shard_bytes = 4;
  {
    auto w = make_safetensors_writer(out.path(), {{"a", DType::kF32, {1}}, {"b", DType::kF32, {1}}},
                                     opts);
    const uint8_t four[4] = {};
    for (const char* name : {"a", "b"}) {
      w->begin_tensor({name, DType::kF32, {1}});
      w->append(four);
      w->end_tensor();
    }
    w->finish();
    for (const std::string& name : list_dir(out.path())) {
      EXPECT_NE(name.find(".ckptconv-tmp-"), std::string::npos) << name;
    }
    EXPECT_EQ(list_dir(out.path()).size(), 3u);
  }
  EXPECT_TRUE(list_dir(out.path()).empty());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  return "no error";
}

TEST(SafetensorsWriter, RefusesBadSpecsAndMisuse) {
  TempDir out;
  const std::string file = out / "model.safetensors";
  EXPECT_EQ(error_of([&] {
              make_safetensors_writer(out.path(), {{"a", DType::kF32, {1}}, {"a", DType::kI8, {}}});
            }),
            file + ": tensor 'a' is given twice");
  EXPECT_EQ(error_of([&] {
              make_safetensors_writer(out.path(), {{"s", DType::kString, {1}}});
            }),
            file + ": tensor 's' has dtype string, which safetensors cannot hold");
  EXPECT_EQ(error_of([&] {
              make_safetensors_writer(out.path(), {{"__metadata__", DType::kU8, {}}});
            }),
            file + ": a tensor cannot be named '__metadata__' in safetensors");

  auto w = make_safetensors_writer(out.path(), {{"a", DType::kF32, {2}}, {"b", DType::kU8, {1}}});
  EXPECT_EQ(error_of([&] {
              w->begin_tensor({"b", DType::kU8, {1}});
            }),
            file + ": tensor 'b' uint8[1] arrives where 'a' float32[2] was declared");
  w->begin_tensor({"a", DType::kF32, {2}});
  const uint8_t nine[9] = {};
  EXPECT_EQ(error_of([&] { w->append(nine); }), file + ": tensor 'a' got more than its 8 bytes");
  w->append({nine, 5});
  EXPECT_EQ(error_of([&] { w->end_tensor(); }), file + ": tensor 'a' got 5 of its 8 bytes");
  w->append({nine, 3});
  w->end_tensor();
  EXPECT_EQ(error_of([&] { w->finish(); }), file + ": finish before tensor 'b' was written");
  EXPECT_EQ(error_of([&] { w->commit(); }), file + ": commit before finish");
}

}  // namespace
}  // namespace ckpt
