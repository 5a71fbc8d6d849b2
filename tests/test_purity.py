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


def _core_imports(path: Path) -> set[str]:
    """The vae_core modules a core module imports when it runs: at its top or inside a function, but not in an
    ``if TYPE_CHECKING:`` block (read only by type checkers)."""
    found, todo = set(), list(ast.parse(path.read_text()).body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
        todo.extend(ast.iter_child_nodes(node))
    return found


def test_the_core_modules_import_each_other_one_way():
    graph = {path.stem: _core_imports(path) for path in CORE.glob("*.py") if path.stem != "__init__"}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(m == target or (m not in seen and reaches(m, target, seen | {m})) for m in graph.get(start, ()))

    circles = [m for m in graph if reaches(m, m, {m})]
    assert circles == [], f"import circles through {circles}: {graph}"


def test_the_controls_are_declared_without_streamlit():
    """vae_ui.settings declares every control (UI-free); vae_ui.controls binds them to widgets."""
    code = "import sys, vae_ui.settings as s; print(len(s.REGISTRY), 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent, check=True)
    count, streamlit = out.stdout.split()
    assert int(count) > 30 and streamlit == "False"
