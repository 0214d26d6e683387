#include "formats/tf_bundle_index.h"

#include <leveldb/options.h>
#include <leveldb/table_builder.h>

#include <algorithm>

#include "formats/tf_leveldb_files.h"
#include "io/error.h"
#include "tensor_bundle.pb.h"  // generated into the build tree

namespace ckpt {
namespace {

constexpr size_t kIndexBlockSize = 262144;  // TF's table block size; part of byte identity

}  // namespace

std::string encode_tf_bundle_entry(const TfBundleEntry& entry) {
  tfproto::BundleEntryProto proto;
  proto.set_dtype(static_cast<tfproto::DataType>(entry.tf_dtype));
  tfproto::TensorShapeProto* shape = proto.mutable_shape();  // present even for scalars
  for (int64_t d : entry.shape) shape->add_dim()->set_size(d);
  proto.set_shard_id(entry.shard_id);
  proto.set_offset(static_cast<int64_t>(entry.offset));
  proto.set_size(static_cast<int64_t>(entry.size));
  proto.set_crc32c(entry.masked_crc32c);
  return proto.SerializeAsString();
}

std::string encode_tf_bundle_header(int32_t num_shards) {
  tfproto::BundleHeaderProto header;
  header.set_num_shards(num_shards);
  header.set_endianness(tfproto::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(1);
  return header.SerializeAsString();
}

void write_tf_bundle_index(OutputFile& out, std::vector<TfBundleEntry> entries,
                           int32_t num_shards) {
  // std::string's operator< compares like memcmp, i.e. leveldb's bytewise comparator.
  std::sort(entries.begin(), entries.end(),
            [](const TfBundleEntry& a, const TfBundleEntry& b) { return a.name < b.name; });
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].name.empty()) {
      throw_bad_input(out.final_path(),
                      "a tensor name must not be empty (the empty key holds the bundle header)");
    }
    if (i > 0 && entries[i].name == entries[i - 1].name) {
      throw_bad_input(out.final_path(), "duplicate tensor name '" + entries[i].name + "'");
    }
  }
  leveldb::Options options;
  options.block_size = kIndexBlockSize;
  options.compression = leveldb::kNoCompression;
  options.filter_policy = nullptr;
  LevelDbOutputFile file(out);
  leveldb::TableBuilder builder(options, &file);
  builder.Add("", encode_tf_bundle_header(num_shards));
  for (const TfBundleEntry& e : entries) builder.Add(e.name, encode_tf_bundle_entry(e));
  const leveldb::Status status = builder.Finish();
  file.rethrow_if_failed();
  if (!status.ok()) {
    throw_io(out.final_path(), "cannot build the index table: " + status.ToString());
  }
}

}  // namespace ckpt
