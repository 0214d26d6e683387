#include "cli/command.h"
#include "cli/progress_bar.h"
#include "convert/verifier.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

int run(const Args& args, std::ostream& out, std::ostream&) {
  VerifyOptions opt;
  opt.input_dir = args.required("input-dir");
  opt.output_dir = args.required("output-dir");
  opt.share_embeddings = args.flag("share-embeddings");
  opt.strict = args.flag("strict");
  opt.threads = threads_option(args);
  ProgressBar bar(progress_wanted(args.flag("no-progress")));
  const VerifyResult r = verify_cs_against_hf(opt, bar);
  for (const std::string& p : r.problems) out << "MISMATCH " << p << "\n";
  if (!r.skipped.empty()) {
    out << "skipped " << r.skipped.size() << " training-state variable"
        << (r.skipped.size() == 1 ? "" : "s") << " (global_step, optimizer slots):";
    for (size_t i = 0; i < r.skipped.size() && i < 5; ++i) out << (i ? ", " : " ") << r.skipped[i];
    out << (r.skipped.size() > 5 ? ", ...\n" : "\n");
  }
  if (!r.ok()) {
    out << "verification FAILED: " << r.problems.size() << " problem"
        << (r.problems.size() == 1 ? "" : "s") << " (" << r.tensors << " tensors compared)\n";
    return static_cast<int>(ExitCode::kMismatch);
  }
  out << "verified " << r.tensors << " tensors, " << r.parameters << " parameters\n";
  return 0;
}

}  // namespace

const Command& verify_command() {
  static const Command c{
      "verify",
      "check a converted checkpoint against its HF source, bit for bit",
      "ckptconv verify --input_dir HF_DIR --output_dir OUT_DIR [options]",
      "Compares every variable of the TensorFlow checkpoint in OUT_DIR with the HF tensor it\n"
      "comes from (after undoing the transpose): names, dtypes, shapes, every value bit for bit,\n"
      "and every stored crc32c. Prints one MISMATCH line per problem and exits 1 if there is\n"
      "any; prints 'verified N tensors, M parameters' and exits 0 otherwise. bfloat16/float16\n"
      "TF variables (a trained checkpoint) are compared widened exactly to float32; training\n"
      "state saved beside the weights (global_step, beta1_power/beta2_power, optimizer slots\n"
      "such as <var>/Adam) is skipped with a count, or reported as unexpected with --strict.",
      {opt_input_dir("the HuggingFace model directory that was converted"),
       opt_output_dir("the converted Cerebras checkpoint directory"),
       opt_share_embeddings(),
       {"strict", "", "training state (global_step, optimizer slots) is unexpected too"},
       opt_threads(),
       opt_no_progress()},
      run};
  return c;
}

}  // namespace ckpt::cli
