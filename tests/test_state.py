"""Every st.session_state entry beyond the controls is declared once, in vae_ui/session/state.py, and read and written
through its declaration: no module names an entry by a string of its own."""

import ast
from pathlib import Path

from vae_ui.session import state

ROOT = Path(__file__).resolve().parent.parent
CODE = [*(ROOT / "vae_ui").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "dashboard.py"]


def test_each_entry_is_declared_once_with_its_owner_and_what_it_holds():
    keys = [value for value in vars(state).values() if isinstance(value, state.Key)]
    assert len({key.name for key in keys}) == len(keys) == len(state.KEYS)
    assert all(key.owner and key.holds for key in keys)
    owners = {key.owner.split(".")[0] for key in keys}
    assert owners <= {"vae_ui", "app_pages", "dashboard"}


def _session_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "session_state"


def _own_strings(path: Path) -> list[str]:
    """Where a module names a session_state entry with a string literal (or an f-string): by subscript, by .get,
    .pop or .setdefault, or as a widget's key= when the string is a declared entry's name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript) and _session_state(node.value):
            named = node.slice
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _session_state(node.func.value)
              and node.func.attr in ("get", "pop", "setdefault") and node.args):
            named = node.args[0]
        elif isinstance(node, ast.keyword) and node.arg == "key" and isinstance(node.value, ast.Constant):
            if node.value.value not in state.KEYS:
                continue  # (a button's own key: no entry anyone reads)
            named = node.value
        else:
            continue
        if isinstance(named, ast.JoinedStr) or (isinstance(named, ast.Constant) and isinstance(named.value, str)):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_module_names_an_entry_by_a_string_of_its_own():
    found = [where for path in CODE if path.name != "state.py" for where in _own_strings(path)]
    assert found == []


def test_the_check_sees_a_plain_string_key(tmp_path):
    module = tmp_path / "page.py"
    module.write_text('import streamlit as st\nst.session_state["playing"] = True\nst.session_state.get(f"w_{1}")\n'
                      'st.text_input("Title", key="deck_title")\nst.button("Go", key="go")\n')
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        assert _own_strings(module) == ["page.py:2", "page.py:3", "page.py:4"]
    finally:
        ROOT = root
