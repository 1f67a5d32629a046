"""cloudwars.run, .sweep, .compare, .sobol, .morris: the engine from Python.

Each call writes a results folder with the same code as the command line
(so the same bytes), then reads it with ``load``. Without ``out=`` the
folder is a private temporary one, removed before the call returns: no
file is left behind.
"""

import json
import math
import os
import tempfile
import warnings
from pathlib import Path

from . import _cloudwars as _engine
from ._load import _detach, load, read_table
try:
    from ._where import SOURCE_DIR  # written by the build
except ImportError:
    SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _scenario_source(scenario, label):
    """A path, YAML text or a dict -> the engine's ScenarioSource.

    A str with no line break that does not start with '{' is a file name;
    a relative one missing from the current folder is looked up in the
    source tree too (so "configs/default.yaml" works from any folder).
    A dict is written as JSON text (JSON is YAML)."""
    if isinstance(scenario, dict):
        return _engine.ScenarioSource(text=json.dumps(scenario), label=label)
    if isinstance(scenario, os.PathLike):
        return _engine.ScenarioSource(file=_find(os.fspath(scenario)))
    if isinstance(scenario, str):
        if "\n" in scenario or scenario.lstrip().startswith("{"):
            return _engine.ScenarioSource(text=scenario, label=label)
        return _engine.ScenarioSource(file=_find(scenario))
    raise TypeError(f"a scenario is a path, YAML text or a dict, not {type(scenario).__name__}")


def _find(path):
    if os.path.isabs(path) or os.path.exists(path):
        return path
    in_tree = os.path.join(SOURCE_DIR, path)
    return in_tree if os.path.exists(in_tree) else path


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isfinite(v):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return ",".join(_value(x) for x in v)
    return str(v)


def _sets(set, **named):
    """{path: value} (or ["path=value", ...]) plus keyword shortcuts -> path=value strings."""
    out = []
    if set is None:
        pass
    elif isinstance(set, dict):
        out += [f"{k}={_value(v)}" for k, v in set.items()]
    elif isinstance(set, str):
        out.append(set)
    else:
        out += list(set)
    out += [f"{k}={_value(v)}" for k, v in named.items() if v is not None]
    return out


class _Folder:
    """A private temporary folder (removed at the end) for the results,
    unless `out` is given (kept), and for a dict sweep's files."""

    def __init__(self, out):
        self.out = out

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cloudwars-")
        work = Path(self.tmp.name)
        return (Path(self.out) if self.out is not None else work / "out"), work

    def __exit__(self, *exc):
        self.tmp.cleanup()


def _finish(dir, keep):
    result = load(dir)
    return result if keep else _detach(result)


def run(scenario, set=None, seed=None, steps=None, out=None):
    """Runs one scenario, as ``cloudwars run``; returns a ``Result`` with the
    tables runs, run_providers, steps, step_providers, events (when the
    scenario writes them) and the manifest.

    scenario: a file path, YAML text or a dict. set: {path: value} changes
    (the paths of ``cloudwars params``); seed, steps: shortcuts for
    set={"seed": ..., "steps": ...}. out: a folder to write the files into
    (as ``--out``); without it nothing is written.
    Raises ConfigError (a ValueError) with the CLI's FILE:LINE:COL lines."""
    source = _scenario_source(scenario, "<dict>" if isinstance(scenario, dict) else "<text>")
    with _Folder(out) as (dir, _):
        _engine.run_into(str(dir), source, _sets(set, seed=seed, steps=steps))
        return _finish(dir, out is not None)


def _sweep_file(sweep, work):
    """A sweep path, or a dict written to a file in `work` with its relative
    paths (base, design.file) made absolute against the current folder; a
    dict `base` is written next to it."""
    if isinstance(sweep, (str, os.PathLike)):
        return _find(os.fspath(sweep))
    if not isinstance(sweep, dict):
        raise TypeError(f"a sweep is a path or a dict, not {type(sweep).__name__}")
    spec = dict(sweep)
    base = spec.get("base")
    if isinstance(base, dict):
        base_file = work / "base.yaml"
        base_file.write_text(json.dumps(base))
        spec["base"] = str(base_file)
    elif isinstance(base, (str, os.PathLike)):
        spec["base"] = os.path.abspath(_find(os.fspath(base)))
    design = spec.get("design")
    if isinstance(design, dict) and isinstance(design.get("file"), (str, os.PathLike)):
        spec["design"] = dict(design, file=os.path.abspath(_find(os.fspath(design["file"]))))
    file = work / "sweep.yaml"
    file.write_text(json.dumps(spec))
    return str(file)


