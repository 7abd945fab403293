"""The Python code the documentation shows runs as written (the docs branch): every ```python
block of README.md, in order, as one script (a later block uses an earlier one's names, as a
reader going down the page does), every block of docs/python.md, and the usage example of the
package's own docstring (gpbo/__init__.py), each in a fresh folder, with only the names the
text leaves to the reader (train_one_epoch, X, y, ...) defined first. README's constraints and
several-objectives block told a trial asked from another study, which raises ValueError: it
failed here before the block asked its own trials.

Run by ctest with PYTHONPATH at the build tree's package (tests/python/CMakeLists.txt).
"""
import os
import re
import subprocess
import sys
import textwrap

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# What the pages leave to the reader: a model to train, data to fit. Cheap, so that the
# snippets' own n_trials run in seconds.
PRELUDE = textwrap.dedent("""\
    import math
    import numpy as np
    import gpbo
    _rng = np.random.RandomState(0)
    X = _rng.uniform(size=(30, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    Xq = _rng.uniform(size=(5, 2))
    yq = np.sin(3 * Xq[:, 0]) + Xq[:, 1]

    def train_one_epoch(lr, layers, width, act, epochs):
        return (math.log10(lr) + 2.5) ** 2 + 0.1 * layers + (act == "tanh")

    def train(**p):
        return sum(float(v) for v in p.values() if isinstance(v, (int, float)))
    """)


def blocks(path):
    text = open(os.path.join(SRC, path), encoding="utf-8").read()
    return [m.group(1) for m in re.finditer(r"```python\n(.*?)```", text, re.S)]


def run_script(code, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(PRELUDE + "\n" + code)
    import gpbo

    # the package this test imports, also when PYTHONPATH is relative to another folder
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(gpbo.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([pkg, os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, f"{code}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
    return r


def test_readme_python_blocks(tmp_path):
    code = blocks("README.md")
    assert len(code) >= 4, "README.md shows the package in ```python blocks"
    # and what the blocks leave behind is what their comments say
    r = run_script("\n".join(code) + textwrap.dedent("""
        assert study.best_trials and len(study.best_trials[0].values) == 2, study.best_trials
        assert study.trials[-1].state == "waiting", study.trials[-1]     # the enqueued one
        assert mean.shape == std.shape == (5,)
        print("ok")
        """), tmp_path)
    assert r.stdout.rstrip().endswith("ok")
    assert os.path.exists(tmp_path / "tune.db") and os.path.exists(tmp_path / "dbr.db")


def test_docs_python_blocks(tmp_path):
    code = blocks(os.path.join("docs", "python.md"))
    assert code, "docs/python.md shows the package in ```python blocks"
    for c in code:
        # `return ...` stands for the reader's own value
        run_script(c.replace("return ...", "return x ** 2 + lr + n + (opt == 'sgd')"), tmp_path)


def test_package_docstring_example(tmp_path):
    import gpbo

    doc = gpbo.__doc__.split("\n\n")[1]
    lines = [l for l in textwrap.dedent(doc).split("\n") if l.strip()]
    assert lines[0].startswith("import gpbo"), lines
    run_script("\n".join(lines), tmp_path)
