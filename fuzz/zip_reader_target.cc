// Fuzz target: ZipArchive over arbitrary bytes; every entry it accepts must lie in the file.
#include <cstddef>
#include <cstdint>

#include "formats/zip_reader.h"
#include "fuzz_file.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  fuzz::MemFile mem(data, size);
  if (!mem.ok()) return 0;
  try {
    const ZipArchive zip = ZipArchive::open(MappedFile::open(mem.path()));
    uint32_t acc = 0;
    for (const ZipEntry& e : zip.entries()) {
      auto bytes = zip.data(e);
      acc += fuzz::touch(bytes.data(), bytes.size());
      if (zip.find(e.name) != &e) __builtin_trap();  // names are unique
    }
    (void)acc;
  } catch (const Error&) {
  }
  return 0;
}
