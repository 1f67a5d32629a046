// The sweep runner's gzip writer (gzip_file, sim/batch/runner.cpp) against
// independent readers: zlib's inflate with gzip decoding, the gzip format of
// RFC 1952 checked byte by byte (with a CRC-32 computed here, bit by bit),
// and the system's gzip tool on the files of a real `cloudwars sweep`.
#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "batch/runner.hpp"
#include "cli_helpers.hpp"

namespace {

namespace fs = std::filesystem;
using cw::test::fresh_dir;
using cw::test::read_all;
using cw::test::run_cli;

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// The whole gzip member `gz` decoded by zlib (inflateInit2 with 16 +
// MAX_WBITS: gzip wrapper only). Fails the test unless the stream ends
// exactly at the end of `gz`.
std::string inflate_gzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  std::string out;
  std::array<char, 1 << 16> buf;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << (z.msg ? z.msg : "");
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&z);
  return out;
}

// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), bit by bit as in
// RFC 1952 §8: independent of zlib's table-driven crc32.
std::uint32_t crc32_bitwise(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Some inputs: empty, short text, CSV-like text, incompressible bytes (a
// fixed-seed xorshift), and a long repetitive file (many deflate blocks).
std::vector<std::pair<std::string, std::string>> inputs() {
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("empty", "");
  v.emplace_back("short", "run_id,point_id\n0,0\n");
  std::string csv = "run_id,point_id,replicate,seed,status,hhi_final\n";
  for (std::int64_t i = 0; i < 5000; ++i) {
    csv += std::to_string(i) + "," + std::to_string(i % 9) + "," + std::to_string(i / 9) +
           ",1234567" + std::to_string(i) + ",ok,0." + std::to_string(1000003 * i % 999983) + "\n";
  }
  v.emplace_back("csv", csv);
  std::string noise(300000, '\0');
  std::uint64_t x = 88172645463325252ull;
  for (char& ch : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x >> 56);
  }
  v.emplace_back("noise", noise);
  std::string repeated;
  for (int i = 0; i < 200000; ++i) repeated += "0.25,0.5,";
  v.emplace_back("repeated", repeated);
  return v;
}

TEST(Gzip, CrcHelperMatchesTheCrc32CheckValue) {
  // The standard check value of CRC-32/ISO-HDLC (Williams, "A painless guide
  // to CRC error detection algorithms"; the reveng catalogue).
  EXPECT_EQ(crc32_bitwise("123456789"), 0xCBF43926u);
}

// zlib's inflate gives back the original bytes; the original is removed.
TEST(Gzip, ZlibInflateGivesBackTheBytes) {
  const fs::path dir = fresh_dir("gzip_roundtrip");
  fs::create_directories(dir);
  for (const auto& [name, bytes] : inputs()) {
    const fs::path file = dir / (name + ".csv");
    write_file(file, bytes);
    cw::gzip_file(file);
    EXPECT_FALSE(fs::exists(file)) << name;
    const fs::path gz = dir / (name + ".csv.gz");
    ASSERT_TRUE(fs::exists(gz)) << name;
    EXPECT_TRUE(inflate_gzip(read_all(gz)) == bytes) << name << ": inflated bytes differ";
  }
  fs::remove_all(dir);
}

// RFC 1952 §2.3: the header the docs promise (deflate, no file name, no
// comment, no extra field, no header CRC, modification time 0) and a
// trailer of the CRC-32 and the length mod 2^32 of the original.
TEST(Gzip, HeaderHasNoNameNoTimeAndTheTrailerMatches) {
  const fs::path dir = fresh_dir("gzip_header");
  fs::create_directories(dir);
  for (const auto& [name, bytes] : inputs()) {
    const fs::path file = dir / (name + ".csv");
    write_file(file, bytes);
    cw::gzip_file(file);
    const std::string gz = read_all(dir / (name + ".csv.gz"));
    ASSERT_GE(gz.size(), 18u) << name;
    EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f) << name;  // ID1
    EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b) << name;  // ID2
    EXPECT_EQ(gz[2], 8) << name;                                 // CM = deflate
    EXPECT_EQ(gz[3], 0) << name;         // FLG: no FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT
    EXPECT_EQ(le32(gz, 4), 0u) << name;  // MTIME: none
    EXPECT_EQ(le32(gz, gz.size() - 8), crc32_bitwise(bytes)) << name;
    EXPECT_EQ(le32(gz, gz.size() - 4), static_cast<std::uint32_t>(bytes.size())) << name;
  }
  fs::remove_all(dir);
}

