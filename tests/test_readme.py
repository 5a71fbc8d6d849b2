"""The README is a front door: at most 150 lines, its two commands as CI and a new user run them, its links to docs/
whole, and its "core in ten lines" runs and prints what the README says it prints."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
START = "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/streamlit run serve.py"
TEST = "python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt && .venv/bin/python -m pytest"
NUMBERS = re.compile(r"ELBO (-?[\d.]+) ≤ IWAE (-?[\d.]+) ≤ log p\(x\) (-?[\d.]+), and the data's own density (-?[\d.]+)")


def snippet() -> str:
    section = README[README.index("## The core in ten lines"):]
    return section[section.index("```python\n") + len("```python\n"):section.index("\n```", section.index("```python"))]


def test_the_readme_is_short_and_holds_the_two_commands():
    assert len(README.splitlines()) <= 150
    assert f"```bash\n{START}\n```" in README and f"```bash\n{TEST}\n```" in README


def test_the_readmes_links_are_whole():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        assert (ROOT / target).exists(), target


def test_the_core_in_ten_lines_runs_and_prints_what_the_readme_says():
    code = snippet()
    lines = [line for line in code.splitlines() if line.strip() and not line.startswith("import ")]
    assert len(lines) <= 10, lines
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    printed = [float(v) for v in NUMBERS.search(out.stdout).groups()]
    said = [float(v) for v in NUMBERS.search(README[README.index("It prints"):]).groups()]
    elbo, iwae, exact, truth = printed
    assert elbo <= iwae <= exact <= truth  # the bounds in order, and the model below the truth (Gibbs, on average)
    assert max(abs(p - s) for p, s in zip(printed, said)) < 0.02, (printed, said)
