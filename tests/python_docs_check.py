"""Runs the Python snippets of README.md and docs/ANALYSIS.md marked
`<!-- python-snippet ... -->`, as a user would paste them, in an empty
folder, with the documented path /path/to/cloudwars/build/release replaced
by this build's folder.

Usage: python_docs_check.py BUILD_DIR WORK_DIR"""

import os
import re
import shutil
import subprocess
import sys

build, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures, count = [], 0
for doc in ["README.md", "docs/ANALYSIS.md"]:
    with open(doc) as f:
        text = f.read()
    for i, code in enumerate(re.findall(r"<!-- python-snippet.*?-->\n```python\n(.*?)```", text, re.S)):
        count += 1
        if "/path/to/cloudwars/build/release/python" not in code:
            failures.append(f"{doc} snippet {i}: does not show the documented sys.path step")
        code = code.replace("/path/to/cloudwars/build/release", build)
        cwd = os.path.join(work, f"{os.path.basename(doc)}-{i}")
        os.makedirs(cwd)
        p = subprocess.run(["/usr/bin/python3", "-c", code], cwd=cwd, capture_output=True,
                           text=True, env=dict(os.environ, MPLBACKEND="Agg"))
        print(f"--- {doc} snippet {i}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        if p.returncode != 0:
            failures.append(f"{doc} snippet {i}: exit {p.returncode}")
if count < 2:
    failures.append(f"found {count} snippets, expected README's and ANALYSIS.md's")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
