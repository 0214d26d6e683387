// config.json values at the edges of int64: refused with one exact message, never overflowed.
#include <gtest/gtest.h>

#include "io/error.h"
#include "models/registry.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::string config_with_n_embd(const std::string& n_embd, const std::string& extra = "") {
  return R"({"model_type":"gptj","n_embd":)" + n_embd +
         R"(,"n_layer":1,"n_head":1,"rotary_dim":1,"n_positions":1,"vocab_size":1)" + extra + "}";
}

TEST(GptjConfigLimits, DefaultNInnerOfAHugeNEmbdIsRefused) {
  EXPECT_EQ(error_of([] {
              parse_hf_model_config(config_with_n_embd("4611686018427387904"), "cfg/config.json",
                                    false);
            }),
            "cfg/config.json: \"n_embd\" 4611686018427387904 is too large (the default n_inner, "
            "4 * n_embd, overflows)");
  // The largest n_embd whose default n_inner fits, and a huge n_embd with an explicit n_inner.
  EXPECT_EQ(parse_hf_model_config(config_with_n_embd("2305843009213693951"), "c", false)
                .params.filter_size,
            INT64_C(9223372036854775804));
  EXPECT_EQ(parse_hf_model_config(config_with_n_embd("4611686018427387904", R"(,"n_inner":8)"), "c",
                                  false)
                .params.filter_size,
            8);
}

}  // namespace
}  // namespace ckpt
