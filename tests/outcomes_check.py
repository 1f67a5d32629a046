#!/usr/bin/python3
"""Declared outcomes and run_labs.csv against a hand computation from the
run's own per-step rows.

Usage: outcomes_check.py DIR SCENARIO.yaml [SWEEP.yaml]

DIR holds the output of `cloudwars run SCENARIO.yaml` (or of a sweep with
output.step_every: 1, output.events: true and output.lab_steps: true). The
outcome definitions are read from the YAML files themselves (the scenario's
`outcomes`, then the sweep file's), not from the program. For every run:

- each declared outcome is recomputed from steps.csv / step_providers.csv
  (the steps from `from` to `to`, empty cells left out) and compared with
  its runs.csv cell;
- each run_labs.csv row is recomputed from step_labs.csv (the lab's rows at
  the last step: present, main provider, its share and opinion, demand) and
  events.csv (its deal and storm_off events).

Exits 1 with a list of differences. Standard library and PyYAML only.
"""

import csv
import math
import sys
from collections import defaultdict

import yaml


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    return float("nan") if text == "" else float(text)


def close(a, b):
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def month(text):
    y, m = text.split("-")
    return int(y) * 12 + int(m) - 1


def step_of(text, start, default):
    if text in (None, ""):
        return default
    text = str(text)
    if "-" in text:
        return month(text) - month(start)
    return int(text)


def expected_outcome(o, series, start, steps):
    """o: the outcome's YAML mapping; series: {step: value} of its metric."""
    lo = step_of(o.get("from"), start, 0)
    hi = step_of(o.get("to"), start, steps - 1)
    window = [(t, series[t]) for t in sorted(series) if lo <= t <= hi]
    values = [x for _, x in window if not math.isnan(x)]
    stat = o.get("stat", "mean")
    if stat in ("mean", "sum"):
        if not values:
            return None
        total = 0.0
        for x in values:  # in step order, one addition at a time
            total += x
        return total if stat == "sum" else total / len(values)
    if stat == "first":
        x = window[0][1]
        return None if math.isnan(x) else x
    if stat == "last":
        x = window[-1][1]
        return None if math.isnan(x) else x
    if stat == "max":
        return max(values) if values else None
    if stat == "min":
        return min(values) if values else None
    level = float(o["level"])
    for t, x in window:
        if not math.isnan(x) and (x >= level if stat == "first_above" else x <= level):
            return t
    return None


def main():
    folder, scenario_file = sys.argv[1], sys.argv[2]
    with open(scenario_file) as f:
        scenario = yaml.safe_load(f)
    outcomes = list(scenario.get("outcomes") or [])
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as f:
            outcomes += list(yaml.safe_load(f).get("outcomes") or [])
    start, steps = str(scenario["start"]), int(scenario["steps"])
    named = [lab["name"] for lab in scenario["labs"].get("named", [])]

    market = defaultdict(dict)  # (run, metric) -> {step: value}
    for r in rows(folder + "/steps.csv"):
        for k, v in r.items():
            if k not in ("run_id", "step", "date", "leader"):
                market[(r["run_id"], k)][int(r["step"])] = num(v)
    per_provider = defaultdict(dict)  # (run, provider, metric) -> {step: value}
    for r in rows(folder + "/step_providers.csv"):
        for k, v in r.items():
            if k not in ("run_id", "step", "date", "provider"):
                per_provider[(r["run_id"], r["provider"], k)][int(r["step"])] = num(v)

    problems, checked = [], 0
    runs = rows(folder + "/runs.csv")
    for run in runs:
        rid = run["run_id"]
        if run.get("status", "ok") != "ok":
            continue
        for o in outcomes:
            if o.get("provider"):
                series = per_provider[(rid, o["provider"], o["metric"])]
            else:
                series = market[(rid, o["metric"])]
            if not series:
                problems.append("run {}: no rows for {}".format(rid, o["name"]))
                continue
            want = expected_outcome(o, series, start, steps)
            got = run[o["name"]]
            if want is None:
                ok = got == ""
            elif o.get("stat") in ("first_above", "first_below"):
                ok = got == str(want)
            else:
                ok = got != "" and close(float(got), want)
            checked += 1
            if not ok:
                problems.append("run {}: {} is {!r}, expected {!r}".format(
                    rid, o["name"], got, want))

    # run_labs.csv against step_labs.csv and events.csv.
    last = defaultdict(dict)  # (run, lab) -> {provider: row} at the run's last step
    for r in rows(folder + "/step_labs.csv"):
        if int(r["step"]) == steps - 1:
            last[(r["run_id"], r["lab"])][r["provider"]] = r
    events = defaultdict(list)
    for r in rows(folder + "/events.csv"):
        if r["type"] in ("deal", "storm_off"):
            events[(r["run_id"], r["lab"])].append(r)
    labs = rows(folder + "/run_labs.csv")
    by_key = {(r["run_id"], r["lab"]): r for r in labs}
    for run in runs:
        rid = run["run_id"]
        if run.get("status", "ok") != "ok":
            continue
        for lab in named:
            got = by_key.get((rid, lab))
            if got is None:
                problems.append("run {}: no run_labs.csv row for {}".format(rid, lab))
                continue
            at_end = last.get((rid, lab), {})
            want = {"present": "true" if at_end else "false"}
            provider, share = "", 0.0
            if at_end:
                x = {p: float(r["allocation"]) for p, r in at_end.items()}
                best = max(x.values())
                outside = 1.0 - sum(x.values())
                if best > 0 and not outside > best + 1e-12:
                    provider = next(p for p in x if x[p] == best)  # the first on ties
                    share = best
                want["demand"] = next(iter(at_end.values()))["demand"]
            else:
                want["demand"] = ""
            want["provider"] = provider
            want["opinion"] = at_end[provider]["opinion"] if provider else ""
            mine = events.get((rid, lab), [])
            storms = [e for e in mine if e["type"] == "storm_off"]
            want["deals"] = str(sum(e["type"] == "deal" for e in mine))
            want["storm_offs"] = str(len(storms))
            want["stormed_off"] = "true" if storms else "false"
            want["storm_off_step"] = storms[0]["step"] if storms else ""
            want["storm_off_date"] = storms[0]["date"] if storms else ""
            want["storm_off_from"] = storms[0]["provider"] if storms else ""
            for k, v in want.items():
                checked += 1
                if got[k] != v:
                    problems.append("run {} lab {}: {} is {!r}, expected {!r}".format(
                        rid, lab, k, got[k], v))
            checked += 1
            if not close(float(got["provider_share"]), share):
                problems.append("run {} lab {}: provider_share is {}, expected {}".format(
                    rid, lab, got["provider_share"], share))
    if len(labs) != len(named) * len(runs):
        problems.append("run_labs.csv has {} rows, expected {}".format(
            len(labs), len(named) * len(runs)))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("outcomes_check: {} values of {} runs agree".format(checked, len(runs)))


if __name__ == "__main__":
    main()
