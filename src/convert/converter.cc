#include "convert/converter.h"

#include <filesystem>
#include <iomanip>

#include "convert/output_dir.h"
#include "convert/side_files.h"
#include "convert/tensor_stream.h"
#include "formats/checkpoint_discovery.h"
#include "formats/tf_bundle_writer.h"
#include "io/drop_behind.h"
#include "io/output_file.h"
#include "models/registry.h"

namespace ckpt {
namespace {

std::string join(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

void print_debug(const Plan& plan, std::ostream& log) {
  log << "Initialized model with param count: " << plan.parameters << "\n";
  for (const PlannedTensor& p : plan.writes) {
    log << std::left << std::setw(44) << p.row.hf_name << " -> " << p.row.tf_name << " "
        << shape_to_string(p.row.tf_shape)
        << (p.row.op == TensorOp::kTranspose ? " (transposed)" : "")
        << (p.row.rows_note.empty() ? "" : " (" + p.row.rows_note + ")") << "\n";
  }
  for (const PlannedTensor& p : plan.skipped) {
    log << std::left << std::setw(44) << p.row.hf_name << " -> (not written)\n";
  }
}

}  // namespace

ConvertResult convert_hf_to_cs(const ConvertOptions& opt, Progress& progress, std::ostream& log) {
  const ModelSpec model =
      read_hf_model_config(join(opt.input_dir, "config.json"), opt.share_embeddings);
  const Checkpoint ckpt = open_checkpoint(opt.input_dir);
  const auto rows = expand_table(model.family->table(), model.dims, opt.share_embeddings,
                                 checkpoint_bounds(ckpt));
  const Plan plan = make_plan(ckpt, rows, model);
  if (opt.debug) print_debug(plan, log);

  prepare_output_dir(opt.output_dir, opt.force);
  // Small files first, uncommitted: a failure anywhere leaves nothing behind.
  OutputFile keys(join(opt.output_dir, "keys.json"));
  keys.write(keys_json(plan));
  OutputFile shapes(join(opt.output_dir, "shapes.json"));
  shapes.write(shapes_json(plan));
  OutputFile params(join(opt.output_dir, "params.yaml"));
  params.write(params_yaml(model.params, std::string(model.family->display_name())));
  OutputFile state(join(opt.output_dir, "checkpoint"));
  state.write(tf_checkpoint_state_text(kTfPrefixName));

  std::vector<TensorSpec> arriving;
  for (const PlannedTensor& p : plan.writes) {
    arriving.push_back({p.row.tf_name, DType::kF32, p.row.tf_shape});
  }
  auto writer = make_tf_bundle_writer(join(opt.output_dir, kTfPrefixName), arriving);
  progress.start("convert", plan.output_bytes);
  {
    Workers workers(opt.threads);
    WriteBehind out(*writer, opt.buffer_bytes, 2, progress);
    std::vector<DropBehind::Range> ranges;
    for (const PlannedTensor& p : plan.writes) {
      ranges.push_back({p.source->file, p.source->offset, p.source->span_bytes()});
    }
    DropBehind behind(std::move(ranges));
    for (size_t i = 0; i < plan.writes.size(); ++i) {
      const PlannedTensor& p = plan.writes[i];
      stream_tensor(*p.source, p.row.op, p.row.rows(), arriving[i], out, workers);
      behind.consumed(i + 1);
    }
    out.drain();
  }
  writer->finish();
  progress.finish();

  writer->commit();
  keys.commit();
  shapes.commit();
  params.commit();
  state.commit();  // last: its presence means the checkpoint is complete

  return {ckpt.format, plan.writes.size(), plan.parameters, plan.output_bytes, model.notes};
}

}  // namespace ckpt
