// Sweeps as job arrays (docs/CLUSTER.md): `sweep --shard i/n` runs
// disjoint, balanced parts; `merge` writes the unsharded sweep's files byte
// for byte (also compressed ones and, for sensitivity sweeps, what `sobol`
// and `morris` compute from them) and refuses parts that do not make one
// complete sweep.
#include "batch/cluster.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "batch/runner.hpp"
#include "cli_helpers.hpp"
#include "output/csv.hpp"

namespace {

namespace fs = std::filesystem;
using cw::test::read_all;
using Result = cw::test::CliResult;

const std::string kData = "tests/data/sweeps/";

Result cloudwars(const std::string& args) { return cw::test::run_cli(args); }
fs::path fresh(const std::string& name) { return cw::test::fresh_dir("cluster_" + name); }

// Every file of a folder but manifest.json, by name.
std::set<std::string> files_of(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() != "manifest.json") names.insert(e.path().filename().string());
  }
  return names;
}

// The manifest without the keys that differ between invocations.
std::string manifest_core(const fs::path& dir) {
  return cw::test::manifest_without_times(read_all(dir / "manifest.json"));
}

void expect_same_folder(const fs::path& a, const fs::path& b) {
  ASSERT_EQ(files_of(a), files_of(b));
  for (const auto& f : files_of(a)) EXPECT_TRUE(read_all(a / f) == read_all(b / f)) << f;
  EXPECT_EQ(manifest_core(a), manifest_core(b));
}

// Runs shards 1..n of `sweep` into base-1 .. base-n; returns their folders.
std::vector<fs::path> run_shards(const std::string& sweep, int n, const fs::path& base,
                                 const std::string& extra = "") {
  std::vector<fs::path> parts;
  for (int i = 1; i <= n; ++i) {
    const fs::path p = base.string() + "-" + std::to_string(i);
    const Result r =
        cloudwars(fmt::format("sweep {} --shard {}/{} --jobs 2 --progress none "
                              "--out {} {}",
                              sweep, i, n, p.string(), extra));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    parts.push_back(p);
  }
  return parts;
}

std::string joined(const std::vector<fs::path>& parts) {
  std::string s;
  for (const auto& p : parts) s += " " + p.string();
  return s;
}

// Shard ranges: a property of the split, for many sizes (no program output).
TEST(Shard, RangesAreDisjointBalancedAndCoverTheSweep) {
  for (std::int64_t runs : {1, 2, 7, 27, 28, 1000, 999'999'937}) {
    for (std::int64_t n : {1, 2, 3, 7, 64}) {
      if (n > runs) continue;
      std::int64_t at = 0, lo = runs, hi = 0;
      for (std::int64_t i = 1; i <= n; ++i) {
        const cw::RunRange r = cw::shard_range(runs, {i, n});
        EXPECT_EQ(r.first, at) << runs << " " << i << "/" << n;
        at = r.end;
        lo = std::min(lo, r.end - r.first);
        hi = std::max(hi, r.end - r.first);
      }
      EXPECT_EQ(at, runs);
      EXPECT_LE(hi - lo, 1) << runs << " in " << n;
    }
  }
  EXPECT_THROW(cw::parse_shard("0/3"), std::invalid_argument);
  EXPECT_THROW(cw::parse_shard("4/3"), std::invalid_argument);
  EXPECT_THROW(cw::parse_shard("2"), std::invalid_argument);
  EXPECT_EQ(cw::parse_shard("2/3").index, 2);
}

