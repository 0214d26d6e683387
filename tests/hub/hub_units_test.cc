// Pure pieces of the hub download: choosing weights, reading an index, URLs, etags, options,
// the cache folder name and SHA-256.
#include <gtest/gtest.h>

#include <cstdlib>

#include "hub/file_download.h"
#include "hub/http_client.h"
#include "hub/hub_cache.h"
#include "hub/hub_options.h"
#include "hub/repo_files.h"
#include "io/error.h"
#include "io/sha256.h"
#include "test_util.h"

namespace ckpt::hub {
namespace {

TEST(HubChooseWeights, PrefersSafetensorsThenASingleFile) {
  EXPECT_EQ(choose_weights({"config.json", "pytorch_model.bin", "model.safetensors"}),
            "model.safetensors");
  EXPECT_EQ(choose_weights({"pytorch_model.bin.index.json", "model.safetensors.index.json"}),
            "model.safetensors.index.json");
  EXPECT_EQ(choose_weights({"pytorch_model.bin", "pytorch_model.bin.index.json"}),
            "pytorch_model.bin");
  EXPECT_EQ(choose_weights({"pytorch_model.bin.index.json", "flax_model.msgpack"}),
            "pytorch_model.bin.index.json");
  EXPECT_EQ(choose_weights({"config.json", "tf_model.h5"}), std::nullopt);
}

TEST(HubShardsFromIndex, DistinctSortedShards) {
  EXPECT_EQ(shards_from_index(R"({"weight_map":{"x":"b.bin","y":"a.bin","z":"b.bin"}})", "i"),
            (std::vector<std::string>{"a.bin", "b.bin"}));
}

TEST(HubShardsFromIndex, RefusesPathsOutsideTheDirectoryAndMalformedIndexes) {
  EXPECT_EQ(error_of([] { shards_from_index(R"({"weight_map":{"w":"../evil.bin"}})", "idx"); }),
            "idx: weight_map entry \"w\" names an unsafe path \"../evil.bin\"");
  EXPECT_EQ(error_of([] { shards_from_index(R"({"weight_map":{"w":"/etc/passwd"}})", "idx"); }),
            "idx: weight_map entry \"w\" names an unsafe path \"/etc/passwd\"");
  EXPECT_EQ(error_of([] { shards_from_index(R"({"weight_map":{"w":3}})", "idx"); }),
            "idx: weight_map entry \"w\" is not a file name");
  EXPECT_EQ(error_of([] { shards_from_index(R"({"metadata":{}})", "idx"); }),
            "idx: no \"weight_map\" object");
  EXPECT_EQ(error_of([] { shards_from_index(R"({"weight_map":{}})", "idx"); }),
            "idx: weight_map is empty");
  EXPECT_EQ(error_of([] { shards_from_index("{oops", "idx"); }), "idx: not a JSON object");
}

TEST(HubSafeRelativePath, OnlyPlainRelativePaths) {
  EXPECT_TRUE(is_safe_relative_path("a.bin"));
  EXPECT_TRUE(is_safe_relative_path("sub/a.bin"));
  for (const char* bad : {"", "/a", "a/../b", "..", ".", "a//b", "a/", "a\\b"}) {
    EXPECT_FALSE(is_safe_relative_path(bad)) << bad;
  }
}

TEST(HubRepoInfo, ParsesShaSiblingsAndSizes) {
  RepoInfo info = parse_repo_info(
      R"({"sha":"abc","siblings":[{"rfilename":"config.json","size":12},{"rfilename":"x"}]})", "u");
  EXPECT_EQ(info.commit, "abc");
  ASSERT_EQ(info.files.size(), 2u);
  EXPECT_EQ(info.files[0].name, "config.json");
  EXPECT_EQ(info.files[0].size, 12u);
  EXPECT_EQ(info.files[1].size, std::nullopt);
  EXPECT_EQ(error_of([] { parse_repo_info("[1]", "u"); }),
            "u: the hub's answer is not a JSON object");
  EXPECT_EQ(error_of([] { parse_repo_info(R"({"sha":"abc"})", "u"); }),
            "u: the hub's answer has no \"siblings\" file list");
}

TEST(HubUrls, RevisionAndFileArePercentEncoded) {
  HubOptions o;
  o.endpoint = "https://hub.example/";
  o.repo = "org/name";
  o.revision = "refs/pr/1";
  EXPECT_EQ(repo_api_url(o),
            "https://hub.example/api/models/org/name/revision/refs%2Fpr%2F1?blobs=true");
  EXPECT_EQ(resolve_url(o, o.revision, "sub dir/a+b.bin"),
            "https://hub.example/org/name/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.bin");
}

TEST(HubUrls, OriginIncludesSchemeHostAndPort) {
  EXPECT_EQ(url_origin("https://HuggingFace.co/x/y"), "https://huggingface.co:443");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
  EXPECT_NE(url_origin("http://127.0.0.1:8080/a"), url_origin("http://127.0.0.1:8081/a"));
  EXPECT_NE(url_origin("https://huggingface.co/a"), url_origin("https://cdn-lfs.huggingface.co/a"));
  EXPECT_EQ(url_origin("not a url"), "");
}

TEST(HubEtag, QuotesAndWeakPrefixAreStripped) {
  EXPECT_EQ(normalize_etag("\"abc\""), "abc");
  EXPECT_EQ(normalize_etag("W/\"abc\""), "abc");
  EXPECT_EQ(normalize_etag("abc"), "abc");
  EXPECT_TRUE(is_sha256_hex(std::string(64, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(40, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
}

TEST(HubCache, FolderNameFollowsHuggingFace) {
  EXPECT_EQ(cache_folder_name("EleutherAI/gpt-j-6B"), "models--EleutherAI--gpt-j-6B");
  EXPECT_EQ(cache_folder_name("gpt2"), "models--gpt2");
}

class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
    for (const auto& n : names_) {
      const char* v = std::getenv(n.c_str());
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i]) {
        setenv(names_[i].c_str(), saved_[i]->c_str(), 1);
      } else {
        unsetenv(names_[i].c_str());
      }
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::optional<std::string>> saved_;
};

TEST(HubOptionsFromEnv, DefaultsAndOverrides) {
  EnvGuard guard({"HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE",
                  "HF_HUB_CACHE", "HF_HOME"});
  HubOptions d = hub_options_from_env();
  EXPECT_EQ(d.endpoint, "https://huggingface.co");
  EXPECT_EQ(d.repo, "EleutherAI/gpt-j-6B");
  EXPECT_EQ(d.revision, "main");
  EXPECT_EQ(d.token, "");
  EXPECT_FALSE(d.offline);
  EXPECT_EQ(d.cache_dir, std::nullopt);

  setenv("HF_ENDPOINT", "http://mirror:9", 1);
  setenv("HF_TOKEN", "hf_x", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  setenv("HF_HOME", "/h", 1);
  HubOptions e = hub_options_from_env();
  EXPECT_EQ(e.endpoint, "http://mirror:9");
  EXPECT_EQ(e.token, "hf_x");
  EXPECT_TRUE(e.offline);
  EXPECT_EQ(e.cache_dir, "/h/hub");
  setenv("HF_HUB_CACHE", "/c", 1);
  setenv("HF_HUB_OFFLINE", "0", 1);
  EXPECT_EQ(hub_options_from_env().cache_dir, "/c");
  EXPECT_FALSE(hub_options_from_env().offline);
}

TEST(Sha256, KnownVectorsAndIncrementalUse) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update("a", 1);
  h.update("bc", 2);
  EXPECT_EQ(h.hex_digest(), sha256_hex("abc"));
  EXPECT_EQ(h.hex_digest(), sha256_hex(""));  // reset after a digest
  h.update("zzz", 3);
  h.reset();
  h.update("abc", 3);
  EXPECT_EQ(h.hex_digest(), sha256_hex("abc"));
}

TEST(Sha256, FilePrefix) {
  TempDir d;
  write_file(d / "f", "abcdef");
  Sha256 h;
  sha256_update_from_file(h, d / "f", 3);
  EXPECT_EQ(h.hex_digest(), sha256_hex("abc"));
  EXPECT_EQ(error_of([&] { sha256_update_from_file(h, d / "f", 10); }),
            d / "f" + ": shorter than 10 bytes");
  EXPECT_EQ(error_of([&] { sha256_update_from_file(h, d / "missing"); }),
            d / "missing" + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace ckpt::hub
