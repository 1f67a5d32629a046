#!/usr/bin/env python3
"""The bad-input catalogue (docs/RELIABILITY.md): every class of bad input of
issue 17 and SPEC section 6, each run through the real program, asserting its
exit code, its message and that nothing was left behind (no output folder,
or the old one untouched; no temporary file anywhere in the work folder).

Usage: reliability_check.py CLOUDWARS SOURCE_DIR WORK_DIR [--table]
  --table  print the catalogue as the Markdown table of docs/RELIABILITY.md
           (case, exit code, message) instead of checking.
The check also fails when docs/RELIABILITY.md lacks a case's name.

Cases that need what the machine may forbid (an unprivileged user via
setpriv, a tmpfs mount) print SKIP with the reason and do not fail.
"""
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

BIN, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
TABLE = "--table" in sys.argv

SMALL = """name: small
start: 2020-01
steps: 6
seed: 1
providers:
  - {name: A, price: 1.0, quality: 0.8, capacity_per_lab: 2}
  - {name: B, price: 0.8, quality: 0.7, capacity_per_lab: 2}
labs:
  count: 8
  tiers:
    - {name: t, fraction: 1.0}
  named:
    - {name: L, tier: t, provider: A}
"""

SWEEP = """name: sw
base: small.yaml
seed: 3
replicates: 2
design: {kind: grid}
parameters:
  - path: lock_in.weight
    values: [0, 1]
output: {step_every: 2, events: true}
"""

CASES = []  # (name, setup, args, exit, message regex, after-check)


def case(name, args, code, message, files=None, env=None, after=None, pre=None, needs=None):
    CASES.append(dict(name=name, args=args, code=code, message=message, files=files or {},
                      env=env or {}, after=after, pre=pre, needs=needs))


def small(old, new, count=1):
    assert old in SMALL, old
    return SMALL.replace(old, new, count)


# ---- scenario files -------------------------------------------------------
V = ["validate", "s.yaml"]
case("scenario: second YAML document", V, 3,
     r"s\.yaml:15:1: holds more than one YAML document",
     {"s.yaml": SMALL + "---\nname: other\n"})
case("scenario: a key at the wrong indentation (fuzz_scenario regression)", V, 3,
     r"s\.yaml: no YAML document could be read from it",
     {"s.yaml": open(os.path.join(SRC, "tests/fuzz/regressions/fuzz_scenario/"
                                       "loadall-never-ends.yaml"), "rb").read()})
case("scenario: NUL byte in a value", V, 3, r"s\.yaml:1:10: contains a NUL byte",
     {"s.yaml": small("name: small", "name: sma\0ll")})
case("scenario: non-UTF-8 text", V, 3, r"s\.yaml:1:10: is not valid UTF-8 text.*byte 0xff",
     {"s.yaml": small("name: small", "name: sma\xffll").encode("latin-1")})
case("scenario: whole number above 2^53", V, 3,
     r"s\.yaml:4:7: seed: must be a whole number of at most 2\^53",
     {"s.yaml": small("seed: 1", "seed: 9007199254740993")})
case("scenario: empty name", V, 3, r"s\.yaml:1:\d+: name: must not be empty",
     {"s.yaml": small("name: small", 'name: ""')})
case("scenario: name with a slash", V, 3, r"name: must not contain '/'",
     {"s.yaml": small("name: small", "name: a/b")})
case("scenario: line break in a provider name", V, 3,
     r"providers\[0\]\.name: must not contain a line break \(got A\\nX\)",
     {"s.yaml": small("{name: A,", '{name: "A\\nX",')})
case("scenario: control character in a lab name", V, 3,
     r"labs\.named\[0\]\.name: must not contain the control character 0x07",
     {"s.yaml": small("{name: L,", '{name: "L\\a",')})
case("scenario: unknown key", V, 3, r"s\.yaml:3:1: stepz: unknown key \(did you mean 'steps'\?\)",
     {"s.yaml": small("steps: 6", "stepz: 6")})
case("scenario: wrong type", V, 3, r"s\.yaml:3:8: steps: must be a number \(got a list\)",
     {"s.yaml": small("steps: 6", "steps: [6]")})
case("scenario: out of range", V, 3, r"providers\[0\]\.price: must be > 0 \(got -3\)",
     {"s.yaml": small("price: 1.0", "price: -3")})
