#!/usr/bin/env python3
"""Sweeps under Open MPI (docs/CLUSTER.md), against one process, byte for byte.

Usage: mpi_check.py CLOUDWARS WORKDIR same|resume

same:   `mpirun -n 3 cloudwars sweep` of a sweep with every output file
        (compressed) gives the files of a one-process sweep; a sobol sweep
        under mpirun gives the same sobol.csv; `compare` under mpirun the
        same files.
resume: a sweep under `mpirun -n 3` is stopped twice part way, once by
        SIGTERM to mpirun and once by SIGKILL to a worker rank (which must
        be reported with the runs it held); the same command then finishes
        it, with the one-process sweep's files.

Exit 0 when every check passes; 1 with the failed checks listed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

CLOUDWARS, WORK, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "3"]
DATA = "tests/data/sweeps/"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sweep(args, mpi=False, **kw):
    cmd = (MPIRUN if mpi else []) + [CLOUDWARS, "sweep"] + args + ["--progress", "none"]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def manifest_core(folder):
    keep = []
    with open(os.path.join(folder, "manifest.json")) as f:
        for line in f:
            if not any(k in line for k in ('"started"', '"finished"', '"host"', '"jobs"')):
                keep.append(line)
    return keep


def same_folder(a, b, what):
    fa = sorted(f for f in os.listdir(a) if f != "manifest.json")
    fb = sorted(f for f in os.listdir(b) if f != "manifest.json")
    check(fa == fb, f"{what}: the same files ({fa} vs {fb})")
    for f in set(fa) & set(fb):
        with open(os.path.join(a, f), "rb") as x, open(os.path.join(b, f), "rb") as y:
            check(x.read() == y.read(), f"{what}: {f} byte for byte")
    check(manifest_core(a) == manifest_core(b), f"{what}: manifest.json but times, host, jobs")


def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def rank_pids(mpirun_pid):
    """{rank: pid} of the cloudwars processes under mpirun."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(
                    kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if (CLOUDWARS.encode() in cmd and b"OMPI_COMM_WORLD_RANK" in env
                and env.get(b"CW_MPI_TEST") == str(mpirun_pid).encode()):
            out[int(env[b"OMPI_COMM_WORLD_RANK"])] = int(pid)
    return out


