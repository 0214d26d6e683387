// Test fixture: runs tests/hub/fake_hub.py (a fake HuggingFace Hub plus a "CDN" on a second
// port, both on 127.0.0.1) as a subprocess serving repositories made from the tiny fixtures.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "hub/hub_options.h"
#include "test_util.h"

namespace ckpt::hub::testing {

inline constexpr const char* kTinyRepo = "EleutherAI/gpt-j-tiny";
inline constexpr const char* kShardedRepo = "test/sharded";

struct LogEntry {
  std::string server;  // "hub" or "cdn"
  std::string path;
  std::string range;  // "" when absent
  std::string auth;   // "" when absent
  int status = 0;
};

// Bytes of a fake shard: content does not matter to the downloader, only identity.
inline std::string pattern_bytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 8)) & 0xff);
  return s;
}

class FakeHub {
 public:
  FakeHub() {
    namespace fs = std::filesystem;
    // The fake hub is local: never let a proxy from the environment intercept it.
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    const std::string tiny = root_ / kTinyRepo;
    fs::create_directories(tiny);
    fs::copy_file(test_data("gptj-tiny/config.json"), tiny + "/config.json");
    fs::copy_file(test_data("gptj-tiny/pytorch_model.bin"), tiny + "/pytorch_model.bin");
    const std::string sharded = root_ / kShardedRepo;
    fs::create_directories(sharded);
    fs::copy_file(test_data("gptj-tiny/config.json"), sharded + "/config.json");
    write_file(sharded + "/pytorch_model.bin", pattern_bytes(1000, 9));  // must not be fetched
    write_file(sharded + "/model-00001-of-00002.safetensors", pattern_bytes(3000, 1));
    write_file(sharded + "/model-00002-of-00002.safetensors", pattern_bytes(5000, 2));
    write_file(sharded + "/model.safetensors.index.json",
               R"({"metadata":{"total_size":8000},"weight_map":{)"
               R"("a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors",)"
               R"("c":"model-00001-of-00002.safetensors"}})");
    set_control("{}");
    start();
  }
  ~FakeHub() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(hub_port_); }
  int cdn_port() const { return cdn_port_; }
  std::string repo_file(const std::string& repo, const std::string& file) const {
    return root_ / (repo + "/" + file);
  }
  std::string commit_of_tiny() const { return "b68673106e09f55c075c332629d5331ed2af08fe"; }

  // Replaces the misbehaviour switches (see fake_hub.py); counters restart.
  void set_control(const std::string& json) { write_file(control_, json); }
  void clear_log() { write_file(log_, ""); }

  std::vector<LogEntry> log() const {
    std::vector<LogEntry> out;
    std::istringstream in(read_file(log_));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      LogEntry e;
      e.server = j["server"];
      e.path = j["path"];
      e.range = j["range"].is_string() ? j["range"].get<std::string>() : "";
      e.auth = j["auth"].is_string() ? j["auth"].get<std::string>() : "";
      e.status = j["status"];
      out.push_back(e);
    }
    return out;
  }
  // Requests for file contents (resolve on the hub, anything on the CDN).
  std::vector<LogEntry> data_requests() const {
    std::vector<LogEntry> out;
    for (const LogEntry& e : log()) {
      if (e.server == "cdn" || e.path.find("/resolve/") != std::string::npos) out.push_back(e);
    }
    return out;
  }

  HubOptions options(const std::string& repo = kTinyRepo) const {
    HubOptions o;
    o.repo = repo;
    o.endpoint = endpoint();
    o.initial_backoff_ms = 10;
    o.max_backoff_ms = 50;
    o.max_retries = 3;
    o.connect_timeout_s = 5;
    o.low_speed_time_s = 5;
    return o;
  }

 private:
  void start() {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const std::string script = std::string(CKPT_SOURCE_DIR) + "/tests/hub/fake_hub.py";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      execlp("python3", "python3", script.c_str(), "--root", root_.path().c_str(), "--control",
             control_.c_str(), "--log", log_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Wait (bounded) for "PORTS <hub> <cdn>\n".
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    if (std::sscanf(line.c_str(), "PORTS %d %d", &hub_port_, &cdn_port_) != 2) {
      throw std::runtime_error("fake hub did not start: \"" + line + "\"");
    }
  }

  TempDir root_;
  TempDir state_;
  std::string control_ = state_ / "control.json";
  std::string log_ = state_ / "log.jsonl";
  pid_t pid_ = -1;
  int hub_port_ = 0;
  int cdn_port_ = 0;
};

}  // namespace ckpt::hub::testing