case("scenario: NaN", V, 3, r"providers\[0\]\.price: .*\(got \.nan\)",
     {"s.yaml": small("price: 1.0", "price: .nan")})
case("scenario: infinity", V, 3, r"providers\[0\]\.quality: .*\(got \.inf\)",
     {"s.yaml": small("quality: 0.8", "quality: .inf")})
case("scenario: empty list", V, 3, r"providers: must not be empty",
     {"s.yaml": re.sub(r"providers:\n(  - .*\n)+", "providers: []\n", SMALL)})
case("scenario: missing file", ["validate", "nothere.yaml"], 3, r"nothere\.yaml: no such file")
case("scenario: a folder", ["validate", "d"], 3, r"d: is a directory, not a file",
     pre=lambda: os.makedirs("d"))
case("scenario: unreadable file", V, 3, r"s\.yaml: cannot be read", {"s.yaml": SMALL},
     pre=lambda: os.chmod("s.yaml", 0), needs="user")
case("scenario: duplicate names", V, 3, r"providers\[1\]\.name: duplicate name \(got A\)",
     {"s.yaml": small("{name: B,", "{name: A,")})
case("scenario: event names an unknown provider", V, 3,
     r"events\[0\]\.provider: no provider of that name",
     {"s.yaml": SMALL + "events:\n  - {name: e, type: add_provider, date: 2020-03, provider: Z}\n"})
case("scenario: event date outside the horizon", V, 3, r"events\[0\]\.date: ",
     {"s.yaml": SMALL + "events:\n  - {name: e, type: reputation_shock, date: 2031-01, "
      "provider: A, amount: 0.1}\n"})
case("scenario: set event changes steps", V, 3,
     r"events\[0\]\.path: is read only when the run starts",
     {"s.yaml": SMALL + "events:\n  - {name: e, type: set, date: 2020-03, path: steps, "
      "value: 9}\n"})
case("scenario: set event renames a provider", V, 3,
     r"events\[0\]\.path: is read only when the run starts",
     {"s.yaml": SMALL + "events:\n  - {name: e, type: set, date: 2020-03, "
      "path: 'providers[B].name', value: A}\n"})
case("scenario: set event breaks the tier fractions", V, 3,
     r"events\[0\]\.value: .*fraction",
     {"s.yaml": small("    - {name: t, fraction: 1.0}",
                      "    - {name: t, fraction: 0.5}\n    - {name: u, fraction: 0.5}")
      + "events:\n  - {name: e, type: set, date: 2020-03, "
      "path: 'labs.tiers[t].fraction', value: 0.7}\n"})
case("run: labs too many for memory", ["run", "s.yaml", "--out", "o"], 3,
     r"s\.yaml: labs\.count: a run would need about .* GB \(.* labs x .* bytes\), more than",
     {"s.yaml": small("count: 8", "count: 100000000")}, after="absent:o")
case("run: complete graph too large", ["run", "s.yaml", "--out", "o"], 3,
     r"network\.generator: a run would need about .* \(complete network of 100\d+ labs",
     {"s.yaml": small("count: 8", "count: 100000") + "network: {generator: complete}\n"},
     after="absent:o")

# ---- command line ---------------------------------------------------------
case("command line: unknown path in --set", ["run", "s.yaml", "--set", "providers[Z].price=1",
                                             "--out", "o"], 3, r"--set: .*providers\[Z\]",
     {"s.yaml": SMALL}, after="absent:o")
case("command line: --set without =", ["run", "s.yaml", "--set", "steps", "--out", "o"], 3,
     r"--set: expected path=value", {"s.yaml": SMALL}, after="absent:o")
case("command line: --set of a name with a line break",
     ["run", "s.yaml", "--set", "providers[B].name=B\nC", "--out", "o"], 3,
     r"providers\[1\]\.name: must not contain a line break", {"s.yaml": SMALL}, after="absent:o")
case("command line: --jobs 2147483647", ["sweep", "w.yaml", "--jobs", "2147483647", "--out", "o"],
     2, r"--jobs.*2147483647", {"s.yaml": SMALL, "w.yaml": SWEEP}, after="absent:o")
