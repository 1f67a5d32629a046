"""Figures of cloudwars results (matplotlib). Each function takes a
``Result`` (from ``cloudwars.run``/``sweep``/``compare`` or ``load``) and
an optional ``ax``, draws, and returns the axes (or figure).

``python3 -m cloudwars.plot DIR`` (also ``cloudwars plot DIR``) writes the
figures that fit the folder's contents into DIR/plots/ and lists them:

    shares.png           compute share over time per provider (steps written):
                         the mean across runs with a 2.5-97.5% band
    tipping.png          P(tipped) over the sweep's one or two first parameters
    hhi_final.png        mean final HHI over the same parameters
    differences.png      a compare's B - A of final_share per provider, 95% intervals
    difference_steps.png a compare --steps: B - A of each provider's share per month
    sobol.png            S1 and ST per parameter with intervals (sobol.csv)
    morris.png           mu* and sigma per parameter with intervals (morris.csv)
    history.png          Q4 revenue shares against Synergy's (history-2017 sweeps)
"""

import os
import sys

import numpy as np
import pandas as pd

from ._cloudwars import FolderBusyError, FolderLock
from ._history import NAMES, history_table
from ._load import load


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _ax(ax, figsize=(8, 4.5)):
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize)
    return ax


def _tables(result):
    return result if hasattr(result, "tables") else load(result)


def _label(param):
    return param


def shares(result, column="compute_share", point=None, band=(0.025, 0.975), ax=None):
    """A step_providers column (default compute_share) over time per
    provider: one line per provider for one run; over several runs (a sweep
    with steps, replicates) the mean with a band between the quantiles
    ``band`` across runs. point: only the runs of this design point."""
    result = _tables(result)
    sp = result.step_providers
    if sp is None:
        raise ValueError("shares: no step_providers table (a sweep writes it with "
                         "output.step_every: K)")
    if point is not None:
        runs = result.runs
        sp = sp[sp["run_id"].isin(set(runs.loc[runs["point_id"] == point, "run_id"]))]
    ax = _ax(ax)
    nruns = sp["run_id"].nunique()
    for provider, g in sp.groupby("provider", observed=True, sort=False):
        by = g.groupby("date")[column]
        mean = by.mean()
        line, = ax.plot(mean.index, mean.to_numpy(), label=str(provider), lw=1.8)
        if nruns > 1:
            lo, hi = by.quantile(band[0]), by.quantile(band[1])
            ax.fill_between(lo.index, lo.to_numpy(), hi.to_numpy(), color=line.get_color(),
                            alpha=0.18, lw=0)
    title = column.replace("_", " ")
    if nruns > 1:
        title += f": mean and {100 * band[0]:g}-{100 * band[1]:g}% of {nruns} runs"
    ax.set_title(title)
    ax.set_ylabel(column)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return ax


def _parameters(result):
    """The varied parameter columns of a sweep (points.csv, between point_id
    and runs_ok)."""
    cols = list(result.points.columns)
    return cols[cols.index("point_id") + 1:cols.index("runs_ok")]


def tipping(result, x=None, y=None, outcome="tipped", ax=None):
    """The mean of an outcome over a sweep's design points (default
    ``tipped``: the probability of tipping), from points.csv. One parameter
    (x): the mean with its 95% interval, one line per value of y if given.
    Two (x, y): a heat map of the mean, averaged over any other parameter.
    x and y default to the sweep's first two parameters."""
    result = _tables(result)
    pts = result.points
    if pts is None:
        raise ValueError("tipping: no points table (a sweep's folder has points.csv)")
    params = _parameters(result)
    if not params:
        raise ValueError("tipping: the sweep varies no parameter")
    x = x or params[0]
    if y is None and len(params) > 1 and x != params[1]:
        y = params[1]
    mean, lo, hi = f"{outcome}_mean", f"{outcome}_lo", f"{outcome}_hi"
    name = "P(tipped)" if outcome == "tipped" else f"mean {outcome}"
    ax = _ax(ax, (7, 5))
    if y is None or pts[y].nunique() > 12:
        for key, g in ([(None, pts)] if y is None else pts.groupby(y, sort=True)):
            g = g.groupby(x, sort=True)[[mean, lo, hi]].mean()
            err = np.vstack([g[mean] - g[lo], g[hi] - g[mean]])
            ax.errorbar(g.index, g[mean], yerr=np.nan_to_num(err), marker="o", capsize=3,
                        label=None if key is None else f"{y} = {key:g}")
        ax.set_xlabel(_label(x))
        ax.set_ylabel(name)
        if y is not None:
            ax.legend(fontsize=8)
        ax.set_title(f"{name} with 95% intervals")
        ax.grid(alpha=0.3)
        return ax
    grid = pts.groupby([y, x])[mean].mean().unstack(x).sort_index(ascending=False)
    vmin, vmax = (0, 1) if outcome == "tipped" else (None, None)
    im = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", aspect="auto", vmin=vmin,
                   vmax=vmax)
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    values = grid.to_numpy(dtype=float)
    mid = np.nanmean(values) if vmax is None else 0.5
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = values[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=8,
                        color="black" if v > mid else "white")
    ax.figure.colorbar(im, ax=ax, label=name)
    ax.set_title(f"{name} over the design ({int(pts['runs_ok'].max())} runs per point)")
    return ax


