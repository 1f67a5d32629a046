"""Reading a results folder (run, sweep or compare) into typed DataFrames."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

# Every table a folder can hold (docs/OUTPUTS.md, docs/SWEEPS.md,
# docs/ANALYSIS.md), in the order `Result` lists them.
TABLES = ("runs", "run_providers", "run_labs", "steps", "step_providers", "step_labs", "events",
          "points", "design",
          "compare", "compare_steps", "sobol", "morris", "history_check")

# Text columns holding a few repeated names: categorical. Provider-valued
# ones take the scenario's providers, in file order, as their categories.
_PROVIDER_COLUMNS = {"provider", "leader", "flagship_leader", "other_provider", "sim_provider",
                     "storm_off_from"}
_CATEGORY_COLUMNS = {"side", "status", "type", "outcome", "parameter", "group", "role"}
_INT = re.compile(r"-?[0-9]+\Z")


class Result:
    """A results folder's tables (pandas DataFrames) and its manifest.

    Attributes: ``kind`` ("run", "sweep" or "compare"), ``manifest`` (dict),
    ``dir`` (the folder, or None when nothing was kept), ``tables`` (dict of
    every table present) and one attribute per table name (``runs``,
    ``run_providers``, ``run_labs``, ``steps``, ``step_providers``, ``step_labs``, ``events``,
    ``points``, ``design``, ``compare``, ``compare_steps``, ``sobol``,
    ``morris``, ``history_check``): the DataFrame, or None when absent.
    """

    def __init__(self, kind, manifest, tables, dir=None):
        self.kind = kind
        self.manifest = manifest
        self.tables = tables
        self.dir = Path(dir) if dir is not None else None

    def __getattr__(self, name):
        if name in TABLES:
            return self.__dict__["tables"].get(name)
        raise AttributeError(name)

    def __getitem__(self, name):
        return self.tables[name]

    def __contains__(self, name):
        return name in self.tables

    def providers(self):
        """The scenario's provider names, in file order (A's for a compare)."""
        return _providers(self.manifest)

    def __repr__(self):
        lines = [f"<cloudwars {self.kind} result" + (f" in {self.dir}" if self.dir else "") + ">"]
        for name, df in self.tables.items():
            lines.append(f"  {name}: {df.shape[0]} rows x {df.shape[1]} columns")
        return "\n".join(lines)


def _providers(manifest):
    scenario = manifest.get("scenario") or {}
    names = [p.get("name") for p in scenario.get("providers", []) if isinstance(p, dict)]
    b = manifest.get("scenario_b") or {}
    for p in b.get("providers", []):
        if isinstance(p, dict) and p.get("name") not in names:
            names.append(p.get("name"))
    return names


def _categorical(values, first=()):
    seen = list(first)
    known = set(seen)
    for v in values.dropna().unique():
        if v not in known:
            seen.append(v)
            known.add(v)
    return pd.Categorical(values, categories=seen)


def read_table(path, providers=()):
    """One CSV (or .csv.gz) written by cloudwars, with the right dtypes.

    Floats are read exactly (``float_precision="round_trip"``: the shortest
    round-trip text the writer uses gives back the same double); empty cells
    are missing; whole-number columns with missing cells (``tipping_step``)
    are pandas' nullable ``Int64``; ``true``/``false`` are booleans
    (nullable ``boolean`` when some are missing); ``date`` (``YYYY-MM``) is
    a datetime; provider names, status, side, event type are categorical.
    """
    df = pd.read_csv(path, float_precision="round_trip", keep_default_na=False, na_values=[""],
                     low_memory=False)
    floats_with_gaps = [c for c in df.columns
                        if df[c].dtype == np.float64 and df[c].isna().any() and df[c].notna().any()]
    objects = [c for c in df.columns if df[c].dtype == object]
    if floats_with_gaps or objects:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False,
                          usecols=floats_with_gaps + objects)
        for c in floats_with_gaps:
            text = raw[c][raw[c] != ""]
            if text.str.match(_INT).all():  # integers with gaps: never written with a '.'
                df[c] = pd.array([int(t) if t else pd.NA for t in raw[c]], dtype="Int64")
        for c in objects:
            text = set(raw[c][raw[c] != ""].unique())
            if text and text <= {"true", "false"}:
                df[c] = pd.array([None if t == "" else t == "true" for t in raw[c]],
                                 dtype="boolean")
    for c in df.columns:
        # A step column with every cell empty (decentralized_first_step_5pct
        # in a run that never reached 5%): whole numbers, none known.
        if df[c].dtype == np.float64 and re.search(r"_step(_|$)", c) and df[c].isna().all():
            df[c] = pd.array([pd.NA] * len(df), dtype="Int64")
        elif c == "date" and df[c].dtype == object:
            df[c] = pd.to_datetime(df[c], format="%Y-%m")
        elif c in _PROVIDER_COLUMNS and df[c].dtype == object:
            df[c] = _categorical(df[c], providers)
        elif c in _CATEGORY_COLUMNS and df[c].dtype == object:
            df[c] = _categorical(df[c])
    return df


def load(dir):
    """Loads a run, sweep or compare folder: every table it holds, typed
    (see ``read_table``), and its manifest. Returns a ``Result``."""
    dir = Path(dir)
    manifest_path = dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{dir}: no manifest.json (not a cloudwars results folder, "
                                "or its command did not finish)")
    with open(manifest_path) as f:
        manifest = json.load(f)
    providers = _providers(manifest)
    tables = {}
    for name in TABLES:
        for candidate in (dir / f"{name}.csv", dir / f"{name}.csv.gz"):
            if candidate.is_file():
                tables[name] = read_table(candidate, providers)
                break
    return Result(manifest.get("command", "run"), manifest, tables, dir)


def _detach(result):
    """The same result with no folder (the folder is about to be removed)."""
    return Result(result.kind, result.manifest, result.tables, None)
