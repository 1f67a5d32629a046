#!/usr/bin/env python3
"""Chaos tests of the sweep runner (docs/RELIABILITY.md, "Chaos").

kill:   a real sweep (time series, events, gzip) is killed with SIGKILL or
        SIGTERM at 20 random moments (fixed seed 17), resumed after each
        kill by the same command, then run to the end; every data file must
        be byte-identical to an uninterrupted sweep's, manifest.json equal
        but for its times, host and jobs, and no temporary file left. The
        kill moments are drawn over the uninterrupted sweep's duration, so
        they fall while starting, running, resuming, writing points.csv and
        compressing; two kills wait for the compressing phase (the manifest
        complete, plain CSV files left). The phase each kill hit is printed.
two:    two sweeps started into one folder (the second once the first holds
        the lock): exactly one runs, the other exits 2 at once with "in use",
        and the folder ends complete and identical to an uninterrupted one.

Usage: chaos_check.py CLOUDWARS SOURCE_DIR WORK_DIR {kill|two}
No timing is asserted: only exit codes and bytes.
"""
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

BIN, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
MODE = sys.argv[4]

SWEEP = f"""name: chaos
base: {SRC}/tests/data/sweeps/base.yaml
seed: 21
replicates: 10
design: {{kind: grid}}
parameters:
  - path: lock_in.weight
    values: [0, 0.5, 1, 2]
  - path: network_effect.delta
    values: [0, 1, 2]
output: {{step_every: 1, events: true, gzip: true}}
"""

VOLATILE = {"started", "finished", "host", "jobs", "elapsed_seconds", "duration_seconds"}


def sweep(out, **kw):
    return subprocess.Popen([BIN, "sweep", os.path.join(WORK, "chaos.yaml"), "--out", out,
                             "--progress", "none", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def strip(m):
    if isinstance(m, dict):
        return {k: strip(v) for k, v in m.items() if k not in VOLATILE}
    if isinstance(m, list):
        return [strip(v) for v in m]
    return m


def compare(ref, got):
    problems = []
    names = sorted(set(os.listdir(ref)) | set(os.listdir(got)))
    for n in names:
        a, b = os.path.join(ref, n), os.path.join(got, n)
        if not os.path.exists(a) or not os.path.exists(b):
            problems.append(f"{n} only in {'reference' if os.path.exists(a) else 'chaos'}")
            continue
        if n == "manifest.json":
            if strip(json.load(open(a))) != strip(json.load(open(b))):
                problems.append("manifest.json differs beyond times, host and jobs")
        elif open(a, "rb").read() != open(b, "rb").read():
            problems.append(f"{n} differs")
    return problems


def phase(out):
    """What the folder shows after a kill: which part of the sweep it hit."""
    if not os.path.exists(out):
        return "starting"
    files = os.listdir(out)
    m = {}
    try:
        m = json.load(open(os.path.join(out, "manifest.json")))
    except (OSError, ValueError):
        pass
    if m.get("status") == "complete":
        plain = [f for f in files if f.endswith(".csv")]
        return "compressing" if plain else "finished"
    return "running"


def reference():
    ref = os.path.join(WORK, "ref")
    shutil.rmtree(ref, ignore_errors=True)
    t = time.monotonic()
    p = sweep(ref)
    _, err = p.communicate()
    assert p.returncode == 0, err.decode()
    return ref, time.monotonic() - t


def kill_test():
    ref, duration = reference()
    out = os.path.join(WORK, "chaos")
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(17)
    phases = {}
    kills = 0
    restarts = 0
    while kills < 20:
        before = phase(out)
        p = sweep(out)
        delay = rng.uniform(0, duration * 1.1)
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM])
        if kills in (6, 13):
            # Two of the moments are picked by what the folder shows, not by
            # time: as soon as the manifest says complete while plain CSV
            # files remain, i.e. while compressing.
            while p.poll() is None and phase(out) != "compressing":
                time.sleep(0.001)
        else:
            time.sleep(delay)
        if p.poll() is not None:  # finished before the kill: start the folder again
            if p.returncode != 0:
                print(f"FAIL: sweep exited {p.returncode}: {p.stderr.read().decode()}")
                return 1
            restarts += 1
            if restarts > 40:
                print("FAIL: the sweep always finished before the kill")
                return 1
            shutil.rmtree(out)
            continue
        p.send_signal(sig)
        p.wait()
        kills += 1
        hit = phase(out)
        label = f"{'resuming, ' if before != 'starting' else ''}{hit}"
        phases[label] = phases.get(label, 0) + 1
        if sig == signal.SIGTERM and p.returncode not in (130, 0, -signal.SIGTERM):
            print(f"FAIL: SIGTERM gave exit {p.returncode}: {p.stderr.read().decode()}")
            return 1
        print(f"kill {kills:2d}: {signal.Signals(sig).name:7s} -> exit {p.returncode:4d}, "
              f"{label}")
    p = sweep(out)
    _, err = p.communicate()
    if p.returncode != 0:
        print(f"FAIL: the final resume exited {p.returncode}: {err.decode()}")
        return 1
    problems = compare(ref, out)
    for root, _, files in os.walk(WORK):
        problems += [f"temporary {f} left" for f in files if ".tmp-" in f]
    with gzip.open(os.path.join(out, "runs.csv.gz"), "rt") as f:
        rows = sum(1 for _ in f) - 1
    if rows != 12 * 10:
        problems.append(f"runs.csv has {rows} rows, expected 120")
    print(f"20 kills ({restarts} folders restarted after a sweep finished first); phases hit: "
          f"{phases}")
    for pr in problems:
        print("FAIL:", pr)
    print("ok: every data file byte-identical to the uninterrupted sweep" if not problems else "")
    return 1 if problems else 0


def two_test():
    ref, _ = reference()
    out = os.path.join(WORK, "two")
    lock = os.path.join(WORK, ".two.lock")
    for attempt in range(5):
        shutil.rmtree(out, ignore_errors=True)
        a = sweep(out)
        # The second starts once the first holds the lock (its pid is in the lock file).
        while a.poll() is None:
            try:
                if "pid" in open(lock).read():
                    break
            except OSError:
                pass
            time.sleep(0.005)
        b = sweep(out)
        b_out, b_err = b.communicate()
        a_out, a_err = a.communicate()
        if a.returncode == 0 and b.returncode == 0:
            continue  # the first finished before the second started: try again
        problems = []
        if a.returncode != 0:
            problems.append(f"the first sweep exited {a.returncode}: {a_err.decode()}")
        if b.returncode != 2 or b"is in use by another cloudwars command" not in b_err:
            problems.append(f"the second sweep exited {b.returncode}: {b_err.decode()}")
        problems += compare(ref, out)
        print(f"first: exit {a.returncode}; second: exit {b.returncode}: "
              f"{b_err.decode().strip()}")
        for pr in problems:
            print("FAIL:", pr)
        if not problems:
            print("ok: exactly one sweep ran; the folder is complete and identical")
        return 1 if problems else 0
    print("FAIL: the first sweep always finished before the second started")
    return 1


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(os.path.join(WORK, "chaos.yaml"), "w") as f:
        f.write(SWEEP)
    return kill_test() if MODE == "kill" else two_test()


if __name__ == "__main__":
    sys.exit(main())
