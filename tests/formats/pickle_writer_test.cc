#include "formats/pickle_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "formats/checkpoint.h"
#include "formats/torch_reader.h"
#include "formats/zip_reader.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Checked with Python's pickletools.dis and a pickle.Unpickler with stub globals:
// OrderedDict([('w', rebuild(('storage', FloatStorage, '0', 'cpu', 6), 0, (2, 3), (3, 1),
// False, OrderedDict())), ('b', rebuild(('storage', BFloat16Storage, '1', 'cpu', 1), 0, (),
// (), False, OrderedDict()))]).
TEST(PickleWriter, ExactBytesForTwoTensors) {
  const std::string got =
      torch_state_dict_pickle({{"w", DType::kF32, {2, 3}, "0"}, {"b", DType::kBF16, {}, "1"}}, "f");
  const std::string want = unhex(
      "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000007771026374"
      "6f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f72"
      "616765710463746f7263680a466c6f617453746f726167650a71055801000000307106580300000063707571"
      "074b06747108514b004b024b038671094b034b0186710a8968002952710b74710c52710d580100000062710e"
      "68032828680463746f7263680a42466c6f6174313653746f726167650a710f580100000031711068074b0174"
      "7111514b00292989680029527112747113527114752e");
  EXPECT_EQ(got.size(), 242u);
  EXPECT_TRUE(got == want);
}

// torch.save wrote tests/data/gptj-tiny/pytorch_model.bin. Our pickle of the same tensors is
// byte for byte its data.pkl, up to the SETITEMS that ends the dict (torch then adds the
// module `_metadata` attribute with a BUILD, which we do not write).
TEST(PickleWriter, MatchesTorchSaveOpcodeForOpcode) {
  const std::string path = test_data("gptj-tiny/pytorch_model.bin");
  const Checkpoint ckpt = read_pytorch_file(path);
  std::vector<PickledTensor> tensors;
  for (const TensorView& t : ckpt.tensors) {
    tensors.push_back({t.name, t.dtype, t.shape, std::to_string(tensors.size())});
  }
  const std::string ours = torch_state_dict_pickle(tensors, "f");
  const ZipArchive zip = ZipArchive::open(MappedFile::open(path));
  const auto pkl = zip.data(*zip.find("pytorch_model/data.pkl"));
  const std::string theirs(reinterpret_cast<const char*>(pkl.data()), pkl.size());
  ASSERT_GT(theirs.size(), ours.size());
  EXPECT_TRUE(theirs.substr(0, ours.size() - 1) == ours.substr(0, ours.size() - 1));
  EXPECT_EQ(ours[ours.size() - 2], 'u');
}

TEST(PickleWriter, LargeIntegersAndLongTuples) {
  const std::string got =
      torch_state_dict_pickle({{"big", DType::kBool, {70000, 1, 40000, 2}, "7"}}, "f");
  // numel 5,600,000,000 needs LONG1 with 5 bytes; 70000 is a BININT, 40000 a BININT2; a
  // 4-tuple is MARK ... TUPLE.
  EXPECT_NE(got.find(std::string("\x8a\x05\x00\x38\xc9\x4d\x01", 7)), std::string::npos);
  EXPECT_NE(got.find(std::string("(J\x70\x11\x01\x00K\x01M\x40\x9cK\x02t", 14)), std::string::npos);
  EXPECT_NE(got.find(std::string("(J\x80\x38\x01\x00J\x80\x38\x01\x00K\x02K\x01t", 16)),
            std::string::npos);
}

TEST(PickleWriter, RefusesStrings) {
  try {
    torch_state_dict_pickle({{"s", DType::kString, {1}, "0"}}, "out.bin");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "out.bin: tensor 's' has dtype string, which a PyTorch checkpoint "
                 "cannot hold");
  }
}

TEST(PickleWriter, StorageClasses) {
  EXPECT_EQ(torch_storage_class(DType::kF32), "FloatStorage");
  EXPECT_EQ(torch_storage_class(DType::kF64), "DoubleStorage");
  EXPECT_EQ(torch_storage_class(DType::kF16), "HalfStorage");
  EXPECT_EQ(torch_storage_class(DType::kBF16), "BFloat16Storage");
  EXPECT_EQ(torch_storage_class(DType::kI64), "LongStorage");
  EXPECT_EQ(torch_storage_class(DType::kI32), "IntStorage");
  EXPECT_EQ(torch_storage_class(DType::kI16), "ShortStorage");
  EXPECT_EQ(torch_storage_class(DType::kI8), "CharStorage");
  EXPECT_EQ(torch_storage_class(DType::kU8), "ByteStorage");
  EXPECT_EQ(torch_storage_class(DType::kBool), "BoolStorage");
}

}  // namespace
}  // namespace ckpt
