"""The Python module gives the command line's numbers, bit for bit.

Usage: python_module_check.py CLOUDWARS_BINARY WORK_DIR   (PYTHONPATH: the
build's python/ folder). For a run, a sweep and a compare it runs the CLI
into WORK_DIR/cli-*, and the module twice: with out= (every data file must
be the same bytes as the CLI's; manifest.json differs in its times) and
without (nothing may be written; every table must equal the CLI file read
independently: the same columns, and every cell the same double, bit for
bit, as Python's own float() of the CLI's text, or the same integer, bool or
text). Also: errors carry the CLI's FILE:LINE:COL lines; the GIL is released
while the engine runs; dtypes of load().
"""

import filecmp
import math
import os
import struct
import subprocess
import sys
import tempfile
import csv

import cloudwars

BIN, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def cli(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def bits(x):
    return struct.pack("<d", x)


def same_cell(text, value):
    """The CLI's text of one cell against the module's value."""
    if text == "":
        return value is None or (isinstance(value, float) and math.isnan(value)) or \
            str(value) in ("<NA>", "NaT", "nan")
    if text in ("true", "false"):
        return bool(value) == (text == "true") and str(value) in ("True", "False")
    try:
        i = int(text)
        return not isinstance(value, float) and int(value) == i
    except ValueError:
        pass
    try:
        f = float(text)  # Python's float(): correctly rounded, an independent reader
        return isinstance(value, float) and bits(value) == bits(f)
    except ValueError:
        pass
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m") == text
    return str(value) == text


def compare_table(name, path, df):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    check(list(df.columns) == header, f"{name}: columns {list(df.columns)} != {header}")
    check(len(df) == len(body), f"{name}: {len(df)} rows != {len(body)}")
    bad = 0
    for j, col in enumerate(header):
        if col not in df.columns:
            continue
        values = df[col].astype(object).tolist()
        for i, row in enumerate(body[:len(values)]):
            if not same_cell(row[j], values[i]):
                bad += 1
                if bad <= 5:
                    print(f"  {name} row {i} {col}: CLI {row[j]!r}, module {values[i]!r}")
    check(bad == 0, f"{name}: {bad} cells differ from the CLI's")


def data_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".csv"))


def compare_folders(kind, cli_dir, module_dir, result):
    files = data_files(cli_dir)
    check(files, f"{kind}: the CLI wrote no data files")
    check(files == data_files(module_dir), f"{kind}: files {data_files(module_dir)} != {files}")
    for f in files:
        check(filecmp.cmp(os.path.join(cli_dir, f), os.path.join(module_dir, f), shallow=False),
              f"{kind}: {f} differs from the CLI's bytes")
        name = f[:-4]
        check(name in result.tables, f"{kind}: table {name} missing from the result")
        if name in result.tables:
            compare_table(f"{kind}/{name}", os.path.join(cli_dir, f), result.tables[name])
    check(set(result.tables) == {f[:-4] for f in files},
          f"{kind}: tables {sorted(result.tables)} != files {files}")


