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
    uint32_t acc = 0;
    for (const TensorView& v : ck.tensors) {
      if (v.offset > v.file->size() || v.span_bytes() > v.file->size() - v.offset) {
        __builtin_trap();  // a view reaching outside the file is a reader bug
      }
      acc += fuzz::touch(v.data(), v.span_bytes());
    }
    (void)acc;
  } catch (const Error&) {
  }
  return 0;
}
