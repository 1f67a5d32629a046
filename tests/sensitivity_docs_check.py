#!/usr/bin/python3
"""Runs the snippets of docs/SWEEPS.md "Sensitivity indices" as written.

Usage: sensitivity_docs_check.py CLOUDWARS WORKDIR. In WORKDIR (emptied;
`configs` linked to the source tree's), every line of the section's sh
blocks that starts with `cloudwars ` runs with the binary, then every
python block runs with /usr/bin/python3. Fails if any exits non-zero, or if
a sobol/morris command writes no file.
"""
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

binary, work = sys.argv[1], pathlib.Path(sys.argv[2])
source = pathlib.Path(__file__).resolve().parent.parent
text = (source / "docs/SWEEPS.md").read_text()
start = text.index("## Sensitivity indices: `cloudwars sobol`")
section = text[start:text.index("\n## ", start + 10)]
blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)

shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
os.symlink(source / "configs", work / "configs")
ran = 0
for lang, body in blocks:
    if lang == "sh":
        for line in body.splitlines():
            if not line.startswith("cloudwars "):
                continue
            args = shlex.split(line)[1:]
            subprocess.run([binary, *args], cwd=work, check=True, stdout=subprocess.DEVNULL)
            if args[0] in ("sobol", "morris"):
                assert (work / args[1] / f"{args[0]}.csv").exists(), line
            ran += 1
for lang, body in blocks:
    if lang == "python":
        subprocess.run(["/usr/bin/python3", "-c", body], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        ran += 1
assert ran >= 5, f"only {ran} snippets found"
print(f"{ran} snippets ran")
