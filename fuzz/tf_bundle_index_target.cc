// Fuzz target: TfBundleReader::open over an arbitrary PREFIX.index (LevelDB footer, index and
// data blocks through libleveldb, then the header and entry protos), beside a fixed 4 KiB data
// shard. Entries must be sorted and unique and findable by name; each entry's view must lie in
// the shard or be refused with an Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/tf_bundle_reader.h"
#include "fuzz_dir.h"
#include "fuzz_file.h"
#include "io/error.h"

namespace {

const ckpt::fuzz::TempDir& bundle_dir() {
  static const ckpt::fuzz::TempDir dir;
  static const bool data_written = [] {
    const std::vector<uint8_t> zeros(4096);
    return dir.write("b.data-00000-of-00001", zeros.data(), zeros.size());
  }();
  (void)data_written;
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const fuzz::TempDir& dir = bundle_dir();
  if (!dir.write("b.index", data, size)) return 0;
  try {
    const auto reader = TfBundleReader::open((dir.path() / "b").string());
    const std::vector<TfBundleEntry>& entries = reader->entries();
    uint32_t acc = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const TfBundleEntry& e = entries[i];
      if (e.name.empty() || (i > 0 && !(entries[i - 1].name < e.name))) __builtin_trap();
      if (reader->find(e.name) != &e) __builtin_trap();
      try {
        const TensorView v = reader->view(e);
        if (v.offset > v.file->size() || e.size > v.file->size() - v.offset) __builtin_trap();
        acc += fuzz::touch(v.data(), e.size);
        reader->verify_crc(e);
      } catch (const Error&) {
      }
    }
    (void)acc;
  } catch (const Error&) {
  }
  return 0;
}