// Shards 1/3..3/3, merged in any order, give the unsharded sweep's files:
// every data file (here compressed), points.csv, design.csv, the manifest
// but for times, host and jobs.
TEST(Shard, MergedShardsAreTheUnshardedSweepByteForByte) {
  const fs::path whole = fresh("whole"), merged = fresh("merged");
  const std::string sweep = kData + "cluster.yaml";
  ASSERT_EQ(
      cloudwars("sweep " + sweep + " --jobs 1 --progress none --out " + whole.string()).status, 0);
  auto parts = run_shards(sweep, 3, fresh("part"));
  // 20 runs in 3 parts: 6, 7, 7 rows (the shards themselves stay compressed).
  EXPECT_TRUE(fs::exists(parts[0] / "runs.csv.gz"));
  EXPECT_FALSE(fs::exists(parts[0] / "points.csv.gz"));
  const Result r = cloudwars("merge " + parts[2].string() + " " + parts[0].string() + " " +
                             parts[1].string() + " --out " + merged.string());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(merged / "events.csv.gz"));
  expect_same_folder(whole, merged);
  // A refused merge into it (a part missing) leaves it as it was.
  EXPECT_EQ(cloudwars("merge " + parts[0].string() + " --out " + merged.string()).status, 2);
  expect_same_folder(whole, merged);
  // A part with a torn runs.csv: refused, the folder as it was.
  const fs::path torn = fresh("torn");
  fs::copy(parts[1], torn);
  cw::gunzip_file(torn / "runs.csv.gz");
  {
    std::string text = read_all(torn / "runs.csv");
    text.resize(text.size() - 5);
    std::ofstream(torn / "runs.csv", std::ios::binary) << text;
  }
  const Result r2 = cloudwars("merge " + parts[0].string() + " " + torn.string() + " " +
                              parts[2].string() + " --out " + merged.string());
  EXPECT_EQ(r2.status, 2);
  EXPECT_NE(r2.err.find("runs.csv ends in a partial line"), std::string::npos) << r2.err;
  expect_same_folder(whole, merged);
  // Merging again into the same folder gives the same files.
  ASSERT_EQ(cloudwars("merge" + joined(parts) + " --out " + merged.string()).status, 0);
  expect_same_folder(whole, merged);
}

// A sobol and a morris sweep in shards: the merged folder's indices are the
// unsharded folder's.
TEST(Shard, SensitivitySweepsInShardsGiveTheSameIndices) {
  for (const std::string method : {"sobol", "morris"}) {
    const std::string sweep = kData + method + "-small.yaml";
    const fs::path whole = fresh(method + "-whole"), merged = fresh(method + "-merged");
    ASSERT_EQ(cloudwars("sweep " + sweep + " --progress none --out " + whole.string()).status, 0);
    const auto parts = run_shards(sweep, 2, fresh(method + "-part"));
    ASSERT_EQ(cloudwars("merge" + joined(parts) + " --out " + merged.string()).status, 0);
    ASSERT_EQ(cloudwars(method + " " + whole.string() + " --resamples 50").status, 0);
    ASSERT_EQ(cloudwars(method + " " + merged.string() + " --resamples 50").status, 0);
    expect_same_folder(whole, merged);  // includes sobol.csv / morris.csv
  }
}

// An interrupted shard continues with the same command; merge refuses it
// until it is finished, then gives the unsharded sweep's bytes.
TEST(Shard, AnInterruptedShardResumesAndMergeWaitsForIt) {
  const std::string sweep = kData + "small.yaml";
  const fs::path whole = fresh("small-whole"), merged = fresh("small-merged");
  ASSERT_EQ(cloudwars("sweep " + sweep + " --progress none --out " + whole.string()).status, 0);
  const fs::path base = fresh("small-part");
  const fs::path p1 = base.string() + "-1", p2 = base.string() + "-2";
  const std::string shard2 = "sweep " + sweep + " --shard 2/2 --progress none --out " + p2.string();
  ASSERT_EQ(
      cloudwars("sweep " + sweep + " --shard 1/2 --progress none --out " + p1.string()).status, 0);
  ::setenv("CLOUDWARS_MAX_RUNS", "4", 1);  // stop after 4 runs, as an interrupt would
  const Result cut = cloudwars(shard2);
  ::unsetenv("CLOUDWARS_MAX_RUNS");
  ASSERT_EQ(cut.status, 130) << cut.out << cut.err;
  const Result early =
      cloudwars("merge " + p1.string() + " " + p2.string() + " --out " + merged.string());
  EXPECT_EQ(early.status, 2);
  EXPECT_NE(early.err.find("shard 2/2 is not finished"), std::string::npos) << early.err;
  const Result rest = cloudwars(shard2);
  ASSERT_EQ(rest.status, 0) << rest.err;
  // Shard 2/2 of 27 runs is runs 13-26; 4 were done.
  EXPECT_NE(rest.out.find("resumed at run 17"), std::string::npos) << rest.out;
  EXPECT_NE(rest.out.find("shard 2/2: runs 13-26 of 27"), std::string::npos) << rest.out;
  ASSERT_EQ(
      cloudwars("merge " + p1.string() + " " + p2.string() + " --out " + merged.string()).status,
      0);
  expect_same_folder(whole, merged);
}

