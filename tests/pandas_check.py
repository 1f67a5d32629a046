#!/usr/bin/python3
"""Loads the files of a sweep folder with pandas and checks dtypes and exactness.

Usage: pandas_check.py SWEEP_DIR. Every numeric column must load as float64 or
int64, and every float must be the exact double the program wrote: the text
of each cell, parsed by Python's float(), equals the value pandas read with
float_precision="round_trip".
"""
import sys

import pandas as pd

d = sys.argv[1]
runs = pd.read_csv(f"{d}/runs.csv", float_precision="round_trip")
points = pd.read_csv(f"{d}/points.csv", float_precision="round_trip")
providers = pd.read_csv(f"{d}/run_providers.csv", float_precision="round_trip")
raw = pd.read_csv(f"{d}/runs.csv", dtype=str, keep_default_na=False)

failures = []
for col in ["run_id", "point_id", "replicate", "seed", "switches", "labs_final"]:
    if runs[col].dtype != "int64":
        failures.append(f"runs.{col} is {runs[col].dtype}, expected int64")
# tipping_step is a whole step, empty when a run never tips: int64 when every
# run tipped, float64 (NaN for the censored ones) otherwise.
if runs["tipping_step"].dtype not in ("int64", "float64"):
    failures.append(f"runs.tipping_step is {runs['tipping_step'].dtype}")
for col in ["hhi_final", "leader_share", "lock_in_ratio", "mean_effective_price",
            "decentralized_share_final", "outside_share_final"]:
    if runs[col].dtype != "float64":
        failures.append(f"runs.{col} is {runs[col].dtype}, expected float64")
if runs["tipped"].dtype != "bool":
    failures.append(f"runs.tipped is {runs['tipped'].dtype}, expected bool")
for col in ["hhi_final", "leader_share", "lock_in_ratio", "mean_effective_price"]:
    for text, value in zip(raw[col], runs[col]):
        if text and float(text) != value:
            failures.append(f"runs.{col}: {text} read as {value!r}")
            break
for col in points.columns:
    if col.endswith(("_mean", "_lo", "_hi")) and points[col].dtype != "float64":
        failures.append(f"points.{col} is {points[col].dtype}")
if providers["final_share"].dtype != "float64":
    failures.append("run_providers.final_share is not float64")
if len(runs) != runs["run_id"].max() + 1 or not runs["run_id"].is_monotonic_increasing:
    failures.append("runs.csv is not sorted by run_id 0..n-1")

for f in failures:
    print(f)
print(f"pandas: {len(failures)} failed" if failures else "pandas: all checks passed")
sys.exit(1 if failures else 0)
