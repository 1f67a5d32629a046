"""`cloudwars plot DIR` draws the figures that fit each kind of folder.

Usage: plot_check.py CLOUDWARS_BINARY WORK_DIR. For a run, a sweep with
steps, a compare with --steps, a sobol sweep with its indices, and the main
job (configs/sweeps/tipping-grid.yaml, as README "The main job" shows): the
command lists exactly the expected PNG files, each exists and is a PNG.
"""

import fcntl
import os
import re
import shutil
import subprocess
import sys

BIN, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = []


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if p.returncode != 0:
        failures.append(f"{' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def expect(dir, names):
    listed = run("plot", dir).split()
    want = [os.path.join(dir, "plots", n) for n in names]
    if listed != want:
        failures.append(f"plot {dir}: listed {listed}, expected {want}")
    for path in want:
        if not os.path.isfile(path):
            failures.append(f"{path}: missing")
            continue
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                failures.append(f"{path}: not a PNG")


d = os.path.join(WORK, "run")
run("run", "tests/data/sweeps/base.yaml", "--out", d)
expect(d, ["shares.png"])

d = os.path.join(WORK, "sweep")
run("sweep", "tests/data/sweeps/small.yaml", "--out", d, "--replicates", "2", "--progress", "none")
expect(d, ["shares.png", "tipping.png", "hhi_final.png"])

d = os.path.join(WORK, "compare")
run("compare", "tests/data/sweeps/base.yaml", "--set-b", "providers[A].price=0.85",
    "--replicates", "3", "--steps", "--progress", "none", "--out", d)
expect(d, ["differences.png", "difference_steps.png"])

d = os.path.join(WORK, "sobol")
run("sweep", "tests/data/sweeps/sobol-small.yaml", "--out", d, "--progress", "none")
run("sobol", d, "--resamples", "50")
expect(d, ["tipping.png", "hhi_final.png", "sobol.png"])

# The main job, and the list of figures README.md shows for it.
with open("README.md") as f:
    readme = f.read()
block = re.search(r"<!-- plot-example.*?-->\n```text\n(.*?)```", readme, re.S)
if block is None:
    failures.append("README.md: no plot-example block")
else:
    shown = [line.split()[0] for line in block.group(1).splitlines()
             if line.startswith("results/tipping-grid/plots/")]
    d = os.path.join(WORK, "tipping-grid")
    run("sweep", "configs/sweeps/tipping-grid.yaml", "--out", d, "--progress", "none")
    expect(d, [os.path.basename(p) for p in shown])
    if not shown:
        failures.append("README.md: the plot-example block lists no figure")

# A folder whose lock another command holds (a sweep still writing it, say):
# plot refuses it with exit 2 and the commands' sentence, and writes nothing;
# once the lock is free it draws.
d = os.path.join(WORK, "run")
shutil.rmtree(os.path.join(d, "plots"))
with open(os.path.join(WORK, ".run.lock"), "w") as held:
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held.write("pid 1, cloudwars sweep\n")
    held.flush()
    p = subprocess.run([BIN, "plot", d], capture_output=True, text=True)
    want = f"cloudwars plot: {d} is in use by another cloudwars command (pid 1, cloudwars sweep); " \
           "wait for it to finish\n"
    if p.returncode != 2 or p.stderr != want or p.stdout:
        failures.append(f"plot of a locked folder: exit {p.returncode}, {p.stderr!r}, {p.stdout!r}")
    if os.path.exists(os.path.join(d, "plots")):
        failures.append("plot of a locked folder: wrote plots/")
expect(d, ["shares.png"])

# From Python, the folder given as a pathlib.Path (as the module's other
# functions take it).
module_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "python")
p = subprocess.run(["/usr/bin/python3", "-c",
                    "import pathlib, sys, cloudwars.plot as P; print(P.folder(pathlib.Path(sys.argv[1])))",
                    d], capture_output=True, text=True,
                   env=dict(os.environ, PYTHONPATH=module_dir, MPLBACKEND="Agg"))
if p.returncode != 0 or "shares.png" not in p.stdout:
    failures.append(f"plot.folder(pathlib.Path): exit {p.returncode}, {p.stdout!r}, {p.stderr!r}")

# A folder that is not a results folder: exit 3 and a message, and no lock
# file left beside it.
work = os.path.abspath(WORK)
lock = os.path.join(os.path.dirname(work), "." + os.path.basename(work) + ".lock")
if os.path.exists(lock):
    os.remove(lock)
p = subprocess.run([BIN, "plot", WORK], capture_output=True, text=True)
if p.returncode != 3 or "manifest.json" not in p.stderr:
    failures.append(f"plot on a non-results folder: exit {p.returncode}, {p.stderr!r}")
if os.path.exists(lock):
    failures.append(f"plot on a non-results folder: left {lock}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
