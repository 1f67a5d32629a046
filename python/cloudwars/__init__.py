"""cloudwars from Python: the engine (run, sweep, compare, sobol, morris)
returning pandas DataFrames with the same numbers as the command line,
``load`` for any results folder, and the figures of ``cloudwars.plot``.

    import cloudwars
    r = cloudwars.run("configs/default.yaml", set={"steps": 60})
    r.step_providers          # a DataFrame: run_id, step, date, provider, ...
    cloudwars.plot.shares(r)

docs/ANALYSIS.md, "From Python", has the whole story.
"""

from ._api import compare, morris, run, sobol, sweep
from ._cloudwars import (ConfigError, FolderBusyError, FolderRefusedError, RunError,
                         SensitivityFolderError, SweepFolderError, UsageError, build_info)
from ._history import history_table
from ._load import Result, load, read_table

__all__ = ["run", "sweep", "compare", "sobol", "morris", "load", "read_table", "Result",
           "history_table", "plot", "build_info", "ConfigError", "UsageError", "RunError",
           "SweepFolderError", "SensitivityFolderError", "FolderBusyError",
           "FolderRefusedError"]


def __getattr__(name):
    # cloudwars.plot imports matplotlib: only when first used.
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'cloudwars' has no attribute {name!r}")
