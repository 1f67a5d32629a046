#!/usr/bin/python3
"""Recomputes `cloudwars compare`'s compare.csv from its runs.csv and
run_providers.csv, independently (docs/ANALYSIS.md).

Usage: compare_check.py DIR MIN_N. Pairs replicate r's A row with its B row
(runs.csv: side, replicate; run_providers.csv joined on run_id). For every
numeric outcome (every runs.csv column after `message` except the text
columns leader and flagship_leader; every run_providers.csv value column,
per provider) the pairs where both runs are ok and both cells non-empty
give n, the means, and with numpy/scipy:
  diff interval   mean(B-A) -+ t_{0.975, n-1} sd(B-A) / sqrt(n)
  unpaired        mean(B-A) -+ t_{0.975, welch df} sqrt((var A + var B) / n)
  reduction       1 - var(B-A) / (var A + var B)
The program's numbers must agree to 1e-9 relative to the data's size: the
reference uses numpy's two-pass variance and SciPy's t quantile refined by
two Newton steps (tests/points_check.py explains why), the program
Welford's running sums and Boost's quantile; both err by far less than
1e-12 of the data's size for n <= 100, while a real mistake (n instead of
n - 1, 1.96 instead of t, an unpaired interval in place of the paired one,
a pair from different replicates) is off by 1e-3 or more. Variances at
rounding level (below (1e-12 x the data's size)^2) make the reduction a
ratio of rounding errors: it is not compared then. With no
difference at all (A against A) the interval must be exactly [0, 0].

MIN_N: fail unless some outcome has at least this many pairs.
"""
import csv
import math
import sys

import numpy as np
from scipy.stats import t as student_t

REL = 1e-9
d, min_n = sys.argv[1], int(sys.argv[2])
failures = []


def fail(msg):
    if len(failures) < 50:
        failures.append(msg)


def quantile(p, df):
    q = student_t.ppf(p, df)
    for _ in range(2):
        q -= (student_t.cdf(q, df) - p) / student_t.pdf(q, df)
    return q


def read(name):
    with open(f"{d}/{name}", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


run_cols, runs = read("runs.csv")
_, providers = read("run_providers.csv")
prov_cols, _ = read("run_providers.csv")
_, compare = read("compare.csv")


def value(text):
    if text == "":
        return None
    return {"true": 1.0, "false": 0.0}.get(text, None) if text in ("true", "false") else float(text)


by_key = {(r["side"], int(r["replicate"])): r for r in runs}
replicates = sorted({int(r["replicate"]) for r in runs})
for rep in replicates:
    a, b = by_key[("A", rep)], by_key[("B", rep)]
    if a["seed"] != b["seed"]:
        fail(f"replicate {rep}: A seed {a['seed']} != B seed {b['seed']} (no common random numbers)")

outcomes = run_cols[run_cols.index("message") + 1 :]
outcomes = [c for c in outcomes if c not in ("leader", "flagship_leader")]
pcols = prov_cols[2:]
prov_by_run = {}
for p in providers:
    prov_by_run.setdefault(int(p["run_id"]), {})[p["provider"]] = p


def pairs_of(get):
    xs, ys = [], []
    for rep in replicates:
        a, b = by_key[("A", rep)], by_key[("B", rep)]
        if a["status"] != "ok" or b["status"] != "ok":
            continue
        x, y = get(a), get(b)
        if x is None or y is None:
            continue
        xs.append(x)
        ys.append(y)
    return np.array(xs), np.array(ys)


expected = []
for o in outcomes:
    expected.append((o, "", pairs_of(lambda r: value(r[o]))))
provider_names = [p["provider"] for p in providers if int(p["run_id"]) == int(runs[0]["run_id"])]
for name in provider_names:
    for c in pcols:
        def get(r, name=name, c=c):
            row = prov_by_run.get(int(r["run_id"]), {}).get(name)
            return None if row is None else value(row[c])
        expected.append((c, name, pairs_of(get)))

if len(compare) != len(expected):
    fail(f"compare.csv has {len(compare)} rows, expected {len(expected)}")


def close(got, want, scale, what):
    if want is None or (isinstance(want, float) and math.isnan(want)):
        if got != "":
            fail(f"{what}: expected empty, got {got}")
        return
    if got == "":
        fail(f"{what}: empty, expected {want}")
        return
    if abs(float(got) - want) > REL * max(scale, 1e-300):
        fail(f"{what}: {got} != {want!r}")


max_n = 0
for row, (o, prov, (xa, xb)) in zip(compare, expected):
    what = f"{o}[{prov}]"
    if row["outcome"] != o or row["provider"] != prov:
        fail(f"row order: got {row['outcome']}[{row['provider']}], expected {what}")
        continue
    n = len(xa)
    max_n = max(max_n, n)
    if int(row["n"]) != n:
        fail(f"{what}: n {row['n']} != {n}")
        continue
    if n == 0:
        continue
    scale = max(np.max(np.abs(xa)), np.max(np.abs(xb)), 1.0)
    diff = xb - xa
    close(row["mean_a"], float(np.mean(xa)), scale, what + " mean_a")
    close(row["mean_b"], float(np.mean(xb)), scale, what + " mean_b")
    close(row["diff"], float(np.mean(diff)), scale, what + " diff")
    if n < 2:
        continue
    va, vb, vd = np.var(xa, ddof=1), np.var(xb, ddof=1), np.var(diff, ddof=1)
    half = quantile(0.975, n - 1) * math.sqrt(vd) / math.sqrt(n)
    close(row["diff_lo"], float(np.mean(diff)) - half, scale, what + " diff_lo")
    close(row["diff_hi"], float(np.mean(diff)) + half, scale, what + " diff_hi")
    if np.all(diff == 0) and (row["diff_lo"], row["diff_hi"]) != ("0.0", "0.0"):
        fail(f"{what}: B - A is 0 in every pair but the interval is [{row['diff_lo']}, {row['diff_hi']}]")
    if va + vb <= (1e-12 * scale) ** 2:
        # Variances at rounding level (e.g. 384.00000000000006 once among 384.0):
        # the ratio is rounding noise, and the program's running sums may
        # give exactly 0 (an empty reduction). Nothing to compare.
        continue
    if va + vb > 0:
        df = (n - 1) * (va + vb) ** 2 / (va * va + vb * vb)
        uhalf = quantile(0.975, df) * math.sqrt((va + vb) / n)
        close(row["unpaired_lo"], float(np.mean(diff)) - uhalf, scale, what + " unpaired_lo")
        close(row["unpaired_hi"], float(np.mean(diff)) + uhalf, scale, what + " unpaired_hi")
        close(row["variance_reduction"], float(1 - vd / (va + vb)), 1.0, what + " variance_reduction")
    elif row["variance_reduction"] != "":
        fail(f"{what}: var A + var B = 0 but variance_reduction = {row['variance_reduction']}")

if max_n < min_n:
    fail(f"no outcome has {min_n} pairs (max {max_n})")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"compare.csv: {len(compare)} rows agree with the recomputation from runs.csv")
