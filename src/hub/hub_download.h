// Fetching a model (config.json + its weights) from the HuggingFace Hub into a directory.
#pragma once

#include <string>
#include <vector>

#include "hub/hub_options.h"
#include "io/progress.h"

namespace ckpt::hub {

// Downloads config.json and the weights the revision has (model.safetensors[.index.json], else
// pytorch_model.bin[.index.json], plus the shards an index names) into `output_dir`. With
// options.cache_dir the files go into the HF cache and are hard-linked (or copied) into
// `output_dir`; files the cache already has are not downloaded again. Files already in
// `output_dir` (with the size the hub lists) are kept. Offline, the files must already be in
// `output_dir` or in the cache, else Error(kIo) names what is missing.
// Returns the local paths: config.json, then the index if any, then the weight files.
std::vector<std::string> download_model(const HubOptions& options, const std::string& output_dir,
                                        Progress& progress);

}  // namespace ckpt::hub
