// Writes a GPT-J-shaped HF checkpoint of random weights for the convert/verify benchmarks:
// config.json + model.safetensors (float32 or bfloat16), with the real GPT-J 6B tensor sizes
// (E=4096, I=16384, V=50400) and as many layers as the disk allows.
//
//   make_gptj_checkpoint OUT_DIR LAYERS [f32|bf16]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "formats/safetensors_writer.h"
#include "io/error.h"
#include "models/registry.h"

namespace {

// xorshift64*: fast, deterministic filler. Values are small floats (|x| < 0.06).
struct Random {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint32_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<uint32_t>((s * 0x2545F4914F6CDD1Dull) >> 32);
  }
};

void fill(std::vector<uint8_t>& buf, ckpt::DType dtype, Random& rng) {
  for (size_t i = 0; i + 4 <= buf.size(); i += 4) {
    const uint32_t r = rng.next();
    // Random mantissa and sign, exponent fixed around 2^-5.
    const uint32_t f = (r & 0x807FFFFFu) | (122u << 23);
    if (dtype == ckpt::DType::kF32) {
      std::memcpy(&buf[i], &f, 4);
    } else {
      const uint16_t hi = static_cast<uint16_t>(f >> 16), lo = static_cast<uint16_t>((f ^ r) >> 16);
      std::memcpy(&buf[i], &hi, 2);
      std::memcpy(&buf[i + 2], &lo, 2);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_gptj_checkpoint OUT_DIR LAYERS [f32|bf16]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int layers = std::atoi(argv[2]);
  const bool bf16 = argc > 3 && std::string(argv[3]) == "bf16";
  try {
    std::filesystem::create_directories(dir);
    const nlohmann::json config = {
        {"model_type", "gptj"}, {"n_embd", 4096},   {"n_layer", layers},   {"n_head", 16},
        {"rotary_dim", 64},     {"n_inner", 16384}, {"n_positions", 2048}, {"vocab_size", 50400}};
    const ckpt::ModelFamily* gptj = nullptr;
    for (const ckpt::ModelFamily* f : ckpt::model_families()) {
      if (f->model_type() == "gptj") gptj = f;
    }
    const ckpt::ModelSpec model = gptj->from_hf_config(config, dir + "/config.json", false);
    std::ofstream(dir + "/config.json") << gptj->hf_config_json(model.params);

    std::vector<ckpt::TensorSpec> specs;
    for (const auto& row :
         ckpt::expand_table(gptj->table(), model.dims, false, ckpt::TableBounds::unlimited())) {
      if (row.tf_name.empty()) continue;  // buffers: not needed for the benchmark
      specs.push_back({row.hf_name, bf16 ? ckpt::DType::kBF16 : ckpt::DType::kF32, row.hf_shape});
    }
    auto writer = ckpt::make_safetensors_writer(dir, specs);
    Random rng;
    std::vector<uint8_t> buf(8u << 20);
    for (const auto& spec : specs) {
      writer->begin_tensor(spec);
      for (uint64_t left = spec.byte_size(); left > 0;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
        fill(buf, spec.dtype, rng);
        writer->append({buf.data(), n});
        left -= n;
      }
      writer->end_tensor();
    }
    writer->finish();
    writer->commit();
  } catch (const ckpt::Error& e) {
    std::fprintf(stderr, "make_gptj_checkpoint: %s\n", e.what());
    return 1;
  }
  return 0;
}
