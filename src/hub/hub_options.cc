#include "hub/hub_options.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ckpt::hub {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

bool truthy(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

}  // namespace

HubOptions hub_options_from_env() {
  HubOptions o;
  if (std::string e = env_or_empty("HF_ENDPOINT"); !e.empty()) o.endpoint = e;
  o.token = env_or_empty("HF_TOKEN");
  if (o.token.empty()) o.token = env_or_empty("HUGGING_FACE_HUB_TOKEN");
  o.offline = truthy(env_or_empty("HF_HUB_OFFLINE"));
  if (std::string c = env_or_empty("HF_HUB_CACHE"); !c.empty()) {
    o.cache_dir = c;
  } else if (std::string h = env_or_empty("HF_HOME"); !h.empty()) {
    o.cache_dir = h + "/hub";
  }
  return o;
}

}  // namespace ckpt::hub
