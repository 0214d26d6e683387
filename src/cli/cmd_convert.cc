#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/hub_step.h"
#include "cli/progress_bar.h"
#include "convert/converter.h"
#include "models/registry.h"

namespace ckpt::cli {
namespace {

int run(const Args& args, std::ostream& out, std::ostream& err) {
  ConvertOptions opt;
  opt.input_dir = args.required("input-dir");
  opt.output_dir = args.required("output-dir");
  opt.share_embeddings = args.flag("share-embeddings");
  opt.debug = args.flag("debug");
  opt.force = args.flag("force");
  opt.threads = threads_option(args);
  opt.buffer_bytes = static_cast<size_t>(args.integer("buffer-mb", 64, 1, 4096)) << 20;
  const bool show_progress = progress_wanted(args.flag("no-progress"));
  if (!has_local_model(opt.input_dir)) {
    // A config.json that is there must be a supported model's before gigabytes are fetched.
    const auto config = std::filesystem::path(opt.input_dir) / "config.json";
    if (std::filesystem::exists(config))
      read_hf_model_config(config.string(), opt.share_embeddings);
    download_into(args, opt.input_dir, show_progress, out);
  }
  ProgressBar bar(show_progress);
  const ConvertResult r = convert_hf_to_cs(opt, bar, out);
  for (const std::string& note : r.notes) err << "ckptconv: note: " << note << "\n";
  out << "converted " << r.tensors_written << " tensors, " << r.parameters << " parameters ("
      << r.format << ") into " << opt.output_dir << "\n";
  return 0;
}

std::string description() {
  std::string families;
  for (const ModelFamily* f : model_families()) {
    families += std::string(families.empty() ? "" : ", ") + std::string(f->model_type()) + " (" +
                std::string(f->display_name()) + ")";
  }
  return "Reads the HuggingFace checkpoint in HF_DIR (config.json, whose model_type chooses the\n"
         "model family, plus pytorch_model.bin, model.safetensors, or their sharded forms;\n"
         "float32, float16 or bfloat16) and writes a TensorFlow checkpoint for the Cerebras model\n"
         "code into OUT_DIR: tf_model.ckpt.index, tf_model.ckpt.data-00000-of-00001, checkpoint,\n"
         "keys.json, shapes.json and params.yaml. Nothing appears in OUT_DIR until every file is\n"
         "complete. When HF_DIR has no weights, the model is first downloaded into it from the\n"
         "HuggingFace Hub (see ckptconv download).\nSupported model_type values: " +
         families + ".";
}

}  // namespace

const Command& convert_command() {
  static const std::string text = description();
  static const Command c{
      "convert",
      "HF checkpoint -> Cerebras TensorFlow checkpoint",
      "ckptconv convert --input_dir HF_DIR --output_dir OUT_DIR [options]",
      text.c_str(),
      {opt_input_dir("HuggingFace model directory (config.json + weights)"),
       opt_output_dir("where the Cerebras checkpoint is written"),
       opt_share_embeddings(),
       {"debug", "", "print the parameter count and the HF -> TF name table"},
       opt_threads(),
       {"buffer-mb", "MB", "size of each of the two output buffers (default 64)"},
       opt_no_progress(),
       opt_force()},
      run};
  static const Command with_hub = [] {
    Command full = c;
    for (OptionSpec& s : hub_option_specs()) full.options.push_back(std::move(s));
    return full;
  }();
  return with_hub;
}

}  // namespace ckpt::cli
