#!/usr/bin/python3
"""Runs the code snippets of README.md and docs/*.md, so that a snippet that
fails fails the build.

Usage: docs_snippets.py CLOUDWARS WORKDIR [FILE.md ...]   (from the source tree)

Every fenced block labelled ```sh or ```python is run, in document order,
in WORKDIR/<doc name>/ (emptied first; it holds a copy of configs/ and links
to scripts/ and tests/, and outputs such as results/ land there):

- sh: with bash -e, the text as written, except that `cloudwars` (a
  command at the start of a line or after `&&`, `;`, `|`), `$B` and the
  build paths `build/*/sim/cloudwars` run CLOUDWARS, a line `B=...` sets
  B to CLOUDWARS, and absolute `/tmp/` paths are moved under the work
  folder.
- python: with /usr/bin/python3 (pandas, SciPy), MPLBACKEND=Agg.
- yaml: only with a `file:` or `append-to:` marker (below); the block is
  written as that file and `cloudwars validate`d.

A marker, an HTML comment on the last non-blank line before the opening
fence, changes that:

  <!-- not-run: REASON -->           skipped (listed in the output)
  <!-- python-snippet: ... -->       skipped here: Docs.PythonSnippetsRun runs it
  <!-- tested-by: CTEST_NAME -->     skipped here: the named ctest test runs
                                     it (the name must be in tests/CMakeLists.txt)
  <!-- docs-test: before: COMMAND --> COMMAND runs first (what the snippet
                                     assumes was run, e.g. a sweep it reads)
  <!-- docs-test: file: PATH -->     yaml: the block is the file PATH
  <!-- docs-test: append-to: PATH --> yaml: the block appended to a copy of PATH

Unlabelled blocks (synopses, formulas, printed output) and other languages
are not run. DOCS_SNIPPETS_REPLICATES=N adds `--replicates N` to every
`cloudwars sweep` that does not set it (ctest uses 1, to keep the test to
seconds; the commands are otherwise those of the docs).

Fails with FILE:LINE (the opening fence) and the snippet's output for every
snippet that exits non-zero.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

SOURCE = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(
    r"^<!--\s*(not-run|tested-by|docs-test|python-snippet)\s*:\s*(.*?)\s*-->\s*$")


def blocks(path):
    """(line of the opening fence, language, text, markers) of every top-level block."""
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        markers = []
        k = start - 1
        while k >= 0 and lines[k].strip() == "":
            k -= 1
        while k >= 0 and MARKER.match(lines[k].strip()):  # consecutive marker lines
            markers.insert(0, MARKER.match(lines[k].strip()).groups())
            k -= 1
        out.append((start + 1, lang, "\n".join(lines[start + 1:j]) + "\n", markers))
        i = j + 1
    return out


def shell_text(text, binary, work):
    replicates = os.environ.get("DOCS_SNIPPETS_REPLICATES")
    out = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"^B=\S+", 'B="$CLOUDWARS"', line)
        line = re.sub(r"\bbuild/[\w.-]+/sim/cloudwars\b", '"$CLOUDWARS"', line)
        line = re.sub(r"(^|&&|;|\|)(\s*)cloudwars\b", r'\1\2"$CLOUDWARS"', line)
        line = re.sub(r"(?<![\w.])/tmp/", str(work) + "/tmp/", line)
        if replicates and re.search(r'(\$B|"\$CLOUDWARS") sweep ', line) and \
                "--replicates" not in line:
            code, _, comment = line.partition(" #")
            line = code.rstrip() + " --replicates " + replicates + \
                ("  #" + comment if comment else "")
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    binary = os.path.abspath(sys.argv[1])
    root = pathlib.Path(sys.argv[2]).resolve()
    docs = [pathlib.Path(p) for p in sys.argv[3:]] or \
        [pathlib.Path("README.md")] + sorted(pathlib.Path("docs").glob("*.md"))
    ctests = (SOURCE / "tests/CMakeLists.txt").read_text()
    env = dict(os.environ, CLOUDWARS=binary, B=binary, MPLBACKEND="Agg")
    # This build's Python module, if it has one (not in the asan preset,
    # docs/BUILD.md): without it, python blocks that import the module and
    # `plot` lines are left out (listed), and run by the builds that have it.
    python_dir = pathlib.Path(binary).parent.parent / "python"
    have_module = (python_dir / "cloudwars").is_dir()
    failures, ran, skipped = [], 0, []

    def run(cmd, where, work, label):
        r = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            tail = "\n".join(r.stdout.splitlines()[-15:])
            failures.append(f"{where}: {label} failed (exit {r.returncode}):\n{tail}")
        return r.returncode == 0

    for doc in docs:
        work = root / doc.stem
        shutil.rmtree(work, ignore_errors=True)
        (work / "tmp").mkdir(parents=True)
        shutil.copytree(SOURCE / "configs", work / "configs")
        for name in ("scripts", "tests"):
            os.symlink(SOURCE / name, work / name)
        for line, lang, text, markers in blocks(SOURCE / doc):
            where = f"{doc}:{line}"
            kinds = {k: v for k, v in markers}
            if "python-snippet" in kinds:  # tests/python_docs_check.py runs these
                kinds["tested-by"] = "Docs.PythonSnippetsRun"
            if "not-run" in kinds:
                skipped.append(f"{where}: not run: {kinds['not-run']}")
                continue
            if "tested-by" in kinds:
                name = kinds["tested-by"]
                if f"NAME {name}\n" not in ctests and f"NAME {name} " not in ctests:
                    failures.append(f"{where}: tested-by names no ctest test: {name}")
                skipped.append(f"{where}: run by {name}")
                continue
            directives = [v for k, v in markers if k == "docs-test"]
            before = [d.split(":", 1)[1].strip() for d in directives if d.startswith("before:")]
            target = [d.split(":", 1) for d in directives
                      if d.startswith(("file:", "append-to:"))]
            ok = True
            for cmd in before:
                ok = ok and run(["bash", "-e", "-c", shell_text(cmd, binary, work)], where, work,
                                f"before-command `{cmd}`")
            if not ok:
                continue
            if lang in ("sh", "bash"):
                ran += 1
                if not have_module:
                    kept = [t for t in text.splitlines() if not re.search(r"(^|\s)plot\s", t)]
                    if len(kept) < len(text.splitlines()):
                        skipped.append(f"{where}: its `plot` lines left out: no Python module here")
                    text = "\n".join(kept) + "\n"
                run(["bash", "-e", "-c", shell_text(text, binary, work)], where, work, "sh block")
            elif lang == "python":
                if "import cloudwars" in text and not have_module:
                    skipped.append(f"{where}: not run: needs the Python module, not in this build")
                    continue
                ran += 1
                # The documented path to the module (README, "From Python")
                # is this build's python folder.
                code = text.replace("/path/to/cloudwars/build/release/python", str(python_dir))
                run(["/usr/bin/python3", "-c", code], where, work, "python block")
            elif lang == "yaml" and target:
                ran += 1
                how, path = target[0][0], target[0][1].strip()
                file = work / (path if how == "file" else "tmp/snippet-" + pathlib.Path(path).name)
                file.parent.mkdir(parents=True, exist_ok=True)
                prefix = (work / path).read_text() + "\n" if how == "append-to" else ""
                if how == "append-to":
                    file = work / pathlib.Path(path).parent / ("snippet-" + pathlib.Path(path).name)
                file.write_text(prefix + text)
                run([binary, "validate", str(file)], where, work, f"yaml block as {path}")
    for s in skipped:
        print(s)
    if failures:
        print("\n\n".join(failures))
        sys.exit(1)
    print(f"docs_snippets: {ran} snippets ran, {len(skipped)} skipped (listed above)")


if __name__ == "__main__":
    main()
