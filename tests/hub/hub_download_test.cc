// download_model against a fake hub on 127.0.0.1: fresh download, resume, redirects, errors,
// offline mode and the HF cache layout.
#include "hub/hub_download.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "fake_hub.h"
#include "io/error.h"
#include "io/interrupt.h"
#include "io/sha256.h"
#include "test_util.h"

namespace ckpt::hub {
namespace {

namespace fs = std::filesystem;
using testing::FakeHub;
using testing::kShardedRepo;
using testing::kTinyRepo;
using testing::LogEntry;

constexpr uint64_t kBinSize = 475656;
constexpr uint64_t kConfigSize = 846;

class RecordingProgress final : public Progress {
 public:
  void start(const std::string& label, uint64_t total) override {
    events.push_back("start " + label + " " + std::to_string(total));
    current = label;
  }
  void advance(uint64_t bytes) override { advanced[current] += bytes; }
  void finish() override { events.push_back("finish " + current); }

  std::vector<std::string> events;
  std::map<std::string, uint64_t> advanced;
  std::string current;
};

class HubDownloadTest : public ::testing::Test {
 protected:
  std::string bin_bytes() const { return read_file(test_data("gptj-tiny/pytorch_model.bin")); }
  std::string config_bytes() const { return read_file(test_data("gptj-tiny/config.json")); }
  std::string file_url(const std::string& file) const {
    return hub_.endpoint() + "/" + kTinyRepo + "/resolve/" + hub_.commit_of_tiny() + "/" + file;
  }
  std::string api_url(const std::string& repo = kTinyRepo, const std::string& rev = "main") const {
    return hub_.endpoint() + "/api/models/" + repo + "/revision/" + rev + "?blobs=true";
  }
  std::string error_of(const HubOptions& o, const std::string& dir) {
    NullProgress p;
    try {
      download_model(o, dir, p);
    } catch (const Error& e) {
      last_code_ = e.code();
      return e.what();
    }
    return "no error";
  }
  std::vector<std::string> requests_for(const std::string& file) const {
    std::vector<std::string> out;
    for (const LogEntry& e : hub_.data_requests()) {
      if (e.path.size() >= file.size() &&
          e.path.compare(e.path.size() - file.size(), file.size(), file) == 0) {
        out.push_back(e.server + " " + std::to_string(e.status) + " " + e.range);
      }
    }
    return out;
  }