case("command line: bad CLOUDWARS_MAX_RUNS", ["sweep", "w.yaml", "--out", "o"], 2,
     r"CLOUDWARS_MAX_RUNS must be a whole number .*\(got 'abc'\)",
     {"s.yaml": SMALL, "w.yaml": SWEEP}, env={"CLOUDWARS_MAX_RUNS": "abc"}, after="absent:o")
case("command line: unknown command", ["swep", "w.yaml"], 2,
     r"unknown command 'swep' \(did you mean 'sweep'\?\)")
case("command line: sweep given a scenario", ["sweep", "s.yaml"], 2,
     r"s\.yaml is a scenario file, not a sweep file", {"s.yaml": SMALL})

# ---- sweep files and csv designs -----------------------------------------
W = ["validate", "w.yaml"]


def sweep(**repl):
    text = SWEEP
    for old, new in repl.items():
        text = text.replace(old.replace("_", " "), new)
    return text


case("sweep: grid point count overflows", W, 3,
     r"w\.yaml:\d+:\d+: parameters: the design would have 1e\+20 points, more than 10\^8",
     {"s.yaml": SMALL, "w.yaml": SWEEP.replace(
         "  - path: lock_in.weight\n    values: [0, 1]\n",
         "".join(f"  - path: {p}\n    from: 0\n    to: 1\n    steps: 100000\n" for p in
                 ["lock_in.weight", "lock_in.decay", "choice.tau", "network_effect.delta"]))})
case("sweep: largest point too large for its runs at once",
     ["sweep", "w.yaml", "--jobs", "64", "--replicates", "40", "--out", "o"], 3,
     r"w\.yaml: labs\.count: a run of design point 1 \(labs\.count=600000\) would need about "
     r".* GB \(.* labs x .* bytes\), x 64 runs at once, more than",
     {"s.yaml": SMALL, "w.yaml": SWEEP.replace("lock_in.weight\n    values: [0, 1]",
                                              "labs.count\n    values: [8, 600000]")},
     after="absent:o")
case("sweep: random design too large for memory", W, 3,
     r"design\.samples: the design of 100000000 points would need about .* GB of memory",
     {"s.yaml": SMALL, "w.yaml": SWEEP.replace("design: {kind: grid}",
                                              "design: {kind: random, samples: 100000000}")
      .replace("values: [0, 1]", "low: 0\n    high: 1")})
case("sweep: line break in a varied text value", W, 3,
     r"w\.yaml:8:14: parameters\[0\]\.values\[0\]: must not contain a line break \(got B\\nC\)",
     {"s.yaml": SMALL, "w.yaml": SWEEP.replace("lock_in.weight\n    values: [0, 1]",
                                              "'providers[B].name'\n    values: [\"B\\nC\", D]")})
case("sweep: empty name", W, 3, r"w\.yaml:1:\d+: name: must not be empty",
     {"s.yaml": SMALL, "w.yaml": SWEEP.replace("name: sw", 'name: ""')})
case("sweep: second YAML document", W, 3, r"w\.yaml:11:1: holds more than one YAML document",
     {"s.yaml": SMALL, "w.yaml": SWEEP + "---\nname: x\n"})
CSV_SWEEP = "name: c\nbase: small.yaml\nseed: 1\ndesign: {kind: csv, file: d.csv}\n"
case("csv design: unclosed quote", W, 3,
     r"d\.csv:3:3: design\.file: unclosed quote",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": "lock_in.weight,choice.tau\n1,2\n3,\"4\n"})
case("csv design: text after a closing quote", W, 3,
     r"d\.csv:2:4: design\.file: text after a closing quote",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": "lock_in.weight\n\"1\"x\n"})