def differences(result, outcome="final_share", ax=None):
    """A compare's paired differences B - A with their 95% intervals
    (compare.csv), for one outcome: per provider for a run_providers
    column (default final_share), else one bar."""
    result = _tables(result)
    c = result.compare
    if c is None:
        raise ValueError("differences: no compare table (a compare's folder has compare.csv)")
    rows = c[c["outcome"].astype(str) == outcome]
    if rows.empty:
        raise ValueError(f"differences: no outcome {outcome!r} in compare")
    labels = [str(p) if isinstance(p, str) or pd.notna(p) else outcome
              for p in rows["provider"].astype(object)]
    ax = _ax(ax, (7, 0.45 * len(rows) + 1.6))
    ypos = np.arange(len(rows))[::-1]
    d = rows["diff"].to_numpy(dtype=float)
    err = np.vstack([d - rows["diff_lo"].to_numpy(dtype=float),
                     rows["diff_hi"].to_numpy(dtype=float) - d])
    ax.errorbar(d, ypos, xerr=np.nan_to_num(err), fmt="o", capsize=4, color="tab:blue")
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(ypos, labels)
    names = (result.manifest.get("scenario", {}).get("name", "A"),
             result.manifest.get("scenario_b", {}).get("name", "B"))
    ax.set_xlabel(f"{outcome}: B - A  (B = {names[1]}, A = {names[0]})")
    n = int(rows["n"].max())
    ax.set_title(f"Paired difference with 95% interval, {n} replicates, common random numbers")
    ax.grid(alpha=0.3, axis="x")
    return ax


def difference_steps(result, outcome="compute_share", providers=None, ax=None):
    """A compare --steps: B - A of a per-step outcome over time, per
    provider (compare_steps.csv), with its 95% band."""
    result = _tables(result)
    cs = result.compare_steps
    if cs is None:
        raise ValueError("difference_steps: no compare_steps table (compare with steps=True)")
    rows = cs[cs["outcome"].astype(str) == outcome]
    ax = _ax(ax)
    for provider, g in rows.groupby(rows["provider"].astype(str), sort=False):
        if providers is not None and provider not in providers:
            continue
        line, = ax.plot(g["date"], g["diff"], label=provider if provider != "nan" else outcome)
        ax.fill_between(g["date"], g["diff_lo"].astype(float), g["diff_hi"].astype(float),
                        color=line.get_color(), alpha=0.18, lw=0)
    ax.axhline(0, color="grey", lw=1)
    ax.set_title(f"{outcome}: B - A per month with 95% band")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return ax


def _indices_table(result, name):
    if isinstance(result, pd.DataFrame):
        return result
    result = _tables(result)
    t = result.tables.get(name)
    if t is None:
        raise ValueError(f"{name}: no {name} table (cloudwars.{name}(DIR) or cloudwars {name} DIR)")
    return t


def _bars(ax, table, columns, outcome, colors):
    rows = table[table["outcome"].astype(str) == outcome]
    if rows.empty:
        raise ValueError(f"no outcome {outcome!r} in the indices")
    params = [str(p) for p in rows["parameter"]]
    width = 0.8 / len(columns)
    pos = np.arange(len(params))
    for k, (col, color) in enumerate(zip(columns, colors)):
        v = rows[col].to_numpy(dtype=float)
        err = np.vstack([v - rows[f"{col}_lo"].to_numpy(dtype=float),
                         rows[f"{col}_hi"].to_numpy(dtype=float) - v])
        ax.bar(pos + (k - (len(columns) - 1) / 2) * width, v, width, yerr=np.nan_to_num(err),
               capsize=3, label=col, color=color)
    ax.set_xticks(pos, params, rotation=20, ha="right")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    return rows


def sobol(result, outcome="hhi_final", ax=None):
    """First-order (S1) and total (ST) Sobol indices per parameter with their
    95% bootstrap intervals, for one outcome (sobol.csv)."""
    t = _indices_table(result, "sobol")
    ax = _ax(ax, (7, 4.5))
    rows = _bars(ax, t, ["S1", "ST"], outcome, ["tab:blue", "tab:orange"])
    ax.set_title(f"Sobol indices of {outcome} (n = {int(rows['n'].max())} base samples)")
    ax.set_ylabel("share of variance")
    return ax