// Parts that do not make one complete sweep: exit 2, a message naming the
// part and the reason, and no merged manifest.
class MergeRefuses : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_ = new fs::path(fresh("refuse"));
    const std::string sweep = kData + "small.yaml";
    for (const char* shard : {"1/2", "2/2", "2/3"}) {
      const fs::path p = part(shard);
      const Result r = cloudwars(
          fmt::format("sweep {} --shard {} --progress none --out {}", sweep, shard, p.string()));
      ASSERT_EQ(r.status, 0) << r.err;
    }
    // Shard 2/2 of the same sweep file with another base (--set).
    const Result r = cloudwars("sweep " + sweep +
                               " --shard 2/2 --set steps=18 --progress none "
                               "--out " +
                               part("other").string());
    ASSERT_EQ(r.status, 0) << r.err;
  }
  static fs::path part(const std::string& name) {
    std::string n = name;
    std::replace(n.begin(), n.end(), '/', '_');
    return base_->string() + "-" + n;
  }
  // Merges `parts` into a fresh folder; expects exit 2 with `text` on stderr.
  static void refuse(const std::vector<fs::path>& parts, const std::string& text) {
    const fs::path out = fresh("refused");
    const Result r = cloudwars("merge" + joined(parts) + " --out " + out.string());
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out / "manifest.json"));
  }
  static fs::path* base_;
};
fs::path* MergeRefuses::base_ = nullptr;

TEST_F(MergeRefuses, ShardsOfAnotherSweep) {
  refuse({part("1/2"), part("other")}, "a shard of a different sweep");
}

TEST_F(MergeRefuses, AShardGivenTwice) {
  refuse({part("1/2"), part("2/2"), part("2/2")}, "shard 2/2 given twice");
}

TEST_F(MergeRefuses, AMissingShard) { refuse({part("1/2")}, "shard 2/2 missing"); }

TEST_F(MergeRefuses, ShardsOfDifferentSplits) {
  refuse({part("1/2"), part("2/3")}, "parts of different splits");
}

TEST_F(MergeRefuses, AFolderThatIsNoShard) {
  const fs::path whole = fresh("refuse-whole");
  ASSERT_EQ(
      cloudwars("sweep " + kData + "small.yaml --progress none --out " + whole.string()).status, 0);
  refuse({whole}, "not a shard folder");
}

TEST_F(MergeRefuses, PartsOfAnotherBinary) {
  const fs::path copy = fresh("refuse-binary");
  fs::copy(part("2/2"), copy);
  std::string m = read_all(copy / "manifest.json");
  const auto at = m.find("\"version\": \"");
  ASSERT_NE(at, std::string::npos);
  m.insert(at + 12, "9");
  std::ofstream(copy / "manifest.json") << m;
  refuse({part("1/2"), copy}, "merge only parts run by one binary");
}

TEST_F(MergeRefuses, ASweepFileChangedSinceTheShardsRan) {
  // A copy of the sweep and its base, edited (a comment) after the shards ran.
  const fs::path dir = fresh("refuse-edited");
  fs::create_directories(dir);
  const std::string src = std::string(CW_SOURCE_DIR) + "/" + kData;
  fs::copy_file(src + "small.yaml", dir / "small.yaml");
  fs::copy_file(src + "base.yaml", dir / "base.yaml");
  const auto parts = run_shards((dir / "small.yaml").string(), 2, dir / "part");
  std::ofstream(dir / "small.yaml", std::ios::app) << "# edited\n";
  refuse(parts, "the sweep file or base scenario changed");
}

