"""The history check (docs/SCENARIOS.md, scripts/history_check) as a table:
simulated fourth-quarter whole-market revenue shares against Synergy
Research Group's Q4 figures in configs/data/cloud_market_shares.csv."""

import os

import numpy as np
import pandas as pd

# Simulated provider -> Synergy's name for it.
NAMES = {"AWS": "AWS", "Azure": "Microsoft", "GoogleCloud": "Google", "Oracle": "Oracle"}


def _data_file():
    from ._api import SOURCE_DIR
    return os.path.join(SOURCE_DIR, "configs", "data", "cloud_market_shares.csv")


def quarter_shares(result):
    """Each ok run's Q4 revenue share per year and provider: the provider's
    revenue over October-December (AI revenue + background, column
    ``revenue`` of step_providers) over every provider's. Needs monthly
    step_providers (``output.step_every: 1``)."""
    sp = result.step_providers
    if sp is None:
        raise ValueError("history: no step_providers table (the sweep must write every "
                         "month: output.step_every: 1)")
    runs = result.runs
    ok = runs.loc[runs["status"].astype(str) == "ok", "run_id"] if "status" in runs else runs["run_id"]
    sp = sp[sp["run_id"].isin(set(ok))]
    sp = sp.assign(year=sp["date"].dt.year, month=sp["date"].dt.month,
                   provider=sp["provider"].astype(str))
    q4 = sp[sp["month"] >= 10]
    months = q4.groupby(["run_id", "year"])["month"].nunique()
    if (months < 3).any():
        raise ValueError("history: a fourth quarter is incomplete in step_providers "
                         "(the sweep must write every month: output.step_every: 1)")
    rev = q4.groupby(["run_id", "year", "provider"])["revenue"].sum()
    total = q4.groupby(["run_id", "year"])["revenue"].sum()
    share = rev / total.reindex(rev.index.droplevel("provider")).to_numpy()
    return share.rename("share").reset_index()


def history_table(result, data=None):
    """One row per year and provider (AWS, Azure, GoogleCloud, Oracle):
    year, provider (Synergy's name), sim_provider, simulated_mean,
    simulated_lo, simulated_hi (2.5% and 97.5% quantiles over the
    replicates: the spread of runs), synergy_share (Q4 share_pct / 100;
    missing where Synergy has no Q4 row), error (simulated_mean -
    synergy_share), certainty, replicates. The definitions of
    scripts/history_check."""
    share = quarter_shares(result)
    share = share[share["provider"].isin(list(NAMES))]
    sim = (share.groupby(["year", "provider"])["share"]
           .agg(simulated_mean="mean",
                simulated_lo=lambda s: float(np.quantile(s, 0.025)),
                simulated_hi=lambda s: float(np.quantile(s, 0.975)),
                replicates="count")
           .reset_index()
           .rename(columns={"provider": "sim_provider"}))
    sim["provider"] = sim["sim_provider"].map(NAMES)
    obs = pd.read_csv(data or _data_file())
    obs = obs[(obs["tracker"] == "Synergy") & (obs["period"] == "Q4")
              & obs["provider"].isin(list(NAMES.values()))]
    obs = obs.assign(synergy_share=obs["share_pct"] / 100.0)[
        ["year", "provider", "synergy_share", "certainty"]]
    table = sim.merge(obs, on=["year", "provider"], how="left")
    table["error"] = table["simulated_mean"] - table["synergy_share"]
    order = {name: i for i, name in enumerate(NAMES.values())}
    table = table.assign(_o=table["provider"].map(order)).sort_values(["year", "_o"])
    return table[["year", "provider", "sim_provider", "simulated_mean", "simulated_lo",
                  "simulated_hi", "synergy_share", "error", "certainty",
                  "replicates"]].reset_index(drop=True)
