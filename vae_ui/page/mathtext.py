"""The core's docstrings as a student reads them on a page: the LaTeX of ``:math:`…``` roles and ``.. math::``
blocks written out in Unicode (σ², ∂L/∂z, ‖x − x̂‖², 𝒩(0, I)), so that a source expander shows no raw markup.

Covers the LaTeX the core's docstrings use (a test checks every docstring of vae_core): Greek letters, operators,
fractions, sub- and superscripts, accents, spacing and sizing commands. As in LaTeX, the spaces typed in a formula
do not count: spacing comes from the operators (a + b, x = y, f(a, b)) and from \\, \\; \\quad.
"""

from __future__ import annotations

import re

SPACE, SOFT = "\x01", "\x02"  # a space that stays; a space after an operator name, kept before a word
GREEK = {"alpha": "α", "beta": "β", "epsilon": "ϵ", "varepsilon": "ε", "theta": "θ", "mu": "μ", "pi": "π",
         "sigma": "σ", "phi": "φ", "ell": "ℓ", "partial": "∂", "nabla": "∇", "sum": "Σ", "int": "∫", "infty": "∞",
         "top": "ᵀ", "lVert": "‖", "rVert": "‖", "|": "‖", "cdot": "·"}
RELATIONS = {"sim": "~", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "odot": "⊙", "propto": "∝", "leftarrow": "←",
             "Rightarrow": "⇒", "to": "→", "times": "×", "pm": "±", "in": "∈", "mid": "|"}  # spaced on both sides
NAMES = {"log", "exp", "max", "tanh", "sin"}  # operator names: a space before the word they apply to
SPACES = {",": 1, ";": 1, " ": 1, "quad": 2, "qquad": 3}
DROPPED = {"big", "Big", "bigg", "Bigg", "left", "right", "textstyle", "displaystyle", "!"}  # sizing only
WORDS = {"mathrm", "text", "operatorname", "mathbf", "boldsymbol"}  # their argument, as it is
FONTS = {"mathcal": {"N": "𝒩", "L": "ℒ"}, "mathbb": {"E": "𝔼", "R": "ℝ"}}
ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}  # combining characters, after the letter
SUPERSCRIPTS = dict(zip("0123456789+-−=()nkTdixtᵀ", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿᵏᵀᵈⁱˣᵗᵀ"))
SUBSCRIPTS = dict(zip("0123456789+-−=()aeijknxmpst", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₙₓₘₚₛₜ"))
UNARY_AFTER = "([{=,≤≥~" + SPACE  # a minus sign after these (or first) is a sign, not a subtraction


def _argument(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at tex[i] (a {group}, a \\command, or one character) and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth, j = 1, i + 1
        while j < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        return tex[i + 1:j - 1], j
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        j = i + len(m.group(0))
        if m.group(1) in WORDS | FONTS.keys() | ACCENTS.keys() | {"sqrt"}:  # a command with its own argument
            _, j = _argument(tex, j)
        return tex[i:j], j
    return tex[i], i + 1


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """Text as sub- or superscript characters, or as ``_(…)`` / ``^(…)`` where Unicode has no such character."""
    text = text.replace(" ", "")
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def _convert(tex: str) -> str:
    """Pass 1: commands to Unicode, with SPACE and SOFT markers where spacing belongs."""
    out: list[str] = []

    def last() -> str:
        text = "".join(out).rstrip(" ")
        return text[-1] if text else ""

    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name, i = m.group(1), i + len(m.group(0))
            if name in ("frac", "tfrac", "dfrac"):
                top, i = _argument(tex, i)
                bottom, i = _argument(tex, i)
                top, bottom = unicode(top), unicode(bottom)
                if (top, bottom) == ("1", "2"):
                    out.append("½")
                else:
                    out.append("/".join(t if re.fullmatch(r"∂?\w+|\w", t) else f"({t})" for t in (top, bottom)))
            elif name == "sqrt":
                arg, i = _argument(tex, i)
                arg = unicode(arg)
                out.append(f"√{arg}" if re.fullmatch(r"\w", arg) else f"√({arg})")
            elif name in ACCENTS:
                arg, i = _argument(tex, i)
                arg = unicode(arg)
                out.append(arg[:1] + ACCENTS[name] + arg[1:])
            elif name in FONTS:
                arg, i = _argument(tex, i)
                out.append("".join(FONTS[name].get(ch, ch) for ch in unicode(arg)))
            elif name in WORDS:
                arg, i = _argument(tex, i)
                out.append(unicode(arg) + (SOFT if name == "operatorname" else ""))
            elif name in SPACES:
                out.append(SPACE * SPACES[name])
            elif name in RELATIONS:
                out.append(SPACE + RELATIONS[name] + SPACE)
            elif name in NAMES:
                out.append(name + SOFT)
            elif name not in DROPPED:
                out.append(GREEK.get(name, name))
        elif c in "_^":
            arg, i = _argument(tex, i + 1)
            out.append(_script(unicode(arg), SUPERSCRIPTS if c == "^" else SUBSCRIPTS, c))
        elif c in "{}":
            i += 1
        elif c in "=+<>":
            out.append(SPACE + c + SPACE)
            i += 1
        elif c == "-":
            out.append("−" if last() in ("", *UNARY_AFTER) else SPACE + "−" + SPACE)
            i += 1
        elif c in ",;":
            out.append(c + SPACE)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "̂̃̄" or ch in SUPERSCRIPTS.values() or ch in SUBSCRIPTS.values()


def unicode(tex: str) -> str:
    """A LaTeX formula written out in Unicode: ``\\tfrac12 \\lVert x - \\hat x\\rVert^2`` -> ``½‖x − x̂‖²``."""
    text = _convert(tex)
    # a typed space stays only between two words ("x^T d_y"); elsewhere LaTeX ignores it
    text = "".join(ch for k, ch in enumerate(text)
                   if ch != " " or (0 < k < len(text) - 1 and _is_word(text[k - 1]) and _is_word(text[k + 1])))
    text = re.sub(SOFT + r"(?=[\w∂∇Σ∫𝔼𝒩])", " ", text).replace(SOFT, "")  # "log σ²", but "log(…)"
    text = re.sub(SPACE + "+", lambda m: " " * min(len(m.group(0)), 3), text)
    return re.sub(r"(?<=\S) {1}(?=[,)])", "", text).strip()


def readable(source: str) -> str:
    """Source code with its docstrings' math written out in Unicode: ``:math:`…``` becomes the formula itself and a
    ``.. math::`` block (with its indented continuation lines) one indented line of formula."""
    lines, out, i = source.splitlines(), [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. math::\s*(.*)$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, body = m.group(1), [m.group(2)]
        i += 1
        while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > len(indent):
            body.append(lines[i].strip())
            i += 1
        tail = ""
        if body[-1].endswith('"""'):  # the docstring ends on the formula's last line
            body[-1], tail = body[-1][:-3], '"""'
        out.append(f"{indent}    {unicode(' '.join(body))}{tail}")
    text = "\n".join(out) + ("\n" if source.endswith("\n") else "")
    return re.sub(r":math:`([^`]*)`", lambda m: unicode(m.group(1)), text)
