// The `checkpoint` state file: the newest bundle's path, with protobuf text-format escapes.
#include "formats/tf_checkpoint_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/tf_bundle_writer.h"

namespace ckpt {
namespace {

TEST(TfCheckpointState, ModelCheckpointPathAsTensorFlowWritesIt) {
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"ckpt-3\"\n"
                                      "all_model_checkpoint_paths: \"ckpt-1\"\n"
                                      "all_model_checkpoint_paths: \"ckpt-3\"\n"
                                      "all_model_checkpoint_timestamps: 1700000000.5\n"),
            "ckpt-3");
  EXPECT_EQ(parse_tf_checkpoint_state("all_model_checkpoint_paths: \"a\"\n"
                                      "model_checkpoint_path: 'b'"),
            "b");
}

TEST(TfCheckpointState, DecodesTextFormatEscapes) {
  // TF's text printer writes non-ASCII bytes as octal: "josé" -> jos\303\251.
  EXPECT_EQ(parse_tf_checkpoint_state(
                "model_checkpoint_path: \"/home/jos\\303\\251/run \\\"1\\\"/m\\\\x\\x41\\t\"\n"),
            "/home/jos\xc3\xa9/run \"1\"/m\\xA\t");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"a\\0b\\n\"\n"),
            std::string("a\0b\n", 4));
}

TEST(TfCheckpointState, WhatCkptconvWritesReadsBack) {
  const std::vector<std::string> paths = {"tf_model.ckpt", "a\"b\\c", "jos\xc3\xa9\n\x01/x", ""};
  for (const std::string& path : paths) {
    EXPECT_EQ(parse_tf_checkpoint_state(tf_checkpoint_state_text(path)), path);
  }
}

TEST(TfCheckpointState, MalformedOrAbsentGivesEmpty) {
  EXPECT_EQ(parse_tf_checkpoint_state(""), "");
  EXPECT_EQ(parse_tf_checkpoint_state("all_model_checkpoint_paths: \"a\"\n"), "");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"unclosed\n\"\n"), "");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: unquoted\n"), "");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"bad \\q escape\"\n"), "");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"octal \\777\"\n"), "");
  EXPECT_EQ(parse_tf_checkpoint_state("model_checkpoint_path: \"ends in \\"), "");
}

}  // namespace
}  // namespace ckpt
