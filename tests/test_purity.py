"""vae_core is pure NumPy: it imports only NumPy and the standard library."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "vae_core"
ALLOWED = {"numpy", "__future__"} | set(sys.stdlib_module_names)


def test_core_modules_import_only_numpy_and_the_standard_library():
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= ALLOWED, f"{path.name} imports {roots}"


def test_importing_the_core_loads_no_ui_or_dataframe_library():
    code = ("import sys, vae_core as vc; vc.data.load('digits', n=10); "
            "print(sorted(m for m in ('streamlit', 'altair', 'pandas', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent, check=True)
    assert out.stdout.strip() == "[]"