// The same bytes compress to the same file, whatever the file's name or
// modification time.
TEST(Gzip, SameBytesGiveTheSameFile) {
  const fs::path dir = fresh_dir("gzip_same");
  fs::create_directories(dir);
  const std::string bytes = inputs()[2].second;
  write_file(dir / "a.csv", bytes);
  write_file(dir / "other_name.csv", bytes);
  fs::last_write_time(dir / "other_name.csv",
                      fs::last_write_time(dir / "a.csv") - std::chrono::hours(48));
  cw::gzip_file(dir / "a.csv");
  cw::gzip_file(dir / "other_name.csv");
  EXPECT_TRUE(read_all(dir / "a.csv.gz") == read_all(dir / "other_name.csv.gz"));
  fs::remove_all(dir);
}

// A real sweep with output.gzip on: the system's gzip accepts every file
// (gzip -t), and gzip -dc gives the bytes of the same sweep run without
// gzip; only manifest.json stays uncompressed.
TEST(Gzip, SystemGzipReadsTheFilesOfARealSweep) {
  const fs::path dir = fresh_dir("gzip_sweep");
  fs::create_directories(dir);
  const std::string base = CW_SOURCE_DIR "/tests/data/sweeps/base.yaml";
  auto sweep_file = [&](bool gzip) {
    const fs::path f = dir / (gzip ? "gz.yaml" : "plain.yaml");
    write_file(f, "name: gz\nbase: " + base +
                      "\nseed: 11\nreplicates: 2\ndesign: {kind: grid}\n"
                      "parameters:\n  - path: lock_in.weight\n    values: [0, 2]\n"
                      "output: {step_every: 12, events: true, gzip: " +
                      (gzip ? "true" : "false") + "}\n");
    return f;
  };
  const fs::path plain = dir / "plain", packed = dir / "packed";
  ASSERT_EQ(
      run_cli("sweep " + sweep_file(false).string() + " --jobs 2 --out " + plain.string()).status,
      0);
  ASSERT_EQ(
      run_cli("sweep " + sweep_file(true).string() + " --jobs 2 --out " + packed.string()).status,
      0);
  EXPECT_TRUE(fs::exists(packed / "manifest.json"));
  int compared = 0;
  for (const char* f : {"runs.csv", "run_providers.csv", "steps.csv", "step_providers.csv",
                        "events.csv", "points.csv", "design.csv"}) {
    ASSERT_TRUE(fs::exists(plain / f)) << f;
    EXPECT_FALSE(fs::exists(packed / f)) << f << " left uncompressed";
    const fs::path gz = packed / (std::string(f) + ".gz");
    ASSERT_TRUE(fs::exists(gz)) << f;
    EXPECT_EQ(std::system(("gzip -t '" + gz.string() + "'").c_str()), 0) << f;
    const fs::path out = dir / (std::string(f) + ".gunzipped");
    ASSERT_EQ(std::system(("gzip -dc '" + gz.string() + "' > '" + out.string() + "'").c_str()), 0)
        << f;
    EXPECT_TRUE(read_all(out) == read_all(plain / f)) << f << ": gzip -dc differs";
    ++compared;
  }
  EXPECT_EQ(compared, 7);
  fs::remove_all(dir);
}

}  // namespace
