"""A user's text shown as text: escaped for Streamlit's Markdown (no markup, no link to follow) and cut to a length.
What a link, a CSV or a deck carries is the user's: every page shows it through these two functions.
"""

from __future__ import annotations

import re

AUTOLINK = re.compile(r"(\\:)(?=//)|(?i:(www))(?=\\\.)|(@)")  # where GFM's autolinks begin, once escaped

ZERO_WIDTH = "\u200b"  # a zero-width space: invisible, and no autolink runs across it


def escape(text: str) -> str:
    """Text a user typed, made safe for Streamlit's Markdown: every markup character escaped, and the autolinks of
    GitHub-flavoured Markdown (``http://…``, ``www.…``, ``a@b.c``, which escaping does not stop) broken by a
    zero-width space, so a URL in a link's value or a CSV cell stays text, never a link to follow."""
    escaped = "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$&:" else c for c in text)
    return AUTOLINK.sub(lambda m: m.group(0) + ZERO_WIDTH, escaped)


def shorten(text: str, limit: int = 40) -> str:
    """A user's text, cut to ``limit`` characters, for messages (shown as plain text)."""
    return text if len(text) <= limit else text[:limit] + "…"
