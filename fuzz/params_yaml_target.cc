// Fuzz target: params.yaml as to-hf reads it (the shared Cerebras params reader, then the
// family that claims it). Any input must end in a spec or a ckpt::Error, and accepted params
// have positive dimensions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/error.h"
#include "models/cs_params.h"
#include "models/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const CsParams p = parse_params_yaml(text, "params.yaml");
    if (p.hidden_size <= 0 || p.num_hidden_layers <= 0 || p.num_heads <= 0 || p.filter_size <= 0 ||
        p.max_position_embeddings <= 0 || p.vocab_size <= 0) {
      __builtin_trap();
    }
    for (const ModelFamily* f : model_families()) {
      if (f->describes(p)) (void)f->from_params(p);
    }
  } catch (const Error&) {
  }
  return 0;
}