def sweep(sweep, jobs=None, set=None, replicates=None, out=None, restart=False,
          progress="none", indices=True):
    """Runs a sweep, as ``cloudwars sweep``; returns a ``Result`` with runs,
    run_providers, points, design (and steps, step_providers, events when the
    sweep writes them) and the manifest.

    sweep: a sweep file or a dict with the same keys (relative paths in a
    dict are taken from the current folder; ``base`` may itself be a
    scenario dict). jobs: runs at once (default all cores; the numbers do
    not depend on it). set: changes of the base scenario; replicates: per
    point instead of the file's. out: keep the files there (resumable, as
    ``--out``; ``restart`` as ``--restart``). indices: for a sobol or morris
    design, also compute the indices (``result.sobol`` / ``result.morris``,
    as ``cloudwars sobol``/``morris``, written into ``out`` too).
    Failed runs give a warning (status failed in runs); Ctrl-C stops the
    runs and raises KeyboardInterrupt (with ``out``, the same call goes on)."""
    with _Folder(out) as (dir, work):
        file = _sweep_file(sweep, work)
        r = _engine.sweep_into(file, str(dir), int(jobs or 0), _sets(set),
                               int(replicates or 0), bool(restart), progress)
        if not r["complete"]:
            raise KeyboardInterrupt(f"sweep {r['name']}: interrupted after "
                                    f"{r['resumed_from'] + r['ran']} of {r['total']} runs")
        if r["failed"]:
            warnings.warn(f"sweep {r['name']}: {r['failed']} runs failed "
                          "(status and message in runs)", RuntimeWarning, stacklevel=2)
        if indices and r["design"] in ("sobol", "morris"):
            _engine.sensitivity(str(dir), r["design"])
        return _finish(dir, out is not None)


def compare(a, b=None, set=None, set_a=None, set_b=None, replicates=20, seed=1, jobs=None,
            steps=False, out=None, progress="none"):
    """Compares two scenarios over the same replicates with common random
    numbers, as ``cloudwars compare``; returns a ``Result`` with compare
    (every outcome's paired difference B - A with its 95% interval), runs,
    run_providers (and compare_steps, steps, step_providers with
    steps=True) and the manifest.

    a, b: paths, YAML texts or dicts; b left out: B is A with set_b.
    set changes A and B, set_a only A, set_b only B ({path: value}).
    seed: the compare seed (replicate r of A and B share a seed from it)."""
    src_a = _scenario_source(a, "<dict a>" if isinstance(a, dict) else "<text a>")
    src_b = None if b is None else _scenario_source(b, "<dict b>" if isinstance(b, dict)
                                                    else "<text b>")
    with _Folder(out) as (dir, _):
        r = _engine.compare_into(str(dir), src_a, src_b, _sets(set), _sets(set_a), _sets(set_b),
                                 int(replicates), int(seed), int(jobs or 0), bool(steps),
                                 progress)
        if not r["complete"]:
            raise KeyboardInterrupt("compare interrupted; nothing written")
        if r["failed"]:
            warnings.warn(f"compare: {r['failed']} runs failed (status and message in runs)",
                          RuntimeWarning, stacklevel=2)
        return _finish(dir, out is not None)


def _indices(method, dir, resamples, seed):
    if hasattr(dir, "tables"):
        if method in dir.tables and resamples == 1000 and seed is None:
            return dir.tables[method]
        if dir.dir is None:
            raise ValueError(f"{method}: this sweep's files were not kept; "
                             "run it with out=DIR (or use result.{method})")
        dir = dir.dir
    file = _engine.sensitivity(str(dir), method, int(resamples), seed)
    return read_table(file)


def sobol(dir, resamples=1000, seed=None):
    """Sobol indices (S1, ST with 95% bootstrap intervals) of a finished
    sobol sweep folder (or a Result kept with out=), as ``cloudwars sobol
    DIR``: writes DIR/sobol.csv and returns it as a DataFrame."""
    return _indices("sobol", dir, resamples, seed)


def morris(dir, resamples=1000, seed=None):
    """Morris elementary effects (mu, mu*, sigma with intervals) of a
    finished morris sweep folder, as ``cloudwars morris DIR``: writes
    DIR/morris.csv and returns it as a DataFrame."""
    return _indices("morris", dir, resamples, seed)
