#include "output/manifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "output/csv.hpp"

namespace cw {

namespace {

using Json = nlohmann::ordered_json;

// Builds JSON from the schema (core/schema.hpp).
class JsonVisitor final : public FieldVisitor {
 public:
  explicit JsonVisitor(Json& out) : out_(out) {}
  void number(std::string_view k, double& v, Bounds, FieldDoc, bool) override {
    out_[std::string(k)] = v;
  }
  void maybe_number(std::string_view k, std::optional<double>& v, Bounds, FieldDoc) override {
    out_[std::string(k)] = v ? Json(*v) : Json(nullptr);
  }
  void integer(std::string_view k, std::int64_t& v, Bounds, FieldDoc, bool) override {
    out_[std::string(k)] = v;
  }
  void flag(std::string_view k, bool& v, FieldDoc) override { out_[std::string(k)] = v; }
  void text(std::string_view k, std::string& v, FieldDoc, bool) override {
    out_[std::string(k)] = v;
  }
  void choice(std::string_view k, ChoiceRef ref, FieldDoc) override {
    out_[std::string(k)] = std::string(ref.names[static_cast<std::size_t>(ref.get())]);
  }
  void integers(std::string_view k, std::vector<std::int64_t>& v, Bounds, FieldDoc) override {
    out_[std::string(k)] = v;
  }
  void texts(std::string_view k, std::vector<std::string>& v, FieldDoc) override {
    out_[std::string(k)] = v;
  }
  void number_map(std::string_view k, NumberMap& v, Bounds, FieldDoc) override {
    Json m = Json::object();
    for (const auto& [name, x] : v) m[name] = x;
    out_[std::string(k)] = m;
  }
  void object(std::string_view k, const std::function<void(FieldVisitor&)>& body, FieldDoc,
              bool) override {
    Json inner = Json::object();
    JsonVisitor v(inner);
    body(v);
    out_[std::string(k)] = inner;
  }
  void scalar_object(std::string_view k, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>&, const std::function<void()>&,
                     FieldDoc doc) override {
    object(k, body, doc, false);
  }
  void list(std::string_view k, ListRef ref, FieldDoc, bool) override {
    Json arr = Json::array();
    for (std::size_t i = 0; i < ref.size(); ++i) {
      Json inner = Json::object();
      JsonVisitor v(inner);
      ref.item(i, v);
      arr.push_back(inner);
    }
    out_[std::string(k)] = arr;
  }

 private:
  Json& out_;
};

// SHA-256 after FIPS 180-4.
class Sha256 {
 public:
  void update(const unsigned char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      block_[used_++] = data[i];
      if (used_ == 64) {
        compress();
        used_ = 0;
      }
    }
    length_ += n;
  }
  std::string hex() {
    const std::uint64_t bits = length_ * 8;
    const unsigned char pad = 0x80;
    update(&pad, 1);
    const unsigned char zero = 0;
    while (used_ != 56) update(&zero, 1);
    for (int i = 7; i >= 0; --i) {
      const auto b = static_cast<unsigned char>(bits >> (8 * i));
      update(&b, 1);
    }
    std::string out;
    for (std::uint32_t h : h_) out += fmt::format("{:08x}", h);
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void compress() {
    static constexpr std::array<std::uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i) {
      w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
             (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto [a, b, c, d, e, f, g, h] = h_;
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = h + s1 + ch + k[i] + w[i];
      const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const std::array<std::uint32_t, 8> add = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) h_[i] += add[i];
  }

  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;
};

}  // namespace

Json described_to_json(const std::function<void(FieldVisitor&)>& describe_root) {
  Json out = Json::object();
  JsonVisitor v(out);
  describe_root(v);
  return out;
}

Json scenario_to_json(const Scenario& s) {
  Scenario copy = s;
  return described_to_json([&copy](FieldVisitor& v) { describe(v, copy); });
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return h.hex();
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return sha256_hex(buffer.str());
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Json start_manifest(const ManifestStart& start) {
  Json m = Json::object();
  m["program"] = start.program;
  m["command"] = start.command;
  m["file"] = start.file.string();
  m["inputs"] = Json::object();
  for (const auto& f : start.inputs) m["inputs"][f.string()] = sha256_file(f);
  m["seed"] = start.seed;
  for (const auto& [key, value] : start.details.items()) m[key] = value;
  m["scenario"] = scenario_to_json(*start.scenario);
  m["started"] = start.started;
  m["finished"] = nullptr;
  m["host"] = host_name();
  m["jobs"] = start.jobs;
  m["status"] = "running";
  return m;
}

void finish_manifest(Json& manifest, int jobs) {
  manifest["finished"] = utc_now();
  manifest["host"] = host_name();
  manifest["jobs"] = jobs;
  manifest["status"] = "complete";
}

void write_manifest(const std::filesystem::path& dir, const Json& manifest) {
  AtomicFile f(dir / "manifest.json");
  // Text in it is validated UTF-8 (core/text_check.hpp), but a file name
  // from the command line may not be: such bytes become U+FFFD instead of
  // a JSON library exception after the data files were written.
  f.write(manifest.dump(2, ' ', false, Json::error_handler_t::replace));
  f.write("\n");
  f.commit();
}

}  // namespace cw
