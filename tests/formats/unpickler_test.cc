// The restricted unpickler on hand-built pickles: every supported value type, and every way a
// hostile pickle is refused (exact messages).
#include "formats/unpickler.h"

#include <gtest/gtest.h>

#include "formats/torch_pickle.h"
#include "formats/zip_reader.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt::pickle {
namespace {

using namespace std::string_literals;

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Options torch_options() {
  Options o;
  o.file = "f.bin";
  o.label = "data.pkl";
  o.allowed_globals = torch_allowed_globals();
  return o;
}

// The error message of unpickling `bytes` with the torch hooks, or "no error".
std::string error_of(const std::string& bytes, Options options = torch_options()) {
  TorchPickleHooks hooks(false);
  Unpickler u(as_bytes(bytes), std::move(options), &hooks);
  try {
    u.load();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  return "no error";
}

TEST(Unpickler, Protocol4ValuesMemoAndFraming) {
  // pickle.dumps({'a': [1, -2, 3.5, None, True, False, 'é', b'xy', (1, 2, 3), 2**40, -2**70,
  //               -129]}, protocol=4)
  const std::string bytes(
      "\x80\x04\x95\x49\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x8c\x01\x61\x94\x5d\x94\x28\x4b\x01"
      "\x4a\xfe\xff\xff\xff\x47\x40\x0c\x00\x00\x00\x00\x00\x00\x4e\x88\x89\x8c\x02\xc3\xa9\x94"
      "\x43\x02\x78\x79\x94\x4b\x01\x4b\x02\x4b\x03\x87\x94\x8a\x06\x00\x00\x00\x00\x00\x01\x8a"
      "\x09\x00\x00\x00\x00\x00\x00\x00\x00\xc0\x4a\x7f\xff\xff\xff\x65\x73\x2e",
      84);
  Unpickler u(as_bytes(bytes), torch_options(), nullptr);
  const Value* top = u.load();
  EXPECT_EQ(u.end_offset(), 84u);
  ASSERT_TRUE(top->is(Kind::kDict));
  ASSERT_EQ(top->dict_size(), 1u);
  EXPECT_EQ(top->items[0]->text, "a");
  const Value* list = top->items[1];
  ASSERT_TRUE(list->is(Kind::kList));
  ASSERT_EQ(list->items.size(), 12u);
  const auto& v = list->items;
  EXPECT_EQ(v[0]->integer, 1);
  EXPECT_EQ(v[1]->integer, -2);
  EXPECT_EQ(v[2]->real, 3.5);
  EXPECT_TRUE(v[3]->is(Kind::kNone));
  EXPECT_TRUE(v[4]->is(Kind::kBool) && v[4]->boolean);
  EXPECT_TRUE(v[5]->is(Kind::kBool) && !v[5]->boolean);
  EXPECT_EQ(v[6]->text, "\xc3\xa9");
  EXPECT_TRUE(v[7]->is(Kind::kBytes));
  EXPECT_EQ(v[7]->text, "xy");
  ASSERT_TRUE(v[8]->is(Kind::kTuple));
  EXPECT_EQ(v[8]->items.size(), 3u);
  EXPECT_EQ(v[8]->items[2]->integer, 3);
  EXPECT_EQ(v[9]->integer, int64_t{1} << 40);
  EXPECT_TRUE(v[10]->is(Kind::kBigInt));
  EXPECT_EQ(v[10]->text, std::string("\0\0\0\0\0\0\0\0\xc0", 9));
  EXPECT_EQ(v[11]->integer, -129);
}

TEST(Unpickler, MemoSharesObjectsAndCyclesAreHarmless) {
  // l = []; l.append(l); (l, l)
  const std::string bytes(
      "\x80\x02]q\x00h\x00"
      "ah\x00\x86.",
      12);
  Unpickler u(as_bytes(bytes), torch_options(), nullptr);
  const Value* t = u.load();
  ASSERT_TRUE(t->is(Kind::kTuple));
  EXPECT_EQ(t->items[0], t->items[1]);
  EXPECT_EQ(t->items[0]->items[0], t->items[0]);
}

TEST(Unpickler, RealDataPklGivesTheStateDict) {
  const ZipArchive zip =
      ZipArchive::open(MappedFile::open(test_data("gptj-tiny/pytorch_model.bin")));
  const ZipEntry* pkl = zip.find("pytorch_model/data.pkl");
  ASSERT_NE(pkl, nullptr);
  TorchPickleHooks hooks(false);
  Unpickler u(zip.data(*pkl), torch_options(), &hooks);
  const Value* top = u.load();
  EXPECT_EQ(u.end_offset(), pkl->size);
  const auto named = state_dict_tensors(u, *top);
  ASSERT_EQ(named.size(), 29u);
  EXPECT_EQ(named[0].name, "transformer.wte.weight");
  EXPECT_EQ(named[28].name, "lm_head.bias");
  EXPECT_EQ(hooks.storages().size(), 29u);
  const TorchTensor& wte = hooks.tensors()[named[0].tensor];
  EXPECT_EQ(wte.shape, (Shape{128, 64}));
  EXPECT_EQ(wte.strides, (Shape{64, 1}));
  EXPECT_EQ(hooks.storages()[wte.storage].dtype, DType::kF32);
  EXPECT_EQ(hooks.storages()[wte.storage].numel, 128 * 64);
}

TEST(Unpickler, RefusesOsSystem) {
  EXPECT_EQ(error_of("\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00ls\x85R."s),
            "f.bin: data.pkl: refusing global 'os.system' (not on the allow-list)");
}

TEST(Unpickler, RefusesBuiltinsEval) {
  EXPECT_EQ(error_of("\x80\x02\x63\x62uiltins\neval\nX\x01\x00\x00\x00\x31\x85R."s),
            "f.bin: data.pkl: refusing global 'builtins.eval' (not on the allow-list)");
}

TEST(Unpickler, RefusesStackGlobalOfABadName) {
  EXPECT_EQ(error_of("\x80\x04\x8c\x08\x62uiltins\x8c\x04\x65val\x93."s),
            "f.bin: data.pkl: refusing global 'builtins.eval' (not on the allow-list)");
  // Allow-listed names only match exactly.
  EXPECT_EQ(error_of("\x80\x04\x8c\x05torch\x8c\x0f_utils.__dict__\x93."s),
            "f.bin: data.pkl: refusing global 'torch._utils.__dict__' (not on the allow-list)");
}

TEST(Unpickler, HostileNamesAreEscapedInMessages) {
  EXPECT_EQ(error_of("\x80\x04\x8c\x03o\ns\x8c\x02\x01'\x93."s),
            "f.bin: data.pkl: refusing global 'o\\ns.\\x01\\'' (not on the allow-list)");
}

TEST(Unpickler, UnknownOpcode) {
  EXPECT_EQ(error_of("\x80\x02i."s),
            "f.bin: data.pkl: unsupported pickle opcode 0x69 ('i') at offset 2");
  EXPECT_EQ(error_of("\x80\x02\xff."s),
            "f.bin: data.pkl: unsupported pickle opcode 0xff at offset 2");
  // NEWOBJ is not needed by torch files and not supported.
  EXPECT_EQ(error_of("\x80\x02N)\x81."s),
            "f.bin: data.pkl: unsupported pickle opcode 0x81 at offset 4");
}

TEST(Unpickler, UnsupportedProtocol) {
  EXPECT_EQ(error_of("\x80\x06N."s), "f.bin: data.pkl: unsupported pickle protocol 6 at offset 0");
}

TEST(Unpickler, DeepNesting) {
  EXPECT_EQ(error_of("\x80\x02"s + std::string(100000, '(')),
            "f.bin: data.pkl: pickle nested deeper than 256 marks at offset 258");
}

TEST(Unpickler, HugeLengthPrefix) {
  EXPECT_EQ(error_of("\x80\x02X\xff\xff\xff\xff"s),
            "f.bin: data.pkl: BINUNICODE at offset 2 has length 4294967295, over the limit of "
            "268435456 bytes");
  EXPECT_EQ(error_of(std::string("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff", 11)),
            "f.bin: data.pkl: BINUNICODE8 at offset 2 has length 18446744073709551615, over the "
            "limit of 268435456 bytes");
  EXPECT_EQ(error_of(std::string("\x80\x02X\x10\x00\x00\x00\x61\x62", 9)),
            "f.bin: data.pkl: truncated pickle: BINUNICODE at offset 2 needs 16 more bytes, only 2 "
            "left");
  EXPECT_EQ(error_of(std::string("\x80\x02T\xff\xff\xff\xff", 7)),
            "f.bin: data.pkl: BINSTRING with negative length at offset 2");
  EXPECT_EQ(error_of(std::string("\x80\x02\x8b\x00\x00\x01\x00", 7)),
            "f.bin: data.pkl: LONG4 at offset 2 has 65536 bytes, over the limit of 4096");
}

TEST(Unpickler, MemoIndexOutOfRange) {
  EXPECT_EQ(error_of("\x80\x02h\x05."s),
            "f.bin: data.pkl: memo key 5 is not defined (BINGET at offset 2)");
  EXPECT_EQ(error_of(std::string("\x80\x02N\x72\xff\xff\xff\xff\x6a\xfe\xff\xff\xff.", 14)),
            "f.bin: data.pkl: memo key 4294967294 is not defined (LONG_BINGET at offset 8)");
}

TEST(Unpickler, MemoSizeIsBounded) {
  Options o = torch_options();
  o.limits.max_memo = 2;
  EXPECT_EQ(error_of(std::string("\x80\x02Nq\x00q\x01q\x00q\x02.", 12), o),
            "f.bin: data.pkl: pickle memo larger than 2 entries at offset 9");
}

TEST(Unpickler, ValueCountIsBounded) {
  Options o = torch_options();
  o.limits.max_values = 10;
  EXPECT_EQ(error_of("\x80\x02"s + std::string(20, 'N') + ".", o),
            "f.bin: data.pkl: more than 10 values (at offset 12)");
}

TEST(Unpickler, StackDepthIsBounded) {
  Options o = torch_options();
  o.limits.max_stack = 100;
  EXPECT_EQ(error_of("\x80\x02"s + std::string(200, ']') + ".", o),
            "f.bin: data.pkl: pickle stack deeper than 100 at offset 102");
}

TEST(Unpickler, TruncatedMidOpcode) {
  EXPECT_EQ(
      error_of(std::string("\x80\x02J\x01\x02", 5)),
      "f.bin: data.pkl: truncated pickle: BININT at offset 2 needs 4 more bytes, only 2 left");
  EXPECT_EQ(error_of("\x80"s),
            "f.bin: data.pkl: truncated pickle: PROTO at offset 0 needs 1 more bytes, only 0 left");
  EXPECT_EQ(error_of("\x80\x02\x63torch\nFloatSto"s),
            "f.bin: data.pkl: GLOBAL at offset 2: no newline within 256 bytes");
  EXPECT_EQ(error_of("\x80\x02N"s), "f.bin: data.pkl: truncated pickle: no STOP opcode in 3 bytes");
}

TEST(Unpickler, StackMisuse) {
  EXPECT_EQ(error_of("\x80\x02R."s), "f.bin: data.pkl: pickle stack underflow: REDUCE at offset 2");
  EXPECT_EQ(error_of("\x80\x02N(s."s),
            "f.bin: data.pkl: pickle stack underflow: SETITEM at offset 4");
  EXPECT_EQ(error_of("\x80\x02Nt."s), "f.bin: data.pkl: TUPLE without MARK at offset 3");
  EXPECT_EQ(error_of("\x80\x02NNa."s), "f.bin: data.pkl: APPEND on a None at offset 4");
  EXPECT_EQ(error_of("\x80\x02}(Nu."s),
            "f.bin: data.pkl: SETITEMS with an odd number of items at offset 5");
  EXPECT_EQ(error_of("\x80\x02."s), "f.bin: data.pkl: STOP with an empty stack at offset 2");
}

TEST(Unpickler, OnlyAllowListedGlobalsCanBeCalled) {
  EXPECT_EQ(error_of("\x80\x02N)R."s),
            "f.bin: data.pkl: REDUCE of a None at offset 4 (only allow-listed globals can be "
            "called)");
  EXPECT_EQ(error_of("\x80\x02\x63torch\nFloatStorage\n)R."s),
            "f.bin: data.pkl: refusing to call torch.FloatStorage at offset 23");
  EXPECT_EQ(error_of("\x80\x02]]b."s), "f.bin: data.pkl: BUILD on a list at offset 4");
  EXPECT_EQ(error_of("\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n(NK\x00)))tR."s),
            "f.bin: data.pkl: _rebuild_tensor_v2 storage is a None at offset 43");
}

TEST(Unpickler, PersistentIdsMustBeStorages) {
  EXPECT_EQ(error_of("\x80\x02(X\x06\x00\x00\x00moduleNNNNtQ."s),
            "f.bin: data.pkl: persistent id of type 'module' is not supported at offset 19");
  EXPECT_EQ(error_of("\x80\x02(X\x07\x00\x00\x00storage\x63os\nsystem\nNNNtQ."s),
            "f.bin: data.pkl: refusing global 'os.system' (not on the allow-list)");
  EXPECT_EQ(error_of("\x80\x02(X\x07\x00\x00\x00storage\x63torch\nSize\nNNNtQ."s),
            "f.bin: data.pkl: storage type is global torch.Size, expected a torch.*Storage class "
            "at offset 31");
  EXPECT_EQ(error_of("\x80\x02NQ."s),
            "f.bin: data.pkl: persistent id is a None, expected a ('storage', ...) tuple at "
            "offset 3");
}

TEST(Unpickler, WithoutHooksNothingIsEvaluated) {
  const std::string bytes = "\x80\x02\x63torch\nSize\n)R.";
  Unpickler u(as_bytes(bytes), torch_options(), nullptr);
  try {
    u.load();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "f.bin: data.pkl: REDUCE of torch.Size is not supported");
  }
}

}  // namespace
}  // namespace ckpt::pickle