case("csv design: row of the wrong length", W, 3,
     r"d\.csv:3:1: design\.file: row has 3 values for 2 columns",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": "lock_in.weight,choice.tau\n1,2\n1,2,3\n"})
case("csv design: NUL byte", W, 3, r"d\.csv:2:2: design\.file: contains a NUL byte",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": "lock_in.weight\n1\0\n"})
case("csv design: non-UTF-8", W, 3, r"d\.csv:2:1: design\.file: is not valid UTF-8",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": b"providers[B].name\n\xe9\n"})
case("csv design: empty column name", W, 3, r"d\.csv:1:16: design\.file: empty column name",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP, "d.csv": "lock_in.weight,\n1,2\n"})
case("csv design: missing file", W, 3, r"d\.csv: design\.file: no such file",
     {"s.yaml": SMALL, "w.yaml": CSV_SWEEP})

# ---- output folders -------------------------------------------------------
RUN = ["run", "s.yaml", "--out", "o"]


def hold_lock(folder):
    """Holds the folder's lock as another cloudwars process would."""
    def pre():
        f = open(f".{folder}.lock", "w")
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        f.write("pid 1, cloudwars sweep\n")
        f.flush()
        pre.held = f
    return pre


case("output: run into a folder in use", RUN, 2,
     r"o is in use by another cloudwars command \(pid 1, cloudwars sweep\)",
     {"s.yaml": SMALL, "o/runs.csv": "old\n"}, pre=hold_lock("o"), after="unchanged:o")
case("output: sweep into a folder in use", ["sweep", "w.yaml", "--out", "o"], 2,
     r"o is in use by another cloudwars command", {"s.yaml": SMALL, "w.yaml": SWEEP},
     pre=hold_lock("o"), after="absent:o")
case("output: compare into a folder in use",
     ["compare", "s.yaml", "s.yaml", "--replicates", "2", "--out", "o"], 2,
     r"o is in use by another cloudwars command", {"s.yaml": SMALL}, pre=hold_lock("o"),
     after="absent:o")
case("output: sobol of a folder in use", ["sobol", "o"], 2,
     r"o is in use by another cloudwars command", {"o/runs.csv": "old\n"}, pre=hold_lock("o"),
     after="unchanged:o")
case("output: sobol of a folder another user's command holds", ["sobol", "o"], 2,
     r"o is in use by another cloudwars command \(pid 1, cloudwars sweep\)",
     {"o/runs.csv": "old\n"}, pre=hold_lock("o"), needs="user", after="unchanged:o")
case("output: run into a folder of other files", RUN, 2,
     r"o holds files that no cloudwars run wrote",
     {"s.yaml": SMALL, "o/notes.txt": "mine\n"}, after="unchanged:o")
case("output: run --out names a file", RUN, 2, r"o exists and is not a folder",
     {"s.yaml": SMALL, "o": "a file\n"})
case("output: sweep into another sweep's folder", ["sweep", "w.yaml", "--out", "o"], 2,
     r"o holds the results of a different sweep",
     {"s.yaml": SMALL, "w.yaml": SWEEP, "o/manifest.json": '{"sweep_identity": "x"}'},
     after="unchanged:o")


def written_by_another_program(folder):
    """The sweep, complete in the folder, as another commit of cloudwars wrote it."""
    def pre():
        subprocess.run([BIN, "sweep", "w.yaml", "--out", folder], capture_output=True, check=True)
        path = os.path.join(folder, "manifest.json")
        manifest = json.load(open(path))
        manifest["program"]["git_commit"] = "0123456789ab"
        json.dump(manifest, open(path, "w"), indent=2)
    return pre


case("output: sweep into its folder written by another program", ["sweep", "w.yaml", "--out", "o"],
     2, r"o holds this sweep's runs written by cloudwars \S+ \(commit 0123456789ab, .*--restart",
     {"s.yaml": SMALL, "w.yaml": SWEEP}, pre=written_by_another_program("o"), after="unchanged:o")

case("output: run hits the NaN guard", ["run", "s.yaml", "--out", "o", "--set",
                                        "labs.tiers[t].growth=60", "--set", "steps=60"], 1,
     r"run failed: step \d+: total lab demand is inf", {"s.yaml": SMALL, "o/runs.csv": "old\n"},
     after="unchanged:o")
case("output: unwritable parent folder", ["run", "s.yaml", "--out", "ro/o"], 1,
     r"(cannot|Permission denied)", {"s.yaml": SMALL}, pre=lambda: os.makedirs("ro", 0o555),
     needs="user", after="absent:ro/o")
case("output: full disk while replacing a run", ["run", "s.yaml", "--out", "disk/o",
                                                 "--set", "output.lab_steps=true"], 1,
     r"(cannot write|No space left)", {"s.yaml": SMALL + "labs_big: 1\n"}, needs="tmpfs",
     after="unchanged:disk/o")


# --------------------------------------------------------------------------
def tree(path):
    """Every file under path with its bytes' hash (None when path is absent)."""
    if not os.path.exists(path):
        return None
    if os.path.isfile(path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest()
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, path)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def can_setpriv():
    return shutil.which("setpriv") and subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"],
        capture_output=True).returncode == 0


def mount_tmpfs(folder):
    os.makedirs(folder, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", folder],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def run_case(c, i):
    d = os.path.join(WORK, f"case{i:02d}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chdir(d)
    if c["needs"] == "user" and not can_setpriv():
        return "SKIP", "setpriv to uid 65534 is not allowed here"
    mounted = None
    if c["needs"] == "tmpfs":
        if os.geteuid() != 0:
            return "SKIP", "mounting a tmpfs needs root"
        ok, err = mount_tmpfs("disk")
        if not ok:
            return "SKIP", f"cannot mount a tmpfs here ({err})"
        mounted = os.path.join(d, "disk")
    try:
        for name, text in c["files"].items():
            if name == "s.yaml" and "labs_big" in str(text):
                text = small("count: 8", "count: 2000").replace("steps: 6", "steps: 60")
            os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
            if name.endswith(".yaml") and "base: small.yaml" in str(text):
                text = text.replace("small.yaml", "s.yaml")
            with open(name, "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        if mounted:
            # An old complete result in the small disk, then fill most of it.
            subprocess.run([BIN, "run", "s.yaml", "--out", "disk/o", "--set", "steps=6",
                            "--set", "labs.count=8"], capture_output=True, check=True)
            with open("disk/filler", "wb") as f:
                f.write(b"x" * (300 * 1024))
        if c["pre"]:
            c["pre"]()
        watched = (c["after"] or "").split(":", 1)[-1] if c["after"] else None
        before = tree(watched) if watched else None
        cmd = [BIN] + c["args"]
        if c["needs"] == "user":
            subprocess.run(["chown", "-R", "65534:65534", d], check=True)
            if c["name"].startswith("output: unwritable"):
                os.chmod("ro", 0o555)
            if "another user" in c["name"]:
                os.chown(".o.lock", 0, 0)  # root's lock file: readable, not writable for 65534
                os.chmod(".o.lock", 0o644)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        env = dict(os.environ, **c["env"])
        try:
            r = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
        except subprocess.TimeoutExpired:
            return "FAIL", "did not finish within 120 s"
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        problems = []
        if r.returncode != c["code"]:
            problems.append(f"exit {r.returncode}, expected {c['code']}")
        if not re.search(c["message"], out):
            problems.append(f"message does not match /{c['message']}/")
        for bad in ("terminate called", "std::", "what():", "Segmentation", "stoull", "bad_alloc"):
            if bad in out:
                problems.append(f"raw failure text '{bad}' in the output")
        if c["after"]:
            kind, path = c["after"].split(":", 1)
            now = tree(path)
            if kind == "absent" and now is not None:
                problems.append(f"{path} was created")
            if kind == "unchanged" and now != before:
                problems.append(f"{path} changed")
        for root, dirs, files in os.walk(d):
            for f in files + dirs:
                if re.search(r"\.tmp-\d+$", f):
                    problems.append(f"temporary {os.path.join(root, f)} left behind")
        first = out.strip().splitlines()[0] if out.strip() else ""
        return ("FAIL" if problems else "ok"), ("; ".join(problems) + "\n      output: " + out
                                                 if problems else first)
    finally:
        os.chdir(WORK)
        if mounted:
            subprocess.run(["umount", mounted], capture_output=True)


def main():
    os.makedirs(WORK, exist_ok=True)
    doc = open(os.path.join(SRC, "docs", "RELIABILITY.md"), encoding="utf-8").read()
    failures = 0
    rows = []
    for i, c in enumerate(CASES):
        status, text = run_case(c, i)
        rows.append((c["name"], c["code"], text if status == "ok" else f"({status})"))
        if not TABLE:
            print(f"{status:4} {c['name']}: {text}")
        if status == "FAIL":
            failures += 1
        if not TABLE and f"| {c['name']} |" not in doc:
            print(f"FAIL {c['name']}: not listed in docs/RELIABILITY.md")
            failures += 1
    if TABLE:
        print("| Case | Exit | Message (first line) |\n|---|---|---|")
        for name, code, text in rows:
            text = text.replace(WORK, "WORK").replace("|", "\\|")
            print(f"| {name} | {code} | `{text}` |")
    print(f"{len(CASES)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
