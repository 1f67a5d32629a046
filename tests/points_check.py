#!/usr/bin/python3
"""Recomputes a sweep's points.csv from its runs.csv, independently.

Usage: points_check.py SWEEP_DIR [MIN_N]. For every design point and every
numeric outcome column of runs.csv (docs/SWEEPS.md, "points.csv"): the cells
of the point's ok runs, empty cells left out, true/false as 1/0, give n, the
mean, the sample sd (n - 1) and the 95% Student-t interval
mean -+ t_{0.975, n-1} s / sqrt(n), with the t quantile from SciPy
(scipy.stats.t, see quantile() below) and the mean and variance computed
exactly in rationals (fractions.Fraction of each cell's double) and rounded
once. The program's values must agree to a relative 1e-12 of the size of
the data.

Why 1e-12: the reference is correctly rounded up to the final sqrt and
quantile (each within an ulp or so); the program's running (Welford) mean
and sum of squares over n values err by a few n ulps of the largest |x|,
and Boost's and the refined SciPy t quantiles agree to about 1e-15. With n <= 100
that is below 1e-13 of the data's size, so 1e-12 never fails by rounding,
while any real mistake (a normal 1.96 instead of the t quantile, n instead
of n - 1, a left-out or extra run, a wrong column) is off by 1e-3 or more.
When all n values are equal the docs promise lo = hi = mean: checked
exactly.

MIN_N: fail unless some outcome of some point has at least this many values
(the check must see real intervals, not only n = 0 or 1).
"""
import csv
import math
import sys
from fractions import Fraction

from scipy.stats import t as student_t

REL = 1e-12

d = sys.argv[1]
min_n = int(sys.argv[2]) if len(sys.argv) > 2 else 2
with open(f"{d}/runs.csv", newline="") as f:
    runs = list(csv.DictReader(f))
with open(f"{d}/points.csv", newline="") as f:
    reader = csv.DictReader(f)
    point_cols = reader.fieldnames
    points = list(reader)
with open(f"{d}/runs.csv", newline="") as f:
    run_cols = next(csv.reader(f))

failures = []


def quantile(p, df):
    """The Student-t quantile, to about 1e-15 relative.

    Debian 12's SciPy 1.10 computes t.ppf with Cephes' stdtrit, which is
    off by up to 4e-9 relative for df < 120 (2.200985160082949 at df = 11;
    the quantile to 40 digits, from mpmath, is 2.2009851600916398...): too
    coarse for this check. Two Newton steps on t.cdf, which is accurate to
    an ulp or two, bring it to within about 1e-15 (checked against mpmath
    for df = 1..119 when this script was written).
    """
    q = student_t.ppf(p, df)
    for _ in range(2):
        q -= (student_t.cdf(q, df) - p) / student_t.pdf(q, df)
    return q



def fail(msg):
    if len(failures) < 50:
        failures.append(msg)


# Outcome columns: every runs.csv column with a _mean/_lo/_hi/_n group in
# points.csv; each must be a runs.csv column, in runs.csv order.
outcomes = [c[: -len("_mean")] for c in point_cols if c.endswith("_mean")]
for o in outcomes:
    for suffix in ("_lo", "_hi", "_n"):
        if o + suffix not in point_cols:
            fail(f"points.csv has {o}_mean but no {o}{suffix}")
    if o not in run_cols:
        fail(f"points.csv outcome {o} is not a runs.csv column")
positions = [run_cols.index(o) for o in outcomes if o in run_cols]
if positions != sorted(positions):
    fail("points.csv outcomes are not in runs.csv order")
# Every numeric outcome of runs.csv is summarised: after the key columns and
# the varied paths (the columns between `message` and the first outcome
# that points.csv repeats), a column whose non-empty cells of ok runs all
# parse as numbers or booleans must be in points.csv.
varied = [c for c in point_cols[1:] if c not in ("runs_ok", "runs_failed")
          and not c.endswith(("_mean", "_lo", "_hi", "_n"))]
keys = {"run_id", "point_id", "replicate", "seed", "status", "message", *varied}


def number(text):
    if text == "true":
        return Fraction(1)
    if text == "false":
        return Fraction(0)
    return Fraction(float(text))  # the exact value of the double


for c in run_cols:
    if c in keys or c in outcomes:
        continue
    cells = [r[c] for r in runs if r["status"] == "ok" and r[c] != ""]
    try:
        for text in cells:
            number(text)
    except ValueError:
        continue  # a text column (leader, flagship_leader)
    if cells:
        fail(f"runs.csv column {c} is numeric but has no summary in points.csv")

by_point = {}
for r in runs:
    by_point.setdefault(int(r["point_id"]), []).append(r)
if [int(p["point_id"]) for p in points] != sorted(by_point):
    fail("points.csv point_ids are not every point of runs.csv, in order")

largest_n = 0
checked = 0
for p in points:
    pid = int(p["point_id"])
    rows = by_point.get(pid, [])
    ok = [r for r in rows if r["status"] == "ok"]
    if int(p["runs_ok"]) != len(ok):
        fail(f"point {pid}: runs_ok {p['runs_ok']}, runs.csv has {len(ok)}")
    if int(p["runs_failed"]) != len(rows) - len(ok):
        fail(f"point {pid}: runs_failed {p['runs_failed']}, runs.csv has {len(rows) - len(ok)}")
    for v in varied:
        if any(r[v] != p[v] for r in rows):
            fail(f"point {pid}: {v} = {p[v]} differs from its runs")
    for o in outcomes:
        xs = [number(r[o]) for r in ok if r[o] != ""]
        n = len(xs)
        largest_n = max(largest_n, n)
        where = f"point {pid} {o}"
        if int(p[o + "_n"]) != n:
            fail(f"{where}: _n {p[o + '_n']}, expected {n}")
            continue
        if n == 0:
            if (p[o + "_mean"], p[o + "_lo"], p[o + "_hi"]) != ("", "", ""):
                fail(f"{where}: n = 0 but mean/lo/hi are not empty")
            continue
        mean = sum(xs) / n
        size = float(max(abs(x) for x in xs))
        got_mean = float(p[o + "_mean"])
        if abs(got_mean - float(mean)) > REL * size:
            fail(f"{where}: mean {got_mean!r}, expected {float(mean)!r}")
        checked += 1
        if n == 1:
            if (p[o + "_lo"], p[o + "_hi"]) != ("", ""):
                fail(f"{where}: n = 1 but lo/hi are not empty")
            continue
        var = sum((x - mean) ** 2 for x in xs) / (n - 1)
        half = quantile(0.975, n - 1) * math.sqrt(float(var)) / math.sqrt(n)
        lo, hi = float(p[o + "_lo"]), float(p[o + "_hi"])
        if var == 0:
            if not (lo == hi == got_mean):
                fail(f"{where}: equal values but lo {lo!r}, mean {got_mean!r}, hi {hi!r}")
            continue
        tol = REL * max(size, half)
        if abs(lo - (float(mean) - half)) > tol or abs(hi - (float(mean) + half)) > tol:
            fail(f"{where}: interval [{lo!r}, {hi!r}], expected "
                 f"[{float(mean) - half!r}, {float(mean) + half!r}]")

if largest_n < min_n:
    fail(f"no outcome has {min_n} or more values (largest n {largest_n}): nothing was tested")
if checked == 0:
    fail("no mean was checked")
for msg in failures:
    print(msg)
print(f"points: {len(failures)} failed" if failures
      else f"points: all {checked} means and their intervals agree")
sys.exit(1 if failures else 0)
