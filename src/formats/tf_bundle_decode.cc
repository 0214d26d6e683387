#include "formats/tf_bundle_decode.h"

#include <google/protobuf/stubs/logging.h>

#include <climits>

#include "formats/quote.h"
#include "formats/tf_dtype.h"
#include "io/error.h"
#include "tensor_bundle.pb.h"  // generated into the build tree

namespace ckpt {
namespace {

constexpr int32_t kMaxShards = 100000;  // TF names shards with 5 digits

// A hostile proto is refused with our one-line error; libprotobuf must not also print its own
// "[libprotobuf ERROR ...]" line (e.g. for invalid UTF-8 in a string field) on stderr.
template <typename Proto>
bool parse(Proto& proto, std::string_view bytes) {
  const google::protobuf::LogSilencer quiet;
  return bytes.size() <= static_cast<size_t>(INT_MAX) &&
         proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

}  // namespace

int32_t decode_tf_bundle_header(std::string_view bytes, const std::string& index_path) {
  tfproto::BundleHeaderProto header;
  if (!parse(header, bytes)) {
    throw_bad_input(index_path,
                    "bad BundleHeaderProto (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (header.endianness() != tfproto::BundleHeaderProto::LITTLE) {
    throw_bad_input(index_path, "big-endian bundles are not supported");
  }
  if (header.num_shards() < 1 || header.num_shards() > kMaxShards) {
    throw_bad_input(index_path, "bad num_shards " + std::to_string(header.num_shards()) +
                                    " in the bundle header");
  }
  if (header.version().min_consumer() > 1) {
    throw_bad_input(index_path, "bundle needs a reader of version " +
                                    std::to_string(header.version().min_consumer()) +
                                    " or newer (this one is 1)");
  }
  return header.num_shards();
}

TfBundleEntry decode_tf_bundle_entry(std::string name, std::string_view bytes, int32_t num_shards,
                                     const std::string& index_path) {
  tfproto::BundleEntryProto proto;
  if (!parse(proto, bytes)) {
    throw_bad_input(index_path, "bad BundleEntryProto for tensor " + quoted(name));
  }
  auto bad = [&](const std::string& what) {
    throw_bad_input(index_path, "tensor " + quoted(name) + ": " + what);
  };
  if (proto.slices_size() > 0) bad("partitioned (sliced) tensors are not supported");
  const std::optional<DType> dtype = dtype_from_tf(proto.dtype());
  if (!dtype) bad("unsupported dtype " + tf_dtype_name(proto.dtype()));
  if (proto.shape().unknown_rank()) bad("shape has unknown rank");
  TfBundleEntry e;
  for (const auto& dim : proto.shape().dim()) {
    if (dim.size() < 0) bad("negative dimension " + std::to_string(dim.size()));
    e.shape.push_back(dim.size());
  }
  const int64_t data_bytes = shape_bytes(e.shape, *dtype);
  if (data_bytes < 0) {
    bad("shape " + shape_to_string(e.shape) + " of " + std::string(dtype_name(*dtype)) +
        " has a byte size that overflows 64 bits");
  }
  if (proto.shard_id() < 0 || proto.shard_id() >= num_shards) {
    bad("shard_id " + std::to_string(proto.shard_id()) + " is not below num_shards " +
        std::to_string(num_shards));
  }
  if (proto.offset() < 0 || proto.size() < 0) bad("negative offset or size");
  if (*dtype != DType::kString && proto.size() != data_bytes) {
    bad("size " + std::to_string(proto.size()) + " does not match shape " +
        shape_to_string(e.shape) + " of " + std::string(dtype_name(*dtype)) + " (" +
        std::to_string(data_bytes) + " bytes)");
  }
  e.name = std::move(name);
  e.dtype = *dtype;
  e.tf_dtype = proto.dtype();
  e.shard_id = proto.shard_id();
  e.offset = static_cast<uint64_t>(proto.offset());
  e.size = static_cast<uint64_t>(proto.size());
  e.masked_crc32c = proto.crc32c();
  return e;
}

}  // namespace ckpt
