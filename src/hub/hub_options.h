// Settings for talking to the HuggingFace Hub: where, as whom, whether at all, and how patiently.
#pragma once

#include <optional>
#include <string>

namespace ckpt::hub {

struct HubOptions {
  std::string repo = "EleutherAI/gpt-j-6B";
  std::string revision = "main";
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT; no trailing slash needed
  std::string token;                                // HF_TOKEN; sent as "Bearer" to endpoint only
  bool offline = false;                             // --offline or HF_HUB_OFFLINE=1
  // Root of the HF cache ("hub/" layout: models--ORG--NAME/{blobs,snapshots,refs}). When set,
  // files are downloaded into it and then hard-linked (or copied) into the output directory.
  std::optional<std::string> cache_dir;

  int max_retries = 5;             // extra attempts after 5xx or a dropped connection
  long initial_backoff_ms = 1000;  // doubled after every failed attempt
  long max_backoff_ms = 30000;
  long connect_timeout_s = 30;
  long low_speed_time_s = 60;  // abort an attempt that moves < 1 byte/s for this long
  int max_redirects = 10;
};

// Defaults overridden from the environment: HF_ENDPOINT, HF_TOKEN (or HUGGING_FACE_HUB_TOKEN),
// HF_HUB_OFFLINE (1/true/yes/on), HF_HUB_CACHE, else HF_HOME/hub, for cache_dir.
HubOptions hub_options_from_env();

}  // namespace ckpt::hub
