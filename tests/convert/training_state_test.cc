#include "convert/training_state.h"

#include <gtest/gtest.h>

namespace ckpt {
namespace {

const std::set<std::string> kModel{"lm_head/lm_head/kernel", "bias",
                                   "gptj_decoder/0/ln_1/ln_1/gamma"};

TEST(TrainingState, StepCounterAdamAccumulatorsAndSlotsOfModelVariables) {
  EXPECT_TRUE(is_training_state("global_step", kModel));
  EXPECT_TRUE(is_training_state("beta1_power", kModel));
  EXPECT_TRUE(is_training_state("beta2_power", kModel));
  EXPECT_TRUE(is_training_state("lm_head/lm_head/kernel/Adam", kModel));
  EXPECT_TRUE(is_training_state("lm_head/lm_head/kernel/Adam_1", kModel));
  EXPECT_TRUE(is_training_state("bias/Momentum", kModel));
  EXPECT_TRUE(is_training_state("gptj_decoder/0/ln_1/ln_1/gamma/ExponentialMovingAverage", kModel));
}

TEST(TrainingState, AnythingElseIsNot) {
  EXPECT_FALSE(is_training_state("lm_head/lm_head/kernel", kModel));  // a model variable
  EXPECT_FALSE(is_training_state("lm_head/lm_head/kernel/", kModel));
  EXPECT_FALSE(is_training_state("lm_head/lm_head/bias/Adam", kModel));  // not a model variable
  EXPECT_FALSE(is_training_state("lm_head/lm_head", kModel));
  EXPECT_FALSE(is_training_state("extra/global_step", kModel));
  EXPECT_FALSE(is_training_state("biased/Adam", kModel));
  EXPECT_FALSE(is_training_state("", kModel));
}

}  // namespace
}  // namespace ckpt
