// Fuzz target: read_sharded_index. The input is the index JSON, written beside links to the
// real shards of tests/data (three safetensors and three torch.save shards of gptj-tiny), so a
// mutated weight_map reaches the shard checks. Every tensor returned must lie in its shard.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "formats/sharded_index.h"
#include "fuzz_dir.h"
#include "fuzz_file.h"
#include "io/error.h"

namespace {

void link_shards(const ckpt::fuzz::TempDir& d) {
  const std::filesystem::path data = std::filesystem::path(CKPT_SOURCE_DIR) / "tests/data";
  for (const char* variant : {"sharded-safetensors", "sharded-bin"}) {
    for (const auto& e : std::filesystem::directory_iterator(data / "gptj-variants" / variant)) {
      const std::string name = e.path().filename().string();
      if (name.find("-of-") != std::string::npos) {
        std::filesystem::create_symlink(std::filesystem::absolute(e.path()), d.path() / name);
      }
    }
  }
}

const ckpt::fuzz::TempDir& shard_dir() {
  static const ckpt::fuzz::TempDir dir;
  static const bool linked = (link_shards(dir), true);
  (void)linked;
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const fuzz::TempDir& dir = shard_dir();
  const std::string name = "model.safetensors.index.json";
  if (!dir.write(name, data, size)) return 0;
  try {
    const Checkpoint ck = read_sharded_index((dir.path() / name).string());
    fuzz::touch_views(ck);
  } catch (const Error&) {
  }
  return 0;
}