def no_files_written(call):
    """Runs `call` in an empty current folder with an empty TMPDIR; both
    must be empty afterwards."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory(dir=WORK) as cwd, tempfile.TemporaryDirectory(dir=WORK) as tmp:
        old = tempfile.tempdir
        tempfile.tempdir = tmp
        os.chdir(cwd)
        try:
            result = call()
        finally:
            os.chdir(here)
            tempfile.tempdir = old
        check(os.listdir(cwd) == [], f"files left in the current folder: {os.listdir(cwd)}")
        check(os.listdir(tmp) == [], f"files left in the temporary folder: {os.listdir(tmp)}")
        check(result.dir is None, "a result without out= names a folder")
    return result


SRC = os.getcwd()
BASE = os.path.join(SRC, "tests/data/sweeps/base.yaml")
SMALL = os.path.join(SRC, "tests/data/sweeps/small.yaml")

# --- run ---------------------------------------------------------------------
d_cli = os.path.join(WORK, "cli-run")
rc, out, err = cli("run", BASE, "--out", d_cli, "--set", "steps=30", "--set",
                   "providers[B].price=0.85", "--set", "seed=9")
check(rc == 0, f"cli run: exit {rc}: {err}")
sets = {"providers[B].price": 0.85}
r_out = cloudwars.run(BASE, set=sets, seed=9, steps=30, out=os.path.join(WORK, "py-run"))
compare_folders("run", d_cli, os.path.join(WORK, "py-run"), r_out)
check(cloudwars._cloudwars._gil_held_in_engine() is False, "run: the GIL was held by the engine")
r_mem = no_files_written(lambda: cloudwars.run(BASE, set=sets, seed=9, steps=30))
for f in data_files(d_cli):
    compare_table("run (in memory)/" + f, os.path.join(d_cli, f), r_mem.tables[f[:-4]])
# The same scenario as YAML text.
with open(BASE) as f:
    text = f.read()
r_text = cloudwars.run(text, set=sets, seed=9, steps=30)
compare_table("run (YAML text)/runs", os.path.join(d_cli, "runs.csv"), r_text.runs)
check(r_mem.manifest["command"] == "run" and r_mem.manifest["seed"] == 9, "run: manifest")
# dtypes
sp = r_mem.step_providers
check(str(sp["provider"].dtype) == "category" and list(sp["provider"].cat.categories) ==
      ["A", "B", "C"], f"provider dtype {sp['provider'].dtype}")
check(str(sp["date"].dtype).startswith("datetime64"), f"date dtype {sp['date'].dtype}")
check(str(r_mem.runs["tipping_step"].dtype) in ("Int64", "int64"),
      f"tipping_step dtype {r_mem.runs['tipping_step'].dtype}")
check(str(r_mem.runs["tipped"].dtype) in ("bool", "boolean"), "tipped dtype")
check(str(r_mem.runs["labs_final"].dtype) == "int64", "labs_final dtype")

# --- sweep -------------------------------------------------------------------
d_cli = os.path.join(WORK, "cli-sweep")
rc, out, err = cli("sweep", SMALL, "--out", d_cli, "--jobs", "2", "--progress", "none",
                   "--restart", "--replicates", "2")
check(rc == 0, f"cli sweep: exit {rc}: {err}")
d_py = os.path.join(WORK, "py-sweep")
r_out = cloudwars.sweep(SMALL, jobs=1, replicates=2, out=d_py, restart=True)
compare_folders("sweep", d_cli, d_py, r_out)
check(cloudwars._cloudwars._gil_held_in_engine() is False, "sweep: the GIL was held")
r_mem = no_files_written(lambda: cloudwars.sweep(SMALL, jobs=2, replicates=2))
for f in data_files(d_cli):
    compare_table("sweep (in memory)/" + f, os.path.join(d_cli, f), r_mem.tables[f[:-4]])
# The same sweep as a dict (relative base taken from the current folder).
spec = {"name": "small", "base": "tests/data/sweeps/base.yaml", "seed": 11, "replicates": 2,
        "design": {"kind": "grid"},
        "parameters": [{"path": "lock_in.weight", "values": [0, 1, 2]},
                       {"path": "network_effect.delta", "from": 0, "to": 2, "steps": 3}],
        "output": {"step_every": 6}}
r_dict = cloudwars.sweep(spec, jobs=2)
compare_table("sweep (dict)/runs", os.path.join(d_cli, "runs.csv"), r_dict.runs)

# --- compare -----------------------------------------------------------------
d_cli = os.path.join(WORK, "cli-compare")
rc, out, err = cli("compare", BASE, "--set-b", "providers[A].price=0.85", "--replicates", "4",
                   "--steps", "--progress", "none", "--out", d_cli)
check(rc == 0, f"cli compare: exit {rc}: {err}")
d_py = os.path.join(WORK, "py-compare")
r_out = cloudwars.compare(BASE, set_b={"providers[A].price": 0.85}, replicates=4, steps=True,
                          out=d_py, jobs=1)
compare_folders("compare", d_cli, d_py, r_out)
check(cloudwars._cloudwars._gil_held_in_engine() is False, "compare: the GIL was held")
r_mem = no_files_written(lambda: cloudwars.compare(
    BASE, set_b={"providers[A].price": 0.85}, replicates=4, steps=True))
for f in data_files(d_cli):
    compare_table("compare (in memory)/" + f, os.path.join(d_cli, f), r_mem.tables[f[:-4]])

# --- errors: the CLI's text ----------------------------------------------------
bad = os.path.join(WORK, "bad.yaml")
with open(BASE) as f:
    text = f.read()
with open(bad, "w") as f:
    f.write(text.replace("tau: 0.5", "tau: -0.5").replace("steps: 24", "stepz: 24"))
rc, out, err = cli("run", bad, "--no-output")
check(rc == 3, f"cli run bad.yaml: exit {rc}")
try:
    cloudwars.run(bad)
    check(False, "run(bad.yaml) raised nothing")
except cloudwars.ConfigError as e:
    check(isinstance(e, ValueError), "ConfigError is a ValueError")
    check(str(e) == err.strip(), f"error text {str(e)!r} != CLI's {err.strip()!r}")
    check(str(e).startswith(bad + ":"), f"error text does not start FILE:LINE: {e}")
try:
    cloudwars.run(BASE, set={"choice.tau": "x"})
    check(False, "a bad set raised nothing")
except cloudwars.ConfigError as e:
    check("choice.tau" in str(e), f"set error names the path: {e}")

# --- results folders: locked, and a run replaces its folder whole ----------------
# (docs/RELIABILITY.md) A run into a folder of an earlier run leaves no file
# of the earlier one: step_labs.csv, which this run does not write, is gone.
d_run = os.path.join(WORK, "py-run")
with open(os.path.join(d_run, "step_labs.csv"), "w") as f:
    f.write("run_id,step\n")
cloudwars.run(BASE, steps=6, out=d_run)
check(not os.path.exists(os.path.join(d_run, "step_labs.csv")),
      "run(out=) into an earlier run's folder kept a file the new run does not write")
# A folder with a file no run wrote is refused, untouched.
d_mine = os.path.join(WORK, "mine")
os.makedirs(d_mine, exist_ok=True)
with open(os.path.join(d_mine, "notes.txt"), "w") as f:
    f.write("mine\n")
try:
    cloudwars.run(BASE, steps=6, out=d_mine)
    check(False, "run(out=) into a folder of other files raised nothing")
except cloudwars.FolderRefusedError as e:
    check("holds files that no cloudwars run wrote" in str(e), f"refusal text: {e}")
check(sorted(os.listdir(d_mine)) == ["notes.txt"], f"refused folder changed: {os.listdir(d_mine)}")
# A folder whose lock another process holds (as a running sweep would) is
# refused by run, sweep, compare and sobol, before anything is written.
import fcntl  # noqa: E402
d_busy = os.path.join(WORK, "busy")
with open(os.path.join(WORK, ".busy.lock"), "w") as held:
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held.write("pid 1, cloudwars sweep\n")
    held.flush()
    for what, call in [
            ("run", lambda: cloudwars.run(BASE, steps=6, out=d_busy)),
            ("sweep", lambda: cloudwars.sweep(SMALL, jobs=1, replicates=1, out=d_busy)),
            ("compare", lambda: cloudwars.compare(BASE, set_b={"providers[A].price": 0.85},
                                                  replicates=2, out=d_busy, jobs=1))]:
        try:
            call()
            check(False, f"{what}(out=) into a folder in use raised nothing")
        except cloudwars.FolderBusyError as e:
            check("in use by another cloudwars command" in str(e), f"{what}: busy text: {e}")
        check(not os.path.exists(d_busy), f"{what}(out=) into a folder in use created it")
    os.makedirs(d_busy)
    try:
        cloudwars.sobol(d_busy)
        check(False, "sobol of a folder in use raised nothing")
    except cloudwars.FolderBusyError:
        pass

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("python module: run, sweep and compare identical to the CLI")
