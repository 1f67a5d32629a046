// Unit tests of the reliability pieces (docs/RELIABILITY.md): text checks,
// the csv design parser, exact whole numbers, the folder lock and swap.
// Expected values are written by hand from the UTF-8 and RFC 4180 rules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "config/csv_design.hpp"
#include "core/number.hpp"
#include "core/text_check.hpp"
#include "output/folder_lock.hpp"

namespace fs = std::filesystem;

TEST(TextCheck, Utf8Validity) {
  EXPECT_FALSE(cw::invalid_utf8_at("plain"));
  EXPECT_FALSE(cw::invalid_utf8_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_EQ(cw::invalid_utf8_at("ab\xff"), 2u);                                    // never a byte
  EXPECT_EQ(cw::invalid_utf8_at("a\xc3"), 1u);                                     // cut short
  EXPECT_EQ(cw::invalid_utf8_at("\xc0\xaf"), 0u);                                  // overlong '/'
  EXPECT_EQ(cw::invalid_utf8_at("x\xed\xa0\x80"), 1u);                             // surrogate
  EXPECT_EQ(cw::invalid_utf8_at("\xf4\x90\x80\x80"), 0u);                          // > U+10FFFF
  EXPECT_EQ(cw::invalid_utf8_at("\xe2\x28\xa1"), 0u);  // bad continuation
}

TEST(TextCheck, ControlCharacters) {
  EXPECT_EQ(cw::text_value_problem("a\tb"), "");
  EXPECT_EQ(cw::text_value_problem("a\nb"), "must not contain a line break");
  EXPECT_EQ(cw::text_value_problem("a\rb"), "must not contain a line break");
  EXPECT_EQ(cw::text_value_problem(std::string_view("a\0b", 3)),
            "must not contain a NUL character");
  EXPECT_EQ(cw::text_value_problem("a\x7f"), "must not contain the control character 0x7f");
}

TEST(CsvDesign, QuotingAndLineEnds) {
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> rows;
  std::vector<cw::Diagnostic> problems;
  cw::parse_design_csv("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\n,2\n", "d.csv", paths, rows,
                       problems);
  ASSERT_TRUE(problems.empty()) << problems[0].str();
  EXPECT_EQ(paths, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"x,y", "say \"hi\""}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"", "2"}));
}

TEST(CsvDesign, ProblemsAtLineAndColumn) {
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> rows;
  std::vector<cw::Diagnostic> problems;
  cw::parse_design_csv("a,b\n1,2\n3,x\"y\n4,\"5\n", "d.csv", paths, rows, problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_EQ(problems[0].col, 4);  // the stray quote
  EXPECT_EQ(problems[1].line, 4);
  EXPECT_EQ(problems[1].col, 3);  // the quote that is never closed
  EXPECT_NE(problems[1].message.find("unclosed quote"), std::string::npos);
}

TEST(WholeNumbers, ExactUpTo2To53) {
  const cw::Bounds any = cw::kAnyNumber;
  EXPECT_TRUE(cw::read_whole_field("9007199254740992", any).ok());
  EXPECT_FALSE(cw::read_whole_field("9007199254740993", any).ok());
  EXPECT_FALSE(cw::read_whole_field("-9007199254740993", any).ok());
  EXPECT_FALSE(cw::read_whole_field("1e16", any).ok());
  EXPECT_FALSE(cw::read_whole_field("99999999999999999999", any).ok());
  EXPECT_TRUE(cw::read_whole_field("42", any).ok());
}

class FolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cw-folder-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path root_;
};

TEST_F(FolderTest, SecondLockIsRefusedAndReleased) {
  const fs::path dir = root_ / "out";
  {
    const cw::FolderLock first(dir, "sweep");
    EXPECT_EQ(cw::lock_file_of(dir), root_ / ".out.lock");
    EXPECT_FALSE(fs::exists(dir));  // the lock does not create the folder
    EXPECT_THROW(cw::FolderLock(dir, "run"), cw::FolderBusy);
    EXPECT_THROW(cw::FolderLock(root_ / "out/", "run"), cw::FolderBusy);  // same folder
  }
  EXPECT_NO_THROW(cw::FolderLock(dir, "run"));  // released with the first
}

