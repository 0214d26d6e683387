// Fuzz target: the params.yaml reader to-hf uses (today parse_gptj_params_yaml; retarget to the
// new params parser when branch `neox` lands). Any input must end in params or a ckpt::Error,
// and accepted params have positive dimensions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/error.h"
#include "models/params_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const GptjParams p = parse_gptj_params_yaml(text, "params.yaml");
    const GptjConfig& c = p.config;
    if (c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_inner <= 0 || c.n_positions <= 0 ||
        c.vocab_size <= 0) {
      __builtin_trap();
    }
  } catch (const Error&) {
  }
  return 0;
}
