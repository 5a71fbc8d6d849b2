"""vae_core is pure NumPy: it imports only NumPy and the standard library. vae_ui is in rooms with one direction of
travel (declarations -> service -> configs -> charts -> session -> page -> lecture), its charts never import
Streamlit, no module of either package is in an import circle, and no vae_ui module is over 300 lines."""

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


ROOT = CORE.parent
UI = ROOT / "vae_ui"
# The rooms of vae_ui in their order: a module may import its own room and the rooms before it, never one after.
ROOMS = (
    ("declarations", ("vae_ui.settings", "vae_ui.deck", "vae_ui.deck_file", "vae_ui.deck_scan")),
    ("service", ("vae_ui.service",)),
    ("configs", ("vae_ui.configs", "vae_ui.warm")),  # (warm: the command that trains a deck's models ahead)
    ("charts", ("vae_ui.charts",)),
    ("session", ("vae_ui.session",)),
    ("page", ("vae_ui.page",)),
    ("lecture", ("vae_ui.lecture",)),
)
MAX_LINES = 300
# Over MAX_LINES for now, each being brought under it by another change: remove a file here once its change is in.
OVER_FOR_NOW: set[str] = set()


def _module(path: Path) -> str:
    """The dotted name of a module file ("vae_ui.page.shell"; a package's __init__.py is the package)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: Path) -> dict[str, Path]:
    return {_module(path): path for path in sorted(package.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` a module imports: at its top, inside a function, or in an ``if TYPE_CHECKING:``
    block (a circle a type checker walks is still a circle). ``from a import b`` is module ``a.b`` when it is one."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, todo = set(), list(ast.parse(path.read_text()).body)
    while todo:
        node = todo.pop()
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    return found & known


def _graph(package: Path) -> dict[str, set[str]]:
    modules = _modules(package)
    return {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, as the modules on it (strongly connected components of more than one module)."""
    index, low, stack, out, counter = {}, {}, [], [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_core_modules_import_each_other_one_way():
    assert _circles(_graph(CORE)) == []


def test_the_ui_modules_import_each_other_one_way():
    assert _circles(_graph(UI)) == []


def _room(module: str) -> int | None:
    """The place of a vae_ui module's room in ROOMS (None for the package vae_ui itself)."""
    if module == "vae_ui":
        return None
    for rank, (_, prefixes) in enumerate(ROOMS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no room of ROOMS: place it in one")


def test_the_ui_rooms_import_only_their_own_and_earlier_rooms():
    wrong = [f"{module} ({ROOMS[_room(module)][0]}) imports {used} ({ROOMS[_room(used)][0]})"
             for module, used_all in _graph(UI).items() if _room(module) is not None
             for used in sorted(used_all) if _room(used) is not None and _room(used) > _room(module)]
    assert wrong == []


def test_the_rule_sees_a_function_level_import_and_one_for_type_checking(tmp_path):
    """The test above reads what a module imports inside a function too (that hid a circle once), and what only a
    type checker reads."""
    module = tmp_path / "vae_ui" / "service" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vae_ui.lecture import present\n"
                      "def f():\n    from vae_ui.page import shell\n")
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        assert _imports(module, {"vae_ui.lecture.present", "vae_ui.page.shell"}) == {"vae_ui.lecture.present",
                                                                                    "vae_ui.page.shell"}
    finally:
        ROOT = root


def test_the_charts_never_import_streamlit():
    for path in (UI / "charts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{path.name} imports streamlit"
    charts = " ".join(f"import {name};" for name in _modules(UI / "charts"))
    code = f"import sys; {charts} print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"  # (nor through what they import)


def test_no_ui_module_is_over_300_lines():
    long = {str(path.relative_to(ROOT)): n for path in UI.rglob("*.py")
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert set(long) <= OVER_FOR_NOW, long


def test_the_controls_are_declared_without_streamlit():
    """vae_ui.settings declares every control (UI-free); vae_ui.session.controls binds them to widgets."""
    code = "import sys, vae_ui.settings as s; print(len(s.REGISTRY), 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent, check=True)
    count, streamlit = out.stdout.split()
    assert int(count) > 30 and streamlit == "False"
