#include "formats/torch_zip_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "formats/safetensors_reader.h"
#include "formats/safetensors_test_util.h"
#include "formats/torch_reader.h"
#include "formats/zip_reader.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::string variant(const std::string& name) { return test_data("gptj-variants/" + name); }

// Writes every tensor of `src` through the torch zip writer into `path`.
void rewrite_as_torch(const Checkpoint& src, const std::string& path) {
  std::vector<TensorSpec> specs;
  for (const TensorView& t : src.tensors) specs.push_back({t.name, t.dtype, t.shape});
  auto w = make_torch_zip_writer(path, specs);
  for (const TensorView& t : src.tensors) {
    w->begin_tensor({t.name, t.dtype, t.shape});
    const std::string bytes = contiguous_bytes(t);
    for (size_t at = 0; at < bytes.size(); at += 5000) {
      const std::string part = bytes.substr(at, 5000);
      w->append({reinterpret_cast<const uint8_t*>(part.data()), part.size()});
    }
    w->end_tensor();
  }
  w->finish();
  w->commit();
}

TEST(TorchZipWriter, OurReaderReadsItBack) {
  for (const char* v : {"safetensors", "safetensors-bf16"}) {
    const Checkpoint src = read_safetensors_file(variant(v) + "/model.safetensors");
    TempDir dir;
    rewrite_as_torch(src, dir / "pytorch_model.bin");
    EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"pytorch_model.bin"});
    const Checkpoint back = read_pytorch_file(dir / "pytorch_model.bin");
    EXPECT_EQ(back.format, "pytorch-zip");
    testing::expect_matches_tensors_json(back, variant(v) + "/tensors.json");
    EXPECT_EQ(testing::names_of(back), testing::names_of(src));
    for (const TensorView& t : back.tensors) EXPECT_EQ(t.offset % 64, 0u) << t.name;
    const ZipArchive zip = ZipArchive::open(MappedFile::open(dir / "pytorch_model.bin"));
    EXPECT_EQ(zip.entries().front().name, "archive/data.pkl");
    EXPECT_EQ(zip.entries()[1].name, "archive/data/0");
    EXPECT_EQ(zip.entries().back().name, "archive/byteorder");
  }
}

// What the writer says up front about where each storage's data goes is where it went (the
// write-behind lays its buffers out by it).
TEST(TorchZipWriter, PlannedDataOffsetsAreWhereTheDataLands) {
  const Checkpoint src = read_safetensors_file(variant("safetensors/model.safetensors"));
  std::vector<TensorSpec> specs;
  for (const TensorView& t : src.tensors) specs.push_back({t.name, t.dtype, t.shape});
  TempDir dir;
  auto w = make_torch_zip_writer(dir / "pytorch_model.bin", specs);
  EXPECT_EQ(w->planned_data_offset(specs.size()), std::nullopt);
  for (const TensorView& t : src.tensors) {
    w->begin_tensor({t.name, t.dtype, t.shape});
    const std::string bytes = contiguous_bytes(t);
    w->append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    w->end_tensor();
  }
  w->finish();
  w->commit();
  const ZipArchive zip = ZipArchive::open(MappedFile::open(dir / "pytorch_model.bin"));
  ASSERT_EQ(zip.entries().size(), specs.size() + 3);  // data.pkl, storages, version, byteorder
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(zip.entries()[i + 1].name, "archive/data/" + std::to_string(i));
    EXPECT_EQ(w->planned_data_offset(i), zip.entries()[i + 1].data_offset) << i;
  }
}

TEST(TorchZipWriter, DeterministicBytes) {
  const Checkpoint src = read_safetensors_file(variant("safetensors/model.safetensors"));
  TempDir dir;
  rewrite_as_torch(src, dir / "a.bin");
  rewrite_as_torch(src, dir / "b.bin");
  EXPECT_TRUE(read_file(dir / "a.bin") == read_file(dir / "b.bin"));
}

TEST(TorchZipWriter, NothingVisibleBeforeCommit) {
  TempDir dir;
  {
    auto w = make_torch_zip_writer(dir / "m.bin", {{"a", DType::kU8, {2}}});
    w->begin_tensor({"a", DType::kU8, {2}});
    const uint8_t two[2] = {1, 2};
    w->append(two);
    w->end_tensor();
    w->finish();
    ASSERT_EQ(list_dir(dir.path()).size(), 1u);
    EXPECT_NE(list_dir(dir.path())[0].find(".ckptconv-tmp-"), std::string::npos);
  }
  EXPECT_TRUE(list_dir(dir.path()).empty());
}

TEST(TorchZipWriter, Misuse) {
  TempDir dir;
  const std::string path = dir / "m.bin";
  try {
    make_torch_zip_writer(path, {{"a", DType::kU8, {1}}, {"a", DType::kU8, {1}}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": tensor 'a' is given twice");
  }
  auto w = make_torch_zip_writer(path, {{"a", DType::kU8, {1}}, {"b", DType::kF16, {3}}});
  try {
    w->begin_tensor({"b", DType::kF16, {3}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": tensor 'b' float16[3] arrives where 'a' uint8[1] was declared");
  }
  try {
    w->finish();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": finish before tensor 'a' was written");
  }
}

// torch.load accepts what we write and sees the same bytes (Debian's python3-torch, installed by
// scripts/install-deps.sh).
TEST(TorchZipWriter, TorchLoadsIt) {
  for (const char* v : {"safetensors", "safetensors-bf16"}) {
    TempDir dir;
    rewrite_as_torch(read_safetensors_file(variant(v) + "/model.safetensors"),
                     dir / "pytorch_model.bin");
    const char* script = R"(
import hashlib, json, sys, torch
sd = torch.load(sys.argv[1], map_location="cpu")
out = {}
for k, t in sd.items():
    t = t.contiguous()
    raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
    out[k] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
              "sha256": hashlib.sha256(raw).hexdigest()}
print(json.dumps({"type": type(sd).__name__, "tensors": out}))
)";
    const CommandResult r =
        run_command({"/usr/bin/python3", "-c", script, dir / "pytorch_model.bin"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = nlohmann::ordered_json::parse(r.out);
    EXPECT_EQ(got["type"], "OrderedDict");
    EXPECT_EQ(got["tensors"], testing::load_json(variant(v) + "/tensors.json")) << v;
  }
}

}  // namespace
}  // namespace ckpt
