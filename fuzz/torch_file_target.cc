// Fuzz target: read_pytorch_file end to end (zip or legacy, pickle, storages, views). Every
// view it returns must lie inside the mapped file: all its reachable bytes are read.
#include <cstddef>
#include <cstdint>

#include "formats/torch_reader.h"
#include "fuzz_file.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  fuzz::MemFile mem(data, size);
  if (!mem.ok()) return 0;
  try {
    const Checkpoint ck = read_pytorch_file(mem.path());
    fuzz::touch_views(ck);
  } catch (const Error&) {
  }
  return 0;
}