// The shard folders themselves: one shard each.
TEST_F(MergeRefuses, ASweepIntoAnotherShardsFolder) {
  const std::string sweep = kData + "small.yaml";
  Result r =
      cloudwars("sweep " + sweep + " --shard 2/2 --progress none --out " + part("1/2").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holds shard 1/2, not shard 2/2"), std::string::npos) << r.err;
  r = cloudwars("sweep " + sweep + " --progress none --out " + part("1/2").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holds shard 1/2 of a sweep, not a whole sweep"), std::string::npos)
      << r.err;
  r = cloudwars("sweep " + sweep + " --shard 3/2 --progress none --out " + fresh("x").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("expected i/n with 1 <= i <= n"), std::string::npos) << r.err;
}

// ---- compare in shards -------------------------------------------------

const std::string kCompare = "compare " + kData +
                             "base.yaml --set-b providers[A].price=0.85 --replicates 7 --steps "
                             "--progress none";

// Shards 1/3..3/3 of a compare (7 replicates: 2, 2 and 3), merged in any
// order, give the unsharded compare's files: the runs' rows and compare.csv,
// compare_steps.csv computed from them, the manifest but for times, host and
// jobs. A shard writes no statistics (they need every replicate).
TEST(CompareShard, MergedShardsAreTheUnshardedCompareByteForByte) {
  const fs::path whole = fresh("compare-whole"), merged = fresh("compare-merged");
  ASSERT_EQ(cloudwars(kCompare + " --out " + whole.string()).status, 0);
  std::vector<fs::path> parts;
  for (int i = 1; i <= 3; ++i) {
    parts.push_back(fresh("compare-part-" + std::to_string(i)));
    const Result r =
        cloudwars(fmt::format("{} --shard {}/3 --out {}", kCompare, i, parts.back().string()));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  EXPECT_FALSE(fs::exists(parts[0] / "compare.csv"));
  EXPECT_NE(read_all(parts[2] / "runs.csv").find("\n8,A,4,"), std::string::npos)
      << "shard 3/3 holds replicates 4-6, runs 8-13";
  const Result r = cloudwars("merge " + parts[1].string() + " " + parts[2].string() + " " +
                             parts[0].string() + " --out " + merged.string());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_same_folder(whole, merged);
  // One folder per shard, as for sweeps: a shard into a whole compare's
  // folder or another shard's, and a whole compare into a shard's, are
  // refused and leave the folder as it was.
  Result refused = cloudwars(kCompare + " --shard 1/3 --out " + whole.string());
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("holds a whole compare, not shard 1/3"), std::string::npos)
      << refused.err;
  refused = cloudwars(kCompare + " --shard 2/3 --out " + parts[0].string());
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("holds shard 1/3 of a compare, not shard 2/3"), std::string::npos)
      << refused.err;
  refused = cloudwars(kCompare + " --out " + parts[0].string());
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("holds shard 1/3 of a compare, not a whole compare"),
            std::string::npos)
      << refused.err;
  expect_same_folder(whole, merged);
  EXPECT_FALSE(fs::exists(parts[0] / "compare.csv"));
  // The same shard again replaces its own folder.
  EXPECT_EQ(cloudwars(kCompare + " --shard 1/3 --out " + parts[0].string()).status, 0);
}

// Compare parts that do not make one complete compare: exit 2, the part
// and the reason, no merged manifest.
TEST(CompareShard, MergeRefusesPartsOfOtherJobsMissingOrTwice) {
  const auto part = [](const std::string& name, const std::string& args) {
    const fs::path p = fresh("compare-refuse-" + name);
    const Result r = cloudwars(args + " --out " + p.string());
    EXPECT_EQ(r.status, 0) << r.err;
    return p;
  };
  const fs::path p1 = part("1", kCompare + " --shard 1/2");
  const fs::path p2 = part("2", kCompare + " --shard 2/2");
  const fs::path other = part("other", kCompare + " --set-b steps=12 --shard 2/2");
  const fs::path sweep = part("sweep", "sweep " + kData + "small.yaml --shard 2/2 --progress none");
  const auto refuse = [](const std::vector<fs::path>& parts, const std::string& text) {
    const fs::path out = fresh("compare-refused");
    const Result r = cloudwars("merge" + joined(parts) + " --out " + out.string());
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out / "manifest.json"));
  };
  refuse({p1, other}, "a shard of a different compare");
  refuse({p1, sweep}, "a shard of a sweep, not of a compare");
  refuse({sweep, p1}, "a shard of a compare, not of a sweep");
  refuse({p1}, "shard 2/2 missing");
  refuse({p1, p2, p2}, "shard 2/2 given twice");
  // A part whose step rows were cut (the statistics would index past them).
  const fs::path cut = fresh("compare-refuse-cut");
  fs::copy(p1, cut);
  for (const char* file : {"steps.csv", "step_providers.csv"}) {
    // Run 0's rows from step 6 on: gone.
    std::istringstream in(read_all(cut / file));
    std::string line, kept;
    while (std::getline(in, line)) {
      const auto cells = cw::split_csv_line(line);
      if (cells[0] == "0" && std::stoi(cells[1]) >= 6) continue;
      kept += line + "\n";
    }
    std::ofstream(cut / file, std::ios::binary) << kept;
  }
  refuse({cut, p2}, "step rows");
  // A manifest edited by hand (a field of another type): named, not a crash.
  const fs::path edited = fresh("compare-refuse-edited");
  fs::copy(p2, edited);
  {
    std::string m = read_all(edited / "manifest.json");
    const auto at = m.find("\"jobs\": ");
    ASSERT_NE(at, std::string::npos);
    m.replace(at, 8, "\"jobs\": \"x\", \"was\": ");
    std::ofstream(edited / "manifest.json") << m;
  }
  refuse({p1, edited}, "its manifest.json is not a shard's");
  const Result r = cloudwars(kCompare + " --shard 8/8 --out " + fresh("x").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("more shards than the compare's 7 replicates"), std::string::npos) << r.err;
}

}  // namespace
