// The hand-written SHA-256 (sim/output/manifest.cpp), which hashes the input
// files recorded in manifest.json and a sweep's identity, against published
// test vectors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "output/manifest.hpp"

namespace {

// FIPS 180-2, Appendix B (SHA-256 examples B.1, B.2, B.3).
TEST(Sha256, FipsOneBlockMessageAbc) {
  EXPECT_EQ(cw::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FipsTwoBlockMessage) {
  // 448 bits: the padding no longer fits in the first block.
  EXPECT_EQ(cw::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FipsOneMillionA) {
  EXPECT_EQ(cw::sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// NIST CAVP SHA256ShortMsg, Len = 0.
TEST(Sha256, EmptyMessage) {
  EXPECT_EQ(cw::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The 896-bit message of FIPS 180-2's SHA-384/512 examples, hashed with
// SHA-256: the digest listed in the usual test-vector tables (e.g. D. Ireland,
// "Test vectors for SHA-1, SHA-2 and SHA-3", di-mgt.com.au), checked with
// Python's hashlib.
TEST(Sha256, NistTwoBlock896BitMessage) {
  EXPECT_EQ(cw::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                           "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

// Lengths around the block and padding boundaries (55: the padding fits in
// the block; 56: it just does not; 63, 64, 65; 119, 120; 127, 128). The
// message is byte i = (7 i + 3) mod 256. Expected digests computed when this
// test was written with Python's hashlib (an independent implementation,
// OpenSSL's), by
//   import hashlib; n = 55
//   print(hashlib.sha256(bytes((i*7+3)%256 for i in range(n))).hexdigest())
// in /usr/bin/python3.
TEST(Sha256, LengthsAroundBlockBoundaries) {
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
      {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
      {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
      {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
      {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
      {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
      {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
      {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
      {127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"},
      {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
  };
  for (const auto& [n, digest] : cases) {
    std::string m(n, '\0');
    for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<char>((i * 7 + 3) % 256);
    EXPECT_EQ(cw::sha256_hex(m), digest) << "length " << n;
  }
}

// sha256_file hashes the file's bytes exactly (binary, no newline
// translation): a file holding "abc" has the FIPS digest of "abc".
TEST(Sha256, FileHashIsTheHashOfItsBytes) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("cw_sha256_" + std::to_string(::getpid()));
  {
    std::ofstream out(file, std::ios::binary);
    out << "abc";
  }
  EXPECT_EQ(cw::sha256_file(file),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(file);
}

}  // namespace
