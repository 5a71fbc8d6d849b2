"""A first look at a deck file's text, before the TOML reader sees it: what would break the reader itself rather than
its syntax (values nested too deep, numbers too long) is refused with a sentence naming its scene, field and line, as
:func:`vae_ui.deck_file.read` refuses any other problem. No Streamlit here.
"""

from __future__ import annotations

MAX_NESTING = 4  # arrays and inline tables open at once in one value (a deck written all inline needs 3)
MAX_DIGITS = 40  # of a number (Python's reader raises on an integer of over 4,300 digits; its recursion, on ~500 levels)


def beyond_limits(text: str) -> str | None:
    """The first value that would break the TOML reader rather than its syntax, named by its scene, field and line:
    arrays or inline tables nested more than MAX_NESTING deep, or a number of more than MAX_DIGITS digits. A scan of
    the text that skips strings and comments (its syntax is left to the reader); None when there is none."""
    scene, table, key, line, depth, digits = 0, "", "", 1, 0, 0
    i, n, key_at, line_start = 0, len(text), 0, True
    while i < n:
        c = text[i]
        digits = digits + 1 if c.isdigit() else digits if c == "_" else 0
        if digits > MAX_DIGITS:
            return _at(scene, table, key, line, f"a number of more than {MAX_DIGITS} digits")
        if c in " \t\r\n" or c == "#":
            if c == "#":  # a comment, to the end of its line
                i = text.find("\n", i) if "\n" in text[i:] else n
                continue
            line, line_start = line + (c == "\n"), line_start or c == "\n"
            i += 1
            continue
        if line_start and depth == 0:  # a key, or a table's header: [[scenes]], [scenes.controls]
            if c == "[":
                end = text.find("\n", i) if "\n" in text[i:] else n
                header = text[i:end].split("#")[0].strip()
                table = header.strip("[] \t")
                scene += int(header.startswith("[[") and table == "scenes")
                i = end
                continue
            key_at = i
        line_start = False
        if c in "\"'":
            end = _string_end(text, i)
            line, i = line + text.count("\n", i, end), end
            continue
        if c == "=" and depth == 0:
            key = text[key_at:i].strip()
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return _at(scene, table, key, line, f"arrays or tables nested more than {MAX_NESTING} deep")
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _string_end(text: str, i: int) -> int:
    """Where the TOML string that opens at ``text[i]`` ends (its closing quote's next index)."""
    quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else text[i]
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\" and quote[0] == '"':
            j += 2
            continue
        if text.startswith(quote, j):
            return j + len(quote)
        if text[j] == "\n" and len(quote) == 1:
            return j  # (an unclosed string: the reader says so)
        j += 1
    return j


def _at(scene: int, table: str, key: str, line: int, what: str) -> str:
    inside = table.split(".", 1)[1] if table.startswith("scenes.") else "" if table == "scenes" else table
    field = ".".join(part for part in (inside, cut(key, 40)) if part)
    return f"{f'scene {scene}, ' if scene else ''}field '{field}' (line {line}): {what}"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
