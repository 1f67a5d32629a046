"""Executes one notebook headless (nbconvert on /usr/bin/python3's kernel)
and fails on any error. Also fails when the committed notebook holds
outputs (they are committed without: clear them before committing).

Usage: notebook_check.py NOTEBOOK OUT_DIR   (environment: CLOUDWARS_PYTHON,
the build's python/ folder; CLOUDWARS_REPLICATES / CLOUDWARS_SAMPLES, the
small sizes of the test suite; CLOUDWARS_RESULTS, where notebooks keep
folders)."""

import os
import sys

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

path, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
book = nbformat.read(path, as_version=4)
stale = [i for i, c in enumerate(book.cells) if c.cell_type == "code"
         and (c.get("outputs") or c.get("execution_count") is not None)]
if stale:
    sys.exit(f"{path}: cells {stale} have outputs; commit notebooks without outputs")
ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(
    book, {"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if o.get("output_type") == "error"]
if errors:  # the preprocessor raises on the first error; this is belt and braces
    sys.exit(f"{path}: {len(errors)} error output(s)")
images = sum(1 for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if "image/png" in o.get("data", {}))
nbformat.write(book, os.path.join(out, os.path.basename(path)))
print(f"{path}: {len(book.cells)} cells ran, {images} figures")
if images == 0:
    sys.exit(f"{path}: drew no figure")