  FakeHub hub_;
  TempDir tmp_;
  std::string out_ = tmp_ / "out";
  ExitCode last_code_ = ExitCode::kOk;
};

TEST_F(HubDownloadTest, FreshDownloadWritesConfigAndWeightsWithProgress) {
  RecordingProgress progress;
  std::vector<std::string> paths = download_model(hub_.options(), out_, progress);
  EXPECT_EQ(paths, (std::vector<std::string>{out_ + "/config.json", out_ + "/pytorch_model.bin"}));
  EXPECT_EQ(read_file(out_ + "/config.json"), config_bytes());
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(list_dir(out_), (std::vector<std::string>{"config.json", "pytorch_model.bin"}));
  EXPECT_EQ(progress.events, (std::vector<std::string>{
                                 "start config.json 846", "finish config.json",
                                 "start pytorch_model.bin 475656", "finish pytorch_model.bin"}));
  EXPECT_EQ(progress.advanced["config.json"], kConfigSize);
  EXPECT_EQ(progress.advanced["pytorch_model.bin"], kBinSize);
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 200 "}));
}

TEST_F(HubDownloadTest, PrefersSafetensorsAndFetchesEveryShardOfTheIndex) {
  NullProgress p;
  std::vector<std::string> paths = download_model(hub_.options(kShardedRepo), out_, p);
  EXPECT_EQ(paths,
            (std::vector<std::string>{out_ + "/config.json", out_ + "/model.safetensors.index.json",
                                      out_ + "/model-00001-of-00002.safetensors",
                                      out_ + "/model-00002-of-00002.safetensors"}));
  EXPECT_EQ(read_file(out_ + "/model-00001-of-00002.safetensors"), testing::pattern_bytes(3000, 1));
  EXPECT_EQ(read_file(out_ + "/model-00002-of-00002.safetensors"), testing::pattern_bytes(5000, 2));
  EXPECT_TRUE(requests_for("pytorch_model.bin").empty());
  EXPECT_FALSE(fs::exists(out_ + "/pytorch_model.bin"));
}

TEST_F(HubDownloadTest, ResumesWithRangeAfterTheServerDropsTheConnection) {
  hub_.set_control(R"({"drop_after":{"file":"pytorch_model.bin","bytes":100000,"times":1}})");
  RecordingProgress progress;
  download_model(hub_.options(), out_, progress);
  EXPECT_EQ(requests_for("pytorch_model.bin"),
            (std::vector<std::string>{"hub 200 ", "hub 206 bytes=100000-"}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(progress.advanced["pytorch_model.bin"], kBinSize);
  EXPECT_FALSE(fs::exists(out_ + "/pytorch_model.bin.incomplete"));
}

TEST_F(HubDownloadTest, ResumesAPartialFileLeftByAnEarlierRun) {
  fs::create_directories(out_);
  write_file(out_ + "/pytorch_model.bin.incomplete", bin_bytes().substr(0, 1234));
  download_model(hub_.options(), out_, *std::make_unique<NullProgress>());
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 206 bytes=1234-"}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
}

TEST_F(HubDownloadTest, AnIncompleteFileThatIsAlreadyCompleteGets416AndIsKept) {
  fs::create_directories(out_);
  write_file(out_ + "/pytorch_model.bin.incomplete", bin_bytes());
  RecordingProgress progress;
  download_model(hub_.options(), out_, progress);
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 416 bytes=475656-"}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(progress.advanced["pytorch_model.bin"], kBinSize);
}

TEST_F(HubDownloadTest, AnIncompleteFileLongerThanTheFileIsStartedAfresh) {
  fs::create_directories(out_);
  write_file(out_ + "/pytorch_model.bin.incomplete", bin_bytes() + "junk");
  download_model(hub_.options(), out_, *std::make_unique<NullProgress>());
  EXPECT_EQ(requests_for("pytorch_model.bin"),
            (std::vector<std::string>{"hub 416 bytes=475660-", "hub 200 "}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
}

TEST_F(HubDownloadTest, RedirectToAnotherPortDoesNotForwardTheToken) {
  hub_.set_control(R"({"redirect":true,"require_token":"s3cret"})");
  HubOptions o = hub_.options();
  o.token = "s3cret";
  NullProgress p;
  download_model(o, out_, p);
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  int hub_requests = 0, cdn_requests = 0;
  for (const LogEntry& e : hub_.log()) {
    if (e.server == "hub") {
      ++hub_requests;
      EXPECT_EQ(e.auth, "Bearer s3cret") << e.path;
    } else {
      ++cdn_requests;
      EXPECT_EQ(e.auth, "") << e.path;  // the token stays with the hub
    }
  }
  EXPECT_EQ(hub_requests, 3);  // api + two 302s
  EXPECT_EQ(cdn_requests, 2);
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 302 ", "cdn 200 "}));
}

TEST_F(HubDownloadTest, ARelativeRedirectStaysOnTheHubAndKeepsTheToken) {
  hub_.set_control(R"({"redirect":"relative","require_token":"s3cret"})");
  HubOptions o = hub_.options();
  o.token = "s3cret";
  NullProgress p;
  download_model(o, out_, p);
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 307 "}));
  EXPECT_EQ(requests_for("pytorch_model.bin?hop=1"), (std::vector<std::string>{"hub 200 "}));
  for (const LogEntry& e : hub_.log()) EXPECT_EQ(e.auth, "Bearer s3cret") << e.path;
}

TEST_F(HubDownloadTest, ResumeWorksThroughARedirect) {
  hub_.set_control(
      R"({"redirect":true,"drop_after":{"file":"pytorch_model.bin","bytes":200000,"times":1}})");
  NullProgress p;
  download_model(hub_.options(), out_, p);
  EXPECT_EQ(requests_for("pytorch_model.bin"),
            (std::vector<std::string>{"hub 302 ", "cdn 200 ", "hub 302 bytes=200000-",
                                      "cdn 206 bytes=200000-"}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
}

TEST_F(HubDownloadTest, MissingTokenIs401WithAHint) {
  hub_.set_control(R"({"require_token":"s3cret"})");
  EXPECT_EQ(error_of(hub_.options(), out_),
            api_url() + ": 401 Unauthorized: this repository needs a token (set HF_TOKEN)");
  EXPECT_EQ(last_code_, ExitCode::kIo);
  HubOptions o = hub_.options();
  o.token = "wrong";
  EXPECT_EQ(error_of(o, out_),
            api_url() +
                ": 401 Unauthorized: the token in HF_TOKEN was refused or has no access "
                "to this repository");
}

TEST_F(HubDownloadTest, UnknownRepositoryRevisionAndFileAreNamed) {
  HubOptions o = hub_.options("EleutherAI/nope");
  EXPECT_EQ(error_of(o, out_),
            api_url("EleutherAI/nope") + ": 404 Not Found: repository EleutherAI/nope not found");
  EXPECT_EQ(last_code_, ExitCode::kBadInput);
  o = hub_.options();
  o.revision = "v9";
  EXPECT_EQ(error_of(o, out_), api_url(kTinyRepo, "v9") +
                                   ": 404 Not Found: revision v9 not found in repository "
                                   "EleutherAI/gpt-j-tiny");
  EXPECT_EQ(last_code_, ExitCode::kBadInput);
  hub_.set_control(R"({"missing":["pytorch_model.bin"]})");
  EXPECT_EQ(error_of(hub_.options(), out_),
            file_url("pytorch_model.bin") +
                ": 404 Not Found: file pytorch_model.bin not found in repository "
                "EleutherAI/gpt-j-tiny at revision main");
  EXPECT_EQ(last_code_, ExitCode::kIo);
  EXPECT_FALSE(fs::exists(out_ + "/pytorch_model.bin"));
}

TEST_F(HubDownloadTest, WrongAnnouncedSizeIsRejectedAndNothingIsRenamed) {
  hub_.set_control(R"({"lie_size":{"file":"pytorch_model.bin","size":475657}})");
  EXPECT_EQ(error_of(hub_.options(), out_),
            file_url("pytorch_model.bin") +
                ": size mismatch: downloaded 475656 bytes, the hub announced 475657 "
                "(X-Linked-Size)");
  EXPECT_EQ(last_code_, ExitCode::kIo);
  EXPECT_EQ(list_dir(out_), (std::vector<std::string>{"config.json"}));
}

TEST_F(HubDownloadTest, AServerThatChangesTheAnnouncedSizeIsNotBelieved) {
  // config.json has no sha256 to fall back on: the Content-Length said 896, the 416 says 846.
  hub_.set_control(R"({"short_body":{"file":"config.json","extra":50,"times":1}})");
  EXPECT_EQ(error_of(hub_.options(), out_),
            file_url("config.json") + ": size mismatch: the server announced 896 bytes, then 846");
  EXPECT_EQ(requests_for("config.json"),
            (std::vector<std::string>{"hub 200 ", "hub 416 bytes=846-"}));
  EXPECT_TRUE(list_dir(out_).empty());
}

TEST_F(HubDownloadTest, WrongSha256IsRejectedAndNothingIsRenamed) {
  hub_.set_control(R"({"wrong_sha":["pytorch_model.bin"]})");
  const std::string good = sha256_hex(bin_bytes());
  const std::string bad = sha256_hex(bin_bytes() + "x");
  EXPECT_EQ(error_of(hub_.options(), out_), file_url("pytorch_model.bin") +
                                                ": sha256 mismatch: downloaded " + good +
                                                ", the hub announced " + bad + " (X-Linked-Etag)");
  EXPECT_EQ(list_dir(out_), (std::vector<std::string>{"config.json"}));
}

TEST_F(HubDownloadTest, ServerErrorsAreRetriedThenSucceed) {
  hub_.set_control(R"({"fail":{"file":"pytorch_model.bin","status":503,"times":2}})");
  NullProgress p;
  download_model(hub_.options(), out_, p);
  EXPECT_EQ(requests_for("pytorch_model.bin"),
            (std::vector<std::string>{"hub 503 ", "hub 503 ", "hub 200 "}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
}

TEST_F(HubDownloadTest, ServerErrorsGiveUpAfterTheRetryBudget) {
  hub_.set_control(R"({"fail":{"file":"pytorch_model.bin","status":502,"times":100}})");
  HubOptions o = hub_.options();
  o.max_retries = 2;
  EXPECT_EQ(error_of(o, out_),
            file_url("pytorch_model.bin") + ": 502 Bad Gateway (gave up after 3 attempts)");
  EXPECT_EQ(requests_for("pytorch_model.bin").size(), 3u);
}

TEST_F(HubDownloadTest, AStalledTransferIsAbortedAndRetried) {
  hub_.set_control(R"({"stall":{"file":"pytorch_model.bin","seconds":4,"times":1}})");
  HubOptions o = hub_.options();
  o.low_speed_time_s = 1;
  NullProgress p;
  download_model(o, out_, p);
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 200 ", "hub 200 "}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
}

TEST_F(HubDownloadTest, ASecondRunFindsTheFilesAndMakesNoDataRequests) {
  NullProgress p;
  download_model(hub_.options(), out_, p);
  hub_.clear_log();
  download_model(hub_.options(), out_, p);
  EXPECT_TRUE(hub_.data_requests().empty());
  EXPECT_EQ(hub_.log().size(), 1u);  // just the file list
}

TEST_F(HubDownloadTest, OfflineWithoutFilesSaysWhatIsMissing) {
  HubOptions o = hub_.options();
  o.offline = true;
  EXPECT_EQ(error_of(o, out_), out_ +
                                   ": weights missing and offline mode is on "
                                   "(HF_HUB_OFFLINE=1): need config.json, model.safetensors "
                                   "or pytorch_model.bin");
  EXPECT_EQ(last_code_, ExitCode::kIo);
  write_file(out_ + "/config.json", config_bytes());
  write_file(out_ + "/model.safetensors.index.json",
             R"({"weight_map":{"a":"m-1.safetensors","b":"m-2.safetensors"}})");
  write_file(out_ + "/m-2.safetensors", "x");
  EXPECT_EQ(error_of(o, out_), out_ +
                                   ": weights missing and offline mode is on "
                                   "(HF_HUB_OFFLINE=1): need m-1.safetensors");
  o.cache_dir = tmp_ / "cache";
  EXPECT_EQ(error_of(o, tmp_ / "empty"),
            tmp_ / "cache/models--EleutherAI--gpt-j-tiny" +
                ": weights missing and offline mode is on (HF_HUB_OFFLINE=1): need refs/main");
  EXPECT_TRUE(hub_.log().empty());
}

TEST_F(HubDownloadTest, OfflineUsesFilesAlreadyInTheOutputDirectory) {
  NullProgress p;
  download_model(hub_.options(), out_, p);
  hub_.clear_log();
  HubOptions o = hub_.options();
  o.offline = true;
  EXPECT_EQ(download_model(o, out_, p),
            (std::vector<std::string>{out_ + "/config.json", out_ + "/pytorch_model.bin"}));
  EXPECT_TRUE(hub_.log().empty());
}

TEST_F(HubDownloadTest, CacheLayoutIsHuggingFacesAndASecondRunMakesNoDataRequests) {
  HubOptions o = hub_.options();
  o.cache_dir = tmp_ / "cache";
  NullProgress p;
  download_model(o, out_, p);
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(read_file(out_ + "/config.json"), config_bytes());

  const std::string repo = tmp_ / "cache/models--EleutherAI--gpt-j-tiny";
  const std::string commit = hub_.commit_of_tiny();
  EXPECT_EQ(read_file(repo + "/refs/main"), commit);
  const std::string sha = sha256_hex(bin_bytes());
  EXPECT_EQ(fs::read_symlink(repo + "/snapshots/" + commit + "/pytorch_model.bin").string(),
            "../../blobs/" + sha);
  EXPECT_EQ(read_file(repo + "/blobs/" + sha), bin_bytes());
  // config.json is not an LFS file: its blob is named by the git ETag, not a sha256.
  const std::string config_link =
      fs::read_symlink(repo + "/snapshots/" + commit + "/config.json").string();
  EXPECT_EQ(config_link.size(), std::string("../../blobs/").size() + 40) << config_link;
  EXPECT_EQ(list_dir(repo), (std::vector<std::string>{"blobs", "refs", "snapshots"}));
  EXPECT_EQ(list_dir(repo + "/blobs").size(), 2u);  // no .incomplete left behind

  hub_.clear_log();
  const std::string out2 = tmp_ / "out2";
  download_model(o, out2, p);
  EXPECT_TRUE(hub_.data_requests().empty());
  EXPECT_EQ(read_file(out2 + "/pytorch_model.bin"), bin_bytes());
  struct stat a {
  }, b{};
  ASSERT_EQ(stat((out2 + "/pytorch_model.bin").c_str(), &a), 0);
  ASSERT_EQ(stat((repo + "/blobs/" + sha).c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);  // hard-linked, not a second copy
}

TEST_F(HubDownloadTest, WithoutAnOutputDirectoryTheSnapshotPathsAreReturned) {
  HubOptions o = hub_.options();
  o.cache_dir = tmp_ / "cache";
  NullProgress p;
  const std::string snap =
      tmp_ / ("cache/models--EleutherAI--gpt-j-tiny/snapshots/" + hub_.commit_of_tiny());
  EXPECT_EQ(download_model(o, "", p),
            (std::vector<std::string>{snap + "/config.json", snap + "/pytorch_model.bin"}));
  EXPECT_EQ(read_file(snap + "/pytorch_model.bin"), bin_bytes());
  o.cache_dir.reset();
  EXPECT_EQ(error_of(o, ""), "download needs an output directory or a cache directory");
  EXPECT_EQ(last_code_, ExitCode::kUsage);
}

TEST_F(HubDownloadTest, OfflineResolvesTheRevisionFromTheCache) {
  HubOptions o = hub_.options();
  o.cache_dir = tmp_ / "cache";
  NullProgress p;
  download_model(o, out_, p);
  hub_.clear_log();
  o.offline = true;
  o.endpoint = "http://127.0.0.1:1";  // never contacted
  const std::string out2 = tmp_ / "out2";
  EXPECT_EQ(download_model(o, out2, p),
            (std::vector<std::string>{out2 + "/config.json", out2 + "/pytorch_model.bin"}));
  EXPECT_EQ(read_file(out2 + "/pytorch_model.bin"), bin_bytes());
  EXPECT_TRUE(hub_.log().empty());
  // A snapshot that lost a file says which.
  const std::string snap =
      tmp_ / ("cache/models--EleutherAI--gpt-j-tiny/snapshots/" + hub_.commit_of_tiny());
  fs::remove(snap + "/pytorch_model.bin");
  EXPECT_EQ(error_of(o, tmp_ / "out3"),
            snap +
                ": weights missing and offline mode is on (HF_HUB_OFFLINE=1): need "
                "model.safetensors or pytorch_model.bin");
}

TEST_F(HubDownloadTest, CachedDownloadResumesItsIncompleteBlob) {
  HubOptions o = hub_.options();
  o.cache_dir = tmp_ / "cache";
  const std::string blobs = tmp_ / "cache/models--EleutherAI--gpt-j-tiny/blobs";
  fs::create_directories(blobs);
  write_file(blobs + "/" + hub_.commit_of_tiny() + ".pytorch_model.bin.incomplete",
             bin_bytes().substr(0, 4096));
  NullProgress p;
  download_model(o, out_, p);
  EXPECT_EQ(requests_for("pytorch_model.bin"), (std::vector<std::string>{"hub 206 bytes=4096-"}));
  EXPECT_EQ(read_file(out_ + "/pytorch_model.bin"), bin_bytes());
  EXPECT_EQ(list_dir(blobs).size(), 2u);
}

TEST_F(HubDownloadTest, DiskFullIsReportedOnTheIncompleteFile) {
  const HubOptions o = hub_.options();
  std::string result = run_in_small_tmpfs([&](const std::string& mnt) {
    NullProgress p;
    try {
      download_model(o, mnt + "/out", p);
    } catch (const Error& e) {
      return std::string(e.what()) + (fs::exists(mnt + "/out/pytorch_model.bin") ? " RENAMED" : "");
    }
    return std::string("no error");
  });
  if (result == kNoMountNamespace) GTEST_SKIP() << result;
  EXPECT_EQ(result,
            "<tmpfs>/out/pytorch_model.bin.incomplete: cannot write: No space left on device");
}

// Runs `body` in a forked child (so the process-wide interrupt flag stays clean here) and
// returns what it printed to the pipe.
std::string in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string r = body();
    ssize_t ignored = write(fds[1], r.data(), r.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

TEST_F(HubDownloadTest, CtrlCStopsAStalledTransferAndKeepsTheIncompleteFile) {
  hub_.set_control(R"({"stall":{"file":"pytorch_model.bin","seconds":20,"times":1}})");
  const HubOptions o = hub_.options();
  const std::string out = out_;
  std::string result = in_child([&] {
    install_interrupt_handlers();
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      kill(getpid(), SIGINT);
    }).detach();
    const auto t0 = std::chrono::steady_clock::now();
    NullProgress p;
    std::string what = "no error";
    try {
      download_model(o, out, p);
    } catch (const Error& e) {
      what = std::string(e.what()) + " code " + std::to_string(static_cast<int>(e.code()));
    }
    const auto s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
    return what + (s.count() < 5 ? " promptly" : " slowly");
  });
  EXPECT_EQ(result, "interrupted; partial outputs removed code 130 promptly");
  EXPECT_TRUE(fs::exists(out_ + "/pytorch_model.bin.incomplete"));  // kept for resuming
  EXPECT_FALSE(fs::exists(out_ + "/pytorch_model.bin"));
}

TEST_F(HubDownloadTest, BadRepositoryIdsAreRefusedBeforeAnyRequest) {
  HubOptions o = hub_.options("../etc");
  EXPECT_EQ(error_of(o, out_), "--repo: \"../etc\" is not a repository id (ORG/NAME)");
  EXPECT_EQ(last_code_, ExitCode::kBadInput);
  o = hub_.options();
  o.revision = "../../x";
  EXPECT_EQ(error_of(o, out_), "--revision: \"../../x\" is not a usable revision");
  EXPECT_TRUE(hub_.log().empty());
}

TEST_F(HubDownloadTest, ConnectionRefusedGivesUpWithCurlsReason) {
  HubOptions o = hub_.options();
  o.endpoint = "http://127.0.0.1:1";
  o.max_retries = 1;
  const std::string msg = error_of(o, out_);
  EXPECT_EQ(msg.rfind("http://127.0.0.1:1/api/models/EleutherAI/gpt-j-tiny/revision/main"
                      "?blobs=true: Failed to connect to 127.0.0.1 port 1",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find("(gave up after 2 attempts)"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ckpt::hub
