#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <sstream>
#include <string>

#include "formats/checkpoint_discovery.h"
#include "formats/safetensors_test_util.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

namespace fs = std::filesystem;
using testing::expect_matches_tensors_json;
using testing::names_of;

std::string variant(const std::string& name) { return test_data("gptj-variants/" + name); }

std::string error_of(const std::string& path, ExitCode code = ExitCode::kBadInput) {
  try {
    open_checkpoint(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(Discovery, SafetensorsDirectory) {
  const Checkpoint ckpt = open_checkpoint(variant("safetensors"));
  EXPECT_EQ(ckpt.format, "safetensors");
  EXPECT_EQ(ckpt.files, std::vector<std::string>{variant("safetensors") + "/model.safetensors"});
  expect_matches_tensors_json(ckpt, variant("safetensors/tensors.json"));
}

TEST(Discovery, ShardedDirectories) {
  EXPECT_EQ(open_checkpoint(variant("sharded-safetensors")).format, "sharded-safetensors");
  EXPECT_EQ(open_checkpoint(variant("sharded-bin")).format, "sharded-pytorch");
}

TEST(Discovery, PytorchDirectoryAndFile) {
  const Checkpoint ckpt = open_checkpoint(test_data("gptj-tiny"));
  EXPECT_EQ(ckpt.format, "pytorch-zip");
  EXPECT_EQ(ckpt.files, std::vector<std::string>{test_data("gptj-tiny/pytorch_model.bin")});
  EXPECT_EQ(open_checkpoint(variant("legacy-fp32/pytorch_model.bin")).format, "pytorch-legacy");
}

TEST(Discovery, FilesByName) {
  EXPECT_EQ(open_checkpoint(variant("safetensors-bf16/model.safetensors")).format, "safetensors");
  EXPECT_EQ(open_checkpoint(variant("sharded-bin/pytorch_model.bin.index.json")).format,
            "sharded-pytorch");
}

TEST(Discovery, TorchFilesByExtensionOrMagic) {
  TempDir dir;
  for (const char* name : {"w.pt", "w.pth", "weights.ckpt-torch"}) {
    fs::copy_file(test_data("gptj-tiny/pytorch_model.bin"), dir / name);
    const Checkpoint ckpt = open_checkpoint(dir / name);
    EXPECT_EQ(ckpt.format, "pytorch-zip") << name;
    EXPECT_EQ(ckpt.tensors.size(), 29u) << name;
  }
  fs::copy_file(variant("legacy-fp16/pytorch_model.bin"), dir / "legacy.weights");
  EXPECT_EQ(open_checkpoint(dir / "legacy.weights").format, "pytorch-legacy");
}

TEST(Discovery, TfBundleDirectoryPrefixAndIndex) {
  const std::string dir = test_data("tf-real/rust-regression-model");
  EXPECT_EQ(names_of(open_checkpoint(dir)), (std::vector<std::string>{"b", "w"}));
  EXPECT_EQ(open_checkpoint(dir + "/variables").format, "tf-bundle");
  EXPECT_EQ(open_checkpoint(dir + "/variables.index").format, "tf-bundle");
  EXPECT_EQ(open_checkpoint(dir + "/variables.data-00000-of-00001").format, "tf-bundle");
}

TEST(Discovery, PrefersSafetensorsAndIndexes) {
  TempDir dir;
  fs::copy_file(test_data("gptj-tiny/pytorch_model.bin"), dir / "pytorch_model.bin");
  EXPECT_EQ(find_hf_weights(dir.path()), dir / "pytorch_model.bin");
  for (const char* f : {"pytorch_model.bin.index.json", "pytorch_model-00001-of-00003.bin",
                        "pytorch_model-00002-of-00003.bin", "pytorch_model-00003-of-00003.bin"}) {
    fs::copy_file(variant("sharded-bin/") + f, dir / f);
  }
  EXPECT_EQ(open_checkpoint(dir.path()).format, "sharded-pytorch");
  fs::copy_file(variant("safetensors/model.safetensors"), dir / "model.safetensors");
  EXPECT_EQ(open_checkpoint(dir.path()).format, "safetensors");
  for (const char* f : {"model.safetensors.index.json", "model-00001-of-00003.safetensors",
                        "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"}) {
    fs::copy_file(variant("sharded-safetensors/") + f, dir / f);
  }
  EXPECT_EQ(find_hf_weights(dir.path()), dir / "model.safetensors.index.json");
  EXPECT_EQ(open_checkpoint(dir.path()).format, "sharded-safetensors");
  // An HF checkpoint wins over a TF bundle in the same directory.
  fs::copy_file(test_data("tf-real/rust-regression-model/variables.index"), dir / "v.index");
  EXPECT_EQ(open_checkpoint(dir.path()).format, "sharded-safetensors");
}

TEST(Discovery, GitLfsPointer) {
  const std::string path = variant("malformed-lfs-pointer/pytorch_model.bin");
  const std::string msg = path +
                          ": is a git-lfs pointer, not the weights (run `git lfs pull` or let "
                          "ckptconv download them)";
  EXPECT_EQ(error_of(variant("malformed-lfs-pointer")), msg);
  EXPECT_EQ(error_of(path), msg);
  // Also as a safetensors file or a shard.
  TempDir dir;
  fs::copy_file(path, dir / "model-00001-of-00001.safetensors");
  write_file(dir / "model.safetensors.index.json",
             R"({"weight_map":{"x":"model-00001-of-00001.safetensors"}})");
  EXPECT_EQ(error_of(dir.path()), dir / "model-00001-of-00001.safetensors" +
                                      ": is a git-lfs pointer, not the weights (run `git lfs "
                                      "pull` or let ckptconv download them)");
}

TEST(Discovery, NothingFound) {
  TempDir dir;
  write_file(dir / "config.json", "{}");
  EXPECT_EQ(find_hf_weights(dir.path()), std::nullopt);
  EXPECT_EQ(error_of(dir.path()),
            dir.path() +
                ": no checkpoint found (looked for model.safetensors.index.json, "
                "model.safetensors, pytorch_model.bin.index.json, pytorch_model.bin)");
}

TEST(Discovery, MissingPath) {
  TempDir dir;
  EXPECT_EQ(error_of(dir / "nope", ExitCode::kIo), dir / "nope" + ": no such file or directory");
}

TEST(Discovery, UnknownFile) {
  TempDir dir;
  write_file(dir / "notes.txt", "hello");
  EXPECT_EQ(error_of(dir / "notes.txt"),
            dir / "notes.txt" +
                ": not a checkpoint file this tool reads (expected *.safetensors, *.index.json, "
                "*.bin, *.pt, *.pth or a TensorFlow bundle)");
}

// The resident set of `path`'s mappings in this process, from /proc/self/smaps (kB).
long mapped_kb(const std::string& path) {
  const std::string want = fs::canonical(path).string();
  std::istringstream smaps(read_file("/proc/self/smaps"));
  long kb = 0;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find('-') < line.find(' ') && line.find(' ') != std::string::npos &&
        std::isxdigit(static_cast<unsigned char>(line[0]))) {
      inside = line.size() >= want.size() &&
               line.compare(line.size() - want.size(), want.size(), want) == 0;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      kb += std::stol(line.substr(4));
    }
  }
  return kb;
}

// Opening reads headers spread over the file (a zip's local header before every tensor): the
// pages that touched are handed back before any tensor is read, so none stays resident.
TEST(Discovery, OpeningLeavesNoPageOfTheFileMapped) {
  for (const std::string& dir : {test_data("gptj-tiny"), variant("legacy-fp32"),
                                 variant("safetensors"), variant("sharded-bin")}) {
    const Checkpoint ckpt = open_checkpoint(dir);
    ASSERT_FALSE(ckpt.tensors.empty()) << dir;
    for (const std::string& file : ckpt.files) EXPECT_EQ(mapped_kb(file), 0) << file;
  }
}

}  // namespace
}  // namespace ckpt
