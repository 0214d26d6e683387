// Fuzz target: the restricted unpickler with the torch hooks, as data.pkl is read. Any input
// must end in a result or a ckpt::Error; nothing else may escape, crash or leak.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/torch_pickle.h"
#include "formats/unpickler.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  // The first byte picks the zip (5-tuple) or legacy (6-tuple) persistent id flavour.
  const bool legacy = size > 0 && (data[0] & 1) != 0;
  pickle::Options options;
  options.file = "fuzz";
  options.label = "data.pkl";
  options.allowed_globals = torch_allowed_globals();
  options.limits.max_values = 1 << 16;
  TorchPickleHooks hooks(legacy);
  pickle::Unpickler u(std::span<const uint8_t>(data, size), std::move(options), &hooks);
  try {
    const pickle::Value* top = u.load();
    for (const NamedTensor& t : state_dict_tensors(u, *top)) {
      const TorchTensor& record = hooks.tensors().at(t.tensor);
      (void)hooks.storages().at(record.storage);
    }
  } catch (const Error&) {
  }
  return 0;
}