// lock_if_possible (sobol, morris, plot): the lock of an existing folder;
// none, and no lock file, for a missing one; none where the lock file
// cannot be opened (a folder in its place: even root cannot open that for
// writing); FolderBusy when held.
TEST_F(FolderTest, LockIfPossibleTakesWhatCanBeTaken) {
  const fs::path dir = root_ / "out";
  std::optional<cw::FolderLock> lock;
  cw::lock_if_possible(lock, dir, "sobol");
  EXPECT_FALSE(lock.has_value());
  EXPECT_FALSE(fs::exists(root_ / ".out.lock"));
  fs::create_directories(dir);
  cw::lock_if_possible(lock, dir, "sobol");
  EXPECT_TRUE(lock.has_value());
  EXPECT_TRUE(fs::exists(root_ / ".out.lock"));
  std::optional<cw::FolderLock> second;
  EXPECT_THROW(cw::lock_if_possible(second, dir, "plot"), cw::FolderBusy);
  EXPECT_FALSE(second.has_value());
  lock.reset();
  cw::lock_if_possible(second, dir, "plot");
  EXPECT_TRUE(second.has_value());
  second.reset();
  const fs::path other = root_ / "other";
  fs::create_directories(other);
  fs::create_directories(root_ / ".other.lock");  // no lock file can be opened
  EXPECT_THROW(cw::FolderLock(other, "run"), cw::LockUnavailable);
  std::optional<cw::FolderLock> unavailable;
  EXPECT_NO_THROW(cw::lock_if_possible(unavailable, other, "sobol"));
  EXPECT_FALSE(unavailable.has_value());
  // A FIFO in the lock file's place is refused at once, not waited on, and
  // a symbolic link there is not followed (its target is not truncated).
  const fs::path fifo_dir = root_ / "fifo";
  fs::create_directories(fifo_dir);
  ASSERT_EQ(::mkfifo((root_ / ".fifo.lock").c_str(), 0644), 0);
  EXPECT_THROW(cw::FolderLock(fifo_dir, "run"), cw::LockUnavailable);
  const fs::path linked = root_ / "linked";
  fs::create_directories(linked);
  write(root_ / "victim", "keep\n");
  fs::create_symlink(root_ / "victim", root_ / ".linked.lock");
  EXPECT_THROW(cw::FolderLock(linked, "run"), cw::LockUnavailable);
  EXPECT_EQ(read(root_ / "victim"), "keep\n");
  // A new lock file is readable by every user whatever the umask.
  const mode_t old_mask = ::umask(077);
  { const cw::FolderLock held(root_ / "masked", "run"); }
  ::umask(old_mask);
  EXPECT_EQ(fs::status(root_ / ".masked.lock").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST_F(FolderTest, SwapReplacesWholeOrNothing) {
  const fs::path dir = root_ / "out";
  write(dir / "runs.csv", "old\n");
  write(dir / "steps.csv", "old steps\n");
  {
    cw::FolderSwap swap(dir);
    write(swap.stage() / "runs.csv", "new\n");
    // Not committed: the old folder stays as it was, the stage goes.
  }
  EXPECT_EQ(read(dir / "runs.csv"), "old\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(root_), fs::directory_iterator()), 1);
  {
    cw::FolderSwap swap(dir);
    write(swap.stage() / "runs.csv", "new\n");
    swap.commit();
  }
  EXPECT_EQ(read(dir / "runs.csv"), "new\n");
  EXPECT_FALSE(fs::exists(dir / "steps.csv"));  // nothing of the old run is mixed in
  EXPECT_EQ(std::distance(fs::directory_iterator(root_), fs::directory_iterator()), 1);
}

TEST_F(FolderTest, SwapRefusesForeignFolders) {
  write(root_ / "home/notes.txt", "mine\n");
  EXPECT_THROW(cw::FolderSwap(root_ / "home"), cw::FolderRefused);
  EXPECT_EQ(read(root_ / "home/notes.txt"), "mine\n");
  write(root_ / "afile", "x");
  EXPECT_THROW(cw::FolderSwap(root_ / "afile"), cw::FolderRefused);
}

TEST_F(FolderTest, StaleTemporariesAreRemoved) {
  const fs::path dir = root_ / "out";
  write(dir / "runs.csv", "keep\n");
  write(dir / "runs.csv.tmp-123", "stale\n");
  write(dir / "points.csv.gz.tmp-9", "stale\n");
  write(dir / "notes.tmp-x", "not ours\n");
  write(root_ / ".out.tmp-77/runs.csv", "stale stage\n");
  // Beside the folder, only its own staging folders are stale: not another
  // folder's, not a file with the name of one, not a folder named like a
  // temporary file inside it.
  write(root_ / ".other.tmp-78/runs.csv", "another folder's stage\n");
  write(root_ / ".out.tmp-79", "a file\n");
  write(root_ / "out.tmp-80/runs.csv", "not a staging name\n");
  write(dir / "sub.tmp-81/x", "a folder inside\n");
  // The staging folders of results folders named out.v2 and out.tmp-5 are
  // theirs (and may be live), though their names start with ".out.".
  write(root_ / ".out.v2.tmp-82/runs.csv", "out.v2's stage\n");
  write(root_ / ".out.tmp-5.tmp-83/runs.csv", "out.tmp-5's stage\n");
  write(root_ / ".out.old.tmp-84/runs.csv", "a stale old folder of out\n");
  EXPECT_EQ(cw::remove_stale_temps(dir), 4u);
  EXPECT_TRUE(fs::exists(dir / "runs.csv"));
  EXPECT_TRUE(fs::exists(dir / "notes.tmp-x"));
  EXPECT_FALSE(fs::exists(root_ / ".out.tmp-77"));
  EXPECT_TRUE(fs::exists(root_ / ".other.tmp-78"));
  EXPECT_TRUE(fs::exists(root_ / ".out.tmp-79"));
  EXPECT_TRUE(fs::exists(root_ / "out.tmp-80"));
  EXPECT_TRUE(fs::exists(dir / "sub.tmp-81"));
  EXPECT_TRUE(fs::exists(root_ / ".out.v2.tmp-82"));
  EXPECT_TRUE(fs::exists(root_ / ".out.tmp-5.tmp-83"));
  EXPECT_FALSE(fs::exists(root_ / ".out.old.tmp-84"));
}