def morris(result, outcome="hhi_final", ax=None):
    """Morris mu* (mean absolute elementary effect) and sigma per parameter
    with their 95% bootstrap intervals, for one outcome (morris.csv)."""
    t = _indices_table(result, "morris")
    ax = _ax(ax, (7, 4.5))
    rows = _bars(ax, t, ["mu_star", "sigma"], outcome, ["tab:green", "tab:grey"])
    ax.set_title(f"Morris effects on {outcome} (r = {int(rows['r'].max())} trajectories)")
    ax.set_ylabel(f"change of {outcome} per full range")
    return ax


def history(result, data=None, fig=None):
    """The history check: simulated Q4 revenue shares (mean and 2.5-97.5% of
    runs) against Synergy's Q4 shares, one panel per provider."""
    table = history_table(_tables(result), data)
    plt = _plt()
    fig = fig or plt.figure(figsize=(11, 7.5))
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (sim_name, obs_name) in zip(axes.flat, NAMES.items()):
        s = table[table["sim_provider"] == sim_name].sort_values("year")
        ax.fill_between(s["year"], 100 * s["simulated_lo"], 100 * s["simulated_hi"],
                        color="tab:blue", alpha=0.25, label="simulated, 2.5-97.5% of runs")
        ax.plot(s["year"], 100 * s["simulated_mean"], color="tab:blue", lw=2,
                label="simulated, mean")
        o = s.dropna(subset=["synergy_share"])
        ax.scatter(o["year"], 100 * o["synergy_share"], color="black", zorder=3,
                   label="Synergy Q4")
        ax.set_title(f"{sim_name} (Synergy: {obs_name})")
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("year (fourth quarter)")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of the whole market, %")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("History check: simulated Q4 cloud revenue shares vs Synergy Research Group")
    return fig


def _history_fits(result):
    sp = result.step_providers
    if sp is None or not set(NAMES) <= set(sp["provider"].astype(str).unique()):
        return False
    months = sp.loc[sp["run_id"] == sp["run_id"].iloc[0], "date"]
    return months.dt.month.isin([10, 11, 12]).sum() >= 3 and months.diff().dropna().nunique() <= 3


def folder(dir):
    """Writes the figures that fit the results folder DIR into DIR/plots/
    (see the module's documentation) and returns their paths. Holds the
    folder's lock meanwhile, as the commands that write a results folder do
    (docs/RELIABILITY.md): raises FolderBusyError while another command
    (a sweep still running, a run replacing the folder, another plot) has it."""
    dir = os.fspath(dir)
    if not os.path.isfile(os.path.join(dir, "manifest.json")):
        # Not a results folder (load() says what is missing): no lock file
        # beside it.
        return _folder(dir)
    # Without a lock file possible beside DIR (a read-only parent folder),
    # FolderLock takes none and the figures are drawn without it, as
    # `cloudwars sobol` reads such a folder.
    with FolderLock(dir, "plot"):
        return _folder(dir)


def _folder(dir):
    import matplotlib
    matplotlib.use("Agg")
    plt = _plt()
    result = load(dir)
    out = os.path.join(dir, "plots")
    os.makedirs(out, exist_ok=True)
    jobs = []
    if result.step_providers is not None and result.kind != "compare":
        jobs.append(("shares.png", lambda: shares(result)))
    if result.points is not None and _parameters(result):
        if "tipped_mean" in result.points:
            jobs.append(("tipping.png", lambda: tipping(result)))
        if "hhi_final_mean" in result.points:
            jobs.append(("hhi_final.png", lambda: tipping(result, outcome="hhi_final")))
    if result.compare is not None:
        jobs.append(("differences.png", lambda: differences(result)))
    if result.compare_steps is not None:
        jobs.append(("difference_steps.png", lambda: difference_steps(result)))
    for name in ("sobol", "morris"):
        t = result.tables.get(name)
        if t is not None and len(t):
            outcomes = list(dict.fromkeys(t["outcome"].astype(str)))
            pick = "hhi_final" if "hhi_final" in outcomes else outcomes[0]
            fn = sobol if name == "sobol" else morris
            jobs.append((f"{name}.png", lambda fn=fn, pick=pick: fn(result, outcome=pick)))
    if result.kind == "sweep" and _history_fits(result):
        jobs.append(("history.png", lambda: history(result)))
    written = []
    for name, draw in jobs:
        drawn = draw()
        fig = drawn if hasattr(drawn, "savefig") else drawn.figure
        fig.tight_layout()
        path = os.path.join(out, name)
        fig.savefig(path + ".tmp.png", dpi=100)
        os.replace(path + ".tmp.png", path)
        plt.close(fig)
        written.append(path)
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: cloudwars plot DIR   (a run, sweep or compare results folder)\n"
              "writes the figures that fit DIR's contents into DIR/plots/ and lists them",
              file=sys.stderr)
        return 2
    try:
        written = folder(argv[0])
    except FolderBusyError as e:
        print(f"cloudwars plot: {e}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"cloudwars plot: {e}", file=sys.stderr)
        return 3
    for path in written:
        print(path)
    if not written:
        print(f"cloudwars plot: nothing to draw in {argv[0]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
