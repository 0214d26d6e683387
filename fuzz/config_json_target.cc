// Fuzz target: config.json as convert reads it (the model registry: strict JSON capped in size
// and depth, then the family's reader and refusals). Any input must end in a spec or a
// ckpt::Error, and an accepted spec has positive dimensions with hidden_size a multiple of the
// head count.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/error.h"
#include "models/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const bool share : {false, true}) {
    try {
      const ModelSpec m = parse_hf_model_config(text, "config.json", share);
      const CsParams& p = m.params;
      if (p.hidden_size <= 0 || p.num_hidden_layers <= 0 || p.num_heads <= 0 ||
          p.filter_size <= 0 || p.hidden_size % p.num_heads != 0) {
        __builtin_trap();
      }
    } catch (const Error&) {
    }
  }
  return 0;
}
