#!/usr/bin/python3
"""The compare snippets of README.md and docs/ANALYSIS.md run, and say what
the docs say.

Usage: docs_compare_check.py CLOUDWARS TMPDIR (from the source tree).
1. The command after the `compare-example` marker of ANALYSIS.md is run as
   written (`cloudwars` -> CLOUDWARS); its stdout must equal the `text`
   block that follows, byte for byte (runs depend only on config and seed).
2. The `--set-b` form of the same counterfactual gives the same runs for
   its B as the storm-off file gives for its A (3 replicates, every outcome
   cell equal).
3. The pandas snippet of "Recomputing by hand" runs on the folder of 1 and
   prints compare.csv's diff, interval and reduction for final_share[Azure].
4. README's `$B compare` line runs (exit 0).
"""
import csv
import re
import subprocess
import sys

cloudwars, tmp = sys.argv[1], sys.argv[2]
failures = []
doc = open("docs/ANALYSIS.md").read()
blocks = re.findall(r"```(\w*)\n(.*?)```", doc, re.S)


def shell_command(text):
    return re.sub(r"^cloudwars ", f"'{cloudwars}' ", text.replace("\\\n", " ").strip())


def run(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


# 1. The example's output.
marker = doc.index("<!-- compare-example")
after = re.findall(r"```(\w*)\n(.*?)```", doc[marker:], re.S)
assert after[0][0] == "sh" and after[1][0] == "text", after[:2]
r = run(shell_command(after[0][1]))
if r.returncode != 0:
    failures.append(f"example exit {r.returncode}: {r.stderr}")
elif r.stdout != after[1][1]:
    failures.append("example output differs from docs/ANALYSIS.md:\n" + r.stdout)

# 2. The --set-b form: its B runs are the storm-off file's A runs.
set_b = after[2][1]
assert "--set-b" in set_b
r1 = run(shell_command(set_b) + f" --replicates 3 --progress none --out {tmp}/setb")
r2 = run(f"'{cloudwars}' compare configs/scenarios/storm-off-2017.yaml "
         f"configs/scenarios/cloudwars-2017.yaml --replicates 3 --progress none --out {tmp}/file")
if r1.returncode or r2.returncode:
    failures.append(f"--set-b form: exit {r1.returncode} {r2.returncode}: {r1.stderr}{r2.stderr}")
else:
    def side_rows(path, side):
        with open(path, newline="") as f:
            return [row[2:] for row in csv.reader(f) if row[1] == side]
    b = side_rows(f"{tmp}/setb/runs.csv", "B")
    a = side_rows(f"{tmp}/file/runs.csv", "A")
    if len(a) != 3 or a != b:
        failures.append("the --set-b form's B runs differ from storm-off-2017.yaml's runs")

# 3. The pandas snippet (the python block of "Recomputing by hand").
section = doc[doc.index("## Recomputing by hand"):]
snippet = re.findall(r"```python\n(.*?)```", section, re.S)[0]
r = run(f"/usr/bin/python3 -c {subprocess.list2cmdline([snippet])}")
if r.returncode != 0:
    failures.append(f"pandas snippet failed: {r.stderr}")
else:
    with open("results/compare-storm-off-2017-vs-cloudwars-2017/compare.csv", newline="") as f:
        row = next(x for x in csv.DictReader(f)
                   if x["outcome"] == "final_share" and x["provider"] == "Azure")
    got = [float(x) for x in r.stdout.split()]
    want = [float(row[k]) for k in ("diff", "diff_lo", "diff_hi", "variance_reduction")]
    if any(abs(g - w) > 1e-9 * max(1.0, abs(w)) for g, w in zip(got, want)) or len(got) != 4:
        failures.append(f"pandas snippet printed {got}, compare.csv has {want}")

# 4. README.
readme = [l for l in open("README.md").read().splitlines() if l.startswith("$B compare")]
if not readme:
    failures.append("README has no $B compare line")
for line in readme:
    r = run(line.replace("$B", f"'{cloudwars}'", 1) + f" --out {tmp}/readme --progress none")
    if r.returncode != 0:
        failures.append(f"README: {line}: exit {r.returncode}: {r.stderr}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("docs compare snippets: ok")
