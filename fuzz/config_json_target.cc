// Fuzz target: the model's config.json reader (today parse_gptj_config; retarget to the new
// config parser when branch `neox` lands). Any input must end in a config or a ckpt::Error, and
// an accepted config has positive dimensions with n_embd a multiple of n_head.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/error.h"
#include "models/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const GptjConfig c = parse_gptj_config(text, "config.json");
    if (c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_inner <= 0 ||
        c.n_embd % c.n_head != 0) {
      __builtin_trap();
    }
    (void)c.summary();
  } catch (const Error&) {
  }
  return 0;
}
