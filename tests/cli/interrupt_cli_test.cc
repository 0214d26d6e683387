// Ctrl-C in the middle of a conversion: ckptconv stops, exits 130 and leaves no file behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli_test_util.h"
#include "models/registry.h"

namespace ckpt {
namespace {

// A GPT-J-shaped safetensors model whose data is a hole in a sparse file: ~450 MB that cost
// nothing to create but take the converter long enough to be interrupted mid-stream.
void write_sparse_model(const std::string& dir) {
  std::filesystem::create_directories(dir);
  write_file(dir + "/config.json", nlohmann::json({{"model_type", "gptj"},
                                                   {"n_embd", 1024},
                                                   {"n_layer", 2},
                                                   {"n_head", 16},
                                                   {"rotary_dim", 64},
                                                   {"n_inner", 4096},
                                                   {"n_positions", 64},
                                                   {"vocab_size", 50400}})
                                       .dump());
  const ModelSpec m = read_hf_model_config(dir + "/config.json", false);
  nlohmann::ordered_json header;
  uint64_t offset = 0;
  for (const MappedTensor& r :
       expand_table(m.family->table(), m.dims, false, TableBounds::unlimited())) {
    if (r.tf_name.empty()) continue;
    const uint64_t bytes = static_cast<uint64_t>(shape_numel(r.hf_shape)) * 4;
    header[r.hf_name] = {
        {"dtype", "F32"}, {"shape", r.hf_shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.resize((json.size() + 7) / 8 * 8, ' ');
  std::string head(8, '\0');
  for (int i = 0; i < 8; ++i) head[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  write_file(dir + "/model.safetensors", head + json);
  ASSERT_EQ(
      truncate((dir + "/model.safetensors").c_str(), static_cast<off_t>(8 + json.size() + offset)),
      0);
}

TEST(Interrupt, CtrlCLeavesNoPartialCheckpoint) {
  TempDir dir;
  write_sparse_model(dir / "hf");
  const std::string out = dir / "cs";
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    const int err = open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    execl(CKPTCONV_BIN, CKPTCONV_BIN, "convert", "--input_dir", (dir / "hf").c_str(),
          "--output_dir", out.c_str(), "--buffer-mb", "1", "--threads", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the data file is being written, then press Ctrl-C.
  const std::string temp =
      out + "/.tf_model.ckpt.data-00000-of-00001.ckptconv-tmp-" + std::to_string(pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (!std::filesystem::exists(temp) && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(exited) << "convert ended before it was interrupted: " << read_file(dir / "stderr");
  ASSERT_TRUE(std::filesystem::exists(temp)) << "convert never started writing";
  kill(pid, SIGINT);
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_EQ(read_file(dir / "stderr"), "ckptconv: error: interrupted; partial outputs removed\n");
  EXPECT_TRUE(list_dir(out).empty());
}

}  // namespace
}  // namespace ckpt
