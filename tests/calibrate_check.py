#!/usr/bin/python3
"""Checks of scripts/calibrate (docs/VALIDATION.md, "Calibration of the 2017
history").

Usage: calibrate_check.py CLOUDWARS TMPDIR (from the source tree).

1. Recovery (deterministic, no simulation): synthetic AI revenue paths and
   background levels, "observed" Q4 shares and market sizes made from known
   growth rates by the definitions of docs/VALIDATION.md (computed here,
   independently of the script); the script's background fit must recover
   the rates to 1e-5 and reach zero loss. A fit started elsewhere that
   stopped early, or a share computed on the wrong months, fails.
2. The reduced procedure (`--quick`: 8 design points x 2 replicates, 4
   validation runs) runs end to end with the given program: every output
   file is written, every fitted parameter lies in its bounds, the written
   scenario validates and carries the fitted values, and its residuals
   table holds 2017-2025 for the four providers with 2025 marked out of
   sample.
"""
import importlib.machinery
import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd

cloudwars, tmp = sys.argv[1], sys.argv[2]
failures = []

loader = importlib.machinery.SourceFileLoader("calibrate", "scripts/calibrate")
spec = importlib.util.spec_from_loader("calibrate", loader)
cal = importlib.util.module_from_spec(spec)
loader.exec_module(cal)

# 1. Recovery of known background growth rates.
true_g = {"AWS": 0.024, "Azure": 0.031, "GoogleCloud": 0.028, "Oracle": 0.018, "Others": 0.019}
b0 = {"AWS": 1240.0, "Azure": 490.0, "GoogleCloud": 265.0, "Oracle": 78.0, "Others": 1690.0}
rows = []
for rep in range(2):
    for step in range(108):
        for p in b0:
            ai = 0.0 if p == "Others" else (1.0 + rep) * (1 + 0.1 * len(p)) * math.exp(0.05 * step)
            rows.append({"run_id": rep, "point_id": 0, "replicate": rep, "step": step,
                         "provider": p, "ai_revenue": ai,
                         "background": b0[p] * math.exp(0.02 * step),
                         "revenue": ai + b0[p] * math.exp(0.02 * step)})
sp = pd.DataFrame(rows)
# Observed Q4 shares and quarter sizes, by hand from the definitions:
# Q4 = steps 12y+9..12y+11; share = mean over replicates of the quarter's
# revenue share; size = mean quarter total in bn USD.
q4_rows, size = [], {}
names = {"AWS": "AWS", "Azure": "Microsoft", "GoogleCloud": "Google", "Oracle": "Oracle"}
for y in range(2017, 2023):
    shares = {p: [] for p in names}
    totals = []
    for rep in range(2):
        rev = {p: 0.0 for p in b0}
        for step in range(12 * (y - 2017) + 9, 12 * (y - 2017) + 12):
            for p in b0:
                ai = 0.0 if p == "Others" else (1.0 + rep) * (1 + 0.1 * len(p)) * math.exp(0.05 * step)
                rev[p] += ai + b0[p] * math.exp(true_g[p] * step)
        tot = sum(rev.values())
        totals.append(tot / 1000.0)
        for p in names:
            shares[p].append(rev[p] / tot)
    for p, n in names.items():
        q4_rows.append({"year": y, "provider": n, "share_pct": 100.0 * float(np.mean(shares[p]))})
    size[y] = float(np.mean(totals))
q4 = pd.DataFrame(q4_rows)
fitted, loss = cal.fit_background(sp, q4, pd.Series(size), np.full(5, 0.0207))
for p, g in true_g.items():
    if abs(fitted[p] - g) > 1e-5:
        failures.append(f"recovery: growth of {p} {fitted[p]:.6f}, expected {g}")
if loss > 1e-6:
    failures.append(f"recovery: loss {loss} at the truth, expected 0")

# 2. The reduced procedure end to end.
out = os.path.join(tmp, "calibration")
r = subprocess.run(["/usr/bin/python3", "scripts/calibrate", "--quick", "--bin", cloudwars,
                    "--out", out, "--jobs", "2"], capture_output=True, text=True)
if r.returncode != 0:
    failures.append(f"calibrate --quick exit {r.returncode}: {r.stderr[-2000:]}")
else:
    for f in ("design.csv", "background.csv", "fit.json", "posterior.csv", "profile.csv",
              "residuals.csv", "summary.csv", "explained.csv", "cloudwars-2017-calibrated.yaml"):
        if not os.path.exists(os.path.join(out, f)):
            failures.append(f"missing {f}")
    fit = json.load(open(os.path.join(out, "fit.json")))
    for name, lo, hi, _ in cal.AI_PARAMS:
        v = fit["ai_layer"][name]
        if not (lo <= v <= hi):
            failures.append(f"{name} = {v} outside [{lo}, {hi}]")
    scen = os.path.join(out, "cloudwars-2017-calibrated.yaml")
    v = subprocess.run([cloudwars, "validate", scen], capture_output=True, text=True)
    if v.returncode != 0:
        failures.append(f"written scenario does not validate: {v.stderr}")
    text = open(scen).read()
    if f"capex_ratio: {fit['ai_layer']['capex_h']:.3f}" not in text:
        failures.append("written scenario lacks the fitted hyperscaler capex_ratio")
    if f"growth: {fit['background']['Azure']:.5f}" not in text:
        failures.append("written scenario lacks Azure's fitted background growth")
    res = pd.read_csv(os.path.join(out, "residuals.csv"))
    if sorted(res["year"].unique()) != list(range(2017, 2026)):
        failures.append(f"residual years {sorted(res['year'].unique())}")
    if set(res.loc[res["year"] == 2025, "sample"]) != {"out"} or \
            set(res.loc[res["year"] < 2025, "sample"]) != {"in"}:
        failures.append("2025 must be the only out-of-sample year")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("calibrate: background rates recovered; the reduced procedure writes a valid scenario")
