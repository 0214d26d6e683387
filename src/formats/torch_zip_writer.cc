#include "formats/torch_zip_writer.h"

#include <set>

#include "formats/pickle_writer.h"
#include "formats/zip_writer.h"
#include "io/error.h"
#include "io/output_file.h"

namespace ckpt {
namespace {

// Records, all under "archive/": data.pkl first (every spec is known up front), then one
// storage per tensor, data/0, data/1, ... in arrival order, then version ("3\n": the
// serialization format torch 1.6+ writes) and byteorder ("little", read by torch >= 2.1).
class TorchZipWriter final : public TensorWriter {
 public:
  TorchZipWriter(const std::string& path, std::vector<TensorSpec> specs)
      : specs_(std::move(specs)), out_(path), zip_(out_) {
    std::set<std::string> names;
    std::vector<PickledTensor> pickled;
    for (size_t i = 0; i < specs_.size(); ++i) {
      const TensorSpec& s = specs_[i];
      if (!names.insert(s.name).second)
        throw_bad_input(path, "tensor '" + s.name + "' is given twice");
      pickled.push_back({s.name, s.dtype, s.shape, std::to_string(i)});
    }
    const std::string pkl = torch_state_dict_pickle(pickled, path);
    zip_.add_entry(kTop + "data.pkl", as_bytes(pkl));
    uint64_t at = zip_.size();
    for (size_t i = 0; i < specs_.size(); ++i) {
      const uint64_t data =
          ZipWriter::data_start(at, storage_name(i).size(), specs_[i].byte_size());
      planned_.push_back(data);
      at = data + specs_[i].byte_size();
    }
  }

  std::optional<uint64_t> planned_data_offset(size_t index) const override {
    if (index >= planned_.size()) return std::nullopt;
    return planned_[index];
  }

  void begin_tensor(const TensorSpec& spec) override {
    if (in_tensor_) throw_bad_input(out_.final_path(), "begin_tensor before end_tensor");
    if (next_ >= specs_.size()) {
      throw_bad_input(out_.final_path(), "tensor '" + spec.name + "' was not declared");
    }
    const TensorSpec& want = specs_[next_];
    if (spec.name != want.name || spec.dtype != want.dtype || spec.shape != want.shape) {
      throw_bad_input(out_.final_path(),
                      "tensor '" + spec.name + "' " + std::string(dtype_name(spec.dtype)) +
                          shape_to_string(spec.shape) + " arrives where '" + want.name + "' " +
                          std::string(dtype_name(want.dtype)) + shape_to_string(want.shape) +
                          " was declared");
    }
    zip_.begin_entry(storage_name(next_), want.byte_size());
    in_tensor_ = true;
  }

  void append(std::span<const uint8_t> bytes) override {
    if (!in_tensor_) throw_bad_input(out_.final_path(), "append outside a tensor");
    zip_.append(bytes);
  }

  void end_tensor() override {
    if (!in_tensor_) throw_bad_input(out_.final_path(), "end_tensor outside a tensor");
    zip_.end_entry();
    in_tensor_ = false;
    ++next_;
  }

  void finish() override {
    if (in_tensor_ || next_ != specs_.size()) {
      throw_bad_input(out_.final_path(), "finish before tensor '" +
                                             specs_[std::min(next_, specs_.size() - 1)].name +
                                             "' was written");
    }
    zip_.add_entry(kTop + "version", as_bytes("3\n"));
    zip_.add_entry(kTop + "byteorder", as_bytes("little"));
    zip_.finish();
    finished_ = true;
  }

  void commit() override {
    if (!finished_) throw_bad_input(out_.final_path(), "commit before finish");
    out_.commit();
  }

 private:
  static std::string storage_name(size_t i) { return kTop + "data/" + std::to_string(i); }
  static std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  inline static const std::string kTop = "archive/";
  std::vector<TensorSpec> specs_;
  std::vector<uint64_t> planned_;  // each storage's data offset, laid out as ZipWriter will
  OutputFile out_;
  ZipWriter zip_;
  size_t next_ = 0;
  bool in_tensor_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<TensorWriter> make_torch_zip_writer(const std::string& path,
                                                    std::vector<TensorSpec> specs) {
  return std::make_unique<TorchZipWriter>(path, std::move(specs));
}

}  // namespace ckpt