def start_and_stop(args, rows, how):
    """Starts the sweep under mpirun; once runs.csv has `rows` lines, stops it:
    how = 'term' (SIGTERM to mpirun) or 'kill-rank' (SIGKILL to rank 1)."""
    env = dict(os.environ)
    p = subprocess.Popen(MPIRUN + ["-x", "CW_MPI_TEST"] + [CLOUDWARS, "sweep"] + args +
                         ["--progress", "none"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    # The ranks find this run by the variable (mpirun passes it on with -x).
    out = args[args.index("--out") + 1]
    deadline = time.time() + 120
    while lines(os.path.join(out, "runs.csv")) < rows and p.poll() is None:
        if time.time() > deadline:
            break
        time.sleep(0.01)
    if how == "term":
        p.send_signal(signal.SIGTERM)
    else:
        ranks = rank_pids(os.environ["CW_MPI_TEST"])
        check(1 in ranks, f"rank 1 found among {ranks}")
        if 1 in ranks:
            os.kill(ranks[1], signal.SIGKILL)
    try:
        stdout, stderr = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        stdout, stderr = p.communicate()
        check(False, f"mpirun ended after {how}")
    return p.returncode, stdout, stderr


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    if MODE == "same":
        one, many = f"{WORK}/one", f"{WORK}/mpi"
        r = sweep([DATA + "cluster.yaml", "--jobs", "1", "--out", one])
        check(r.returncode == 0, f"one-process sweep: {r.stderr}")
        r = sweep([DATA + "cluster.yaml", "--jobs", "2", "--out", many], mpi=True)
        check(r.returncode == 0, f"mpirun -n 3 sweep: {r.stderr}")
        check(r.stdout.count("results in") == 1, f"one rank reports: {r.stdout!r}")
        same_folder(one, many, "mpirun -n 3")
        # A sobol sweep under mpirun: the same indices.
        s1, s3 = f"{WORK}/sobol-one", f"{WORK}/sobol-mpi"
        check(sweep([DATA + "sobol-small.yaml", "--out", s1]).returncode == 0, "sobol sweep")
        check(sweep([DATA + "sobol-small.yaml", "--jobs", "1", "--out", s3], mpi=True)
              .returncode == 0, "sobol sweep under mpirun")
        for d in (s1, s3):
            r = subprocess.run([CLOUDWARS, "sobol", d, "--resamples", "50"],
                               capture_output=True, text=True)
            check(r.returncode == 0, f"sobol {d}: {r.stderr}")
        same_folder(s1, s3, "sobol sweep under mpirun")
        # compare under mpirun: the same files (with the time series).
        c1, c3 = f"{WORK}/compare-one", f"{WORK}/compare-mpi"
        args = [CLOUDWARS, "compare", DATA + "base.yaml", "--set-b", "providers[A].price=0.85",
                "--replicates", "6", "--steps", "--progress", "none"]
        check(subprocess.run(args + ["--out", c1], capture_output=True).returncode == 0,
              "compare")
        check(subprocess.run(MPIRUN + args + ["--jobs", "1", "--out", c3],
                             capture_output=True).returncode == 0, "compare under mpirun")
        same_folder(c1, c3, "compare under mpirun")
        # compare shards, one of them under mpirun, merged: the same files.
        parts = [f"{WORK}/compare-part-{i}" for i in (1, 2)]
        check(subprocess.run(args + ["--shard", "1/2", "--out", parts[0]],
                             capture_output=True).returncode == 0, "compare --shard 1/2")
        check(subprocess.run(MPIRUN + args + ["--jobs", "1", "--shard", "2/2", "--out", parts[1]],
                             capture_output=True).returncode == 0,
              "compare --shard 2/2 under mpirun")
        c4 = f"{WORK}/compare-merged"
        check(subprocess.run([CLOUDWARS, "merge", *parts, "--out", c4],
                             capture_output=True).returncode == 0, "merge of compare shards")
        same_folder(c1, c4, "compare shards (one under mpirun) merged")
    elif MODE == "resume":
        one, many = f"{WORK}/one", f"{WORK}/mpi"
        # Ten times the base's labs: runs slow enough that the stops below
        # land part way on an idle machine too.
        heavy = ["--set", "labs.count=400"]
        args = [DATA + "long.yaml", *heavy, "--jobs", "1", "--out", many]
        r = sweep([DATA + "long.yaml", *heavy, "--jobs", "2", "--out", one])
        check(r.returncode == 0, f"one-process sweep: {r.stderr}")
        os.environ["CW_MPI_TEST"] = str(os.getpid())
        code, _, err = start_and_stop(args, 200, "term")
        check(code != 0, f"mpirun stopped by SIGTERM exits non-zero (got {code})")
        done = lines(f"{many}/runs.csv")
        check(0 < done < 3001, f"part of the runs written after SIGTERM ({done} lines)")
        code, _, err = start_and_stop(args, done + 600, "kill-rank")
        check(code != 0, f"mpirun with a killed rank exits non-zero (got {code})")
        r = sweep(args, mpi=True, env=os.environ)
        check(r.returncode == 0, f"the same command finishes the sweep: {r.stderr}")
        check("resumed at run" in r.stdout, f"it resumed: {r.stdout!r}")
        # The runs in flight when the rank died, reported by the resuming job
        # (mpirun ended rank 0 too, which may not have had time to say it).
        check(re.search(r"ended with runs in flight.*\n  rank [12]: runs \d", r.stderr),
              f"the runs the ranks held are reported: {r.stderr!r}")
        check(not os.path.exists(f"{many}/.mpi-runs-in-flight"), "the record is removed")
        same_folder(one, many, "stopped twice under mpirun, resumed")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
