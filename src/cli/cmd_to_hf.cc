#include "cli/command.h"
#include "cli/progress_bar.h"
#include "convert/to_hf.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

int run(const Args& args, std::ostream& out, std::ostream& err) {
  ToHfOptions opt;
  opt.input_dir = args.required("input-dir");
  opt.output_dir = args.required("output-dir");
  opt.format = args.value("format").value_or("safetensors");
  if (opt.format != "safetensors" && opt.format != "bin") {
    throw_usage("--format must be safetensors or bin, got '" + opt.format + "'");
  }
  if (auto v = args.value("share-embeddings")) {
    if (*v == "yes" || *v == "true") {
      opt.share_embeddings = true;
    } else if (*v == "no" || *v == "false") {
      opt.share_embeddings = false;
    } else if (*v != "auto") {
      throw_usage("--share_embeddings must be auto, yes or no, got '" + *v + "'");
    }
  }
  if (auto v = args.value("max-shard-size")) opt.max_shard_bytes = parse_size(*v);
  opt.strict = args.flag("strict");
  opt.force = args.flag("force");
  opt.threads = threads_option(args);
  ProgressBar bar(progress_wanted(args.flag("no-progress")));
  const ToHfResult r = convert_cs_to_hf(opt, bar);
  for (const std::string& note : r.notes) err << "ckptconv: note: " << note << "\n";
  if (!r.skipped.empty()) {
    out << "skipped " << r.skipped.size() << " variable" << (r.skipped.size() == 1 ? "" : "s")
        << " that are not model weights:";
    for (size_t i = 0; i < r.skipped.size() && i < 5; ++i) out << (i ? ", " : " ") << r.skipped[i];
    out << (r.skipped.size() > 5 ? ", ...\n" : "\n");
  }
  out << "wrote " << r.tensors << " tensors, " << r.parameters << " parameters ("
      << (opt.format == "bin" ? "pytorch_model.bin" : "safetensors")
      << (r.shared ? ", shared embeddings" : "") << ") into " << opt.output_dir << "\n";
  return 0;
}

}  // namespace

const Command& to_hf_command() {
  static const Command c{
      "to-hf",
      "Cerebras TensorFlow checkpoint -> HF checkpoint",
      "ckptconv to-hf --input_dir CS_DIR --output_dir HF_DIR [options]",
      "Reads the Cerebras TensorFlow checkpoint in CS_DIR (and its params.yaml, which tells the\n"
      "model family) and writes a HuggingFace directory: config.json plus model.safetensors "
      "(sharded with an index\n"
      "above --max_shard_size) or pytorch_model.bin. Kernels are transposed back, the attention\n"
      "buffers are recreated as HF has them, and with shared embeddings lm_head.weight is rebuilt\n"
      "from the embedding. Variables that are not model weights (optimizer slots, global_step)\n"
      "are skipped with a summary, or refused with --strict.",
      {opt_input_dir("the Cerebras checkpoint directory"),
       opt_output_dir("where the HF model is written"),
       {"format", "FMT", "safetensors (default) or bin"},
       {"share-embeddings", "WHEN", "auto (default: told by the variable names), yes or no"},
       {"max-shard-size", "SIZE", "largest safetensors shard (default 5GB)"},
       {"strict", "", "fail on variables that are not model weights"},
       opt_threads(),
       opt_no_progress(),
       opt_force()},
      run};
  return c;
}

}  // namespace ckpt::cli
