"""A lecture deck: an ordered list of scenes, read from and written to a TOML file (no Streamlit here).

A scene is one set-up of one page, exactly what a "Link to this slide" URL holds (the page and its control
values, checked as the URL's are), with a title, a talking point and, optionally, a question the class answers
before the reveal. A deck file reads like this::

    title = "Autoencoders and VAEs"

    [[scenes]]
    page = "autoencoder"
    title = "A bottleneck of one number"
    talk = "With d = 1 the decoder can only draw a curve through the data."
    show = ["ae_manifold"]                 # the parts the scene is about: first on the screen (optional)
    hide = ["ae_manifold"]                 # figures kept back until Reveal (optional)
    [scenes.controls]
    ae_latent = 1
    [scenes.question]                      # optional
    prompt = "What will the reconstructions of the three clusters look like?"
    choices = ["three points", "one curve", "the data itself"]
    answer = "one curve"                   # leave it out for an opinion poll
    explain = "Every reconstruction is g(z) for one number z: a curve in the plane."

Nothing in a deck is executed or rendered as HTML: its text is shown as text. :func:`parse` checks every field's type
before using it and raises :class:`DeckError` naming the scene and the field of each problem; :func:`read` first
refuses what would break the TOML reader itself (values nested too deep, numbers too long), so a hostile file is
refused with a sentence like any other.
"""

from __future__ import annotations

import json
import reprlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .settings import MAX_SCENE, REGISTRY, Control

# The pages a scene may show (the URL path of each) and the prefixes of the controls that belong to each.
PAGES: dict[str, tuple[str, ...]] = {
    "home": ("h_",),
    "autoencoder": ("ae_",),
    "denoising": ("dae_",),
    "elbo": ("el_", "kl_", "lg_", "vb_", "ls_"),
    "reparameterisation": ("rp_",),
}
FIGURES = {  # the parts of each page by name: what a scene shows first (``show``) and what a question scene may keep
    # back until Reveal (``hide``): its figures, and its numbers
    "home": ("replay", "latent_space", "training_curves", "data", "reconstructions", "prior_samples", "numbers"),
    "autoencoder": ("ae_reconstruction", "ae_manifold", "ae_latent", "ae_loss", "ae_compare", "numbers"),
    "denoising": ("dae_clean", "dae_noisy", "dae_reconstructed", "dae_field", "dae_vs_ae", "score_samples", "numbers"),
    "elbo": ("kl_densities", "kl_convergence", "gap_densities", "gap_bar", "rate_distortion", "kl_per_dimension",
             "bounds", "posterior_vs_q", "aggregate_posterior", "holes_decoded", "beta_side", "effective_beta",
             "kl_direction", "numbers"),
    "reparameterisation": ("eps_to_z", "sampling_graph", "estimator_variance", "estimate_histograms", "numbers"),
}
NOT_SHOWN = ("numbers",)  # names ``hide`` takes that are not one part of the page (``show`` refuses them)
FIRST_SCREEN = {  # what a scene a lecturer saves shows first: its page's (or the ELBO page's tab's) main figures
    "home": ("replay", "latent_space", "training_curves"),
    "autoencoder": ("ae_reconstruction", "ae_manifold"),
    "denoising": ("dae_clean", "dae_noisy", "dae_reconstructed"),
    "reparameterisation": ("eps_to_z", "sampling_graph"),
    "KL in closed form": ("kl_densities", "kl_convergence"),
    "The ELBO gap": ("gap_densities", "gap_bar"),
    "β-VAE": ("rate_distortion", "kl_per_dimension"),
    "Hidden β": ("effective_beta",),
}
SCENE_SHARED = ("dataset", "seed")  # the shared controls a scene may set (not the deck, the scene or lecture mode)
MAX_BYTES = 200_000
MAX_SCENES = MAX_SCENE
MAX_TEXT = {"title": 120, "talk": 1200, "prompt": 300, "choice": 120, "explain": 1200}
CHOICES = (2, 5)  # a question has this many choices, at least and at most
LETTERS = "ABCDE"  # the choices' letters, on the lecturer's screen and the students'
SCENE_FIELDS = {"page", "title", "talk", "controls", "question", "hide", "show"}
MAX_NESTING = 4  # arrays and inline tables open at once in one value (a deck written all inline needs 3)
MAX_DIGITS = 40  # of a number (Python's reader raises on an integer of over 4,300 digits; its recursion, on ~500 levels)
QUESTION_FIELDS = {"prompt", "choices", "answer", "explain"}


class DeckError(ValueError):
    """A deck file that cannot be used; ``problems`` lists each one ("scene 3 'Title', field 'x': ...")."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Question:
    """A question put to the class before the reveal; ``answer`` is None for an opinion poll."""

    prompt: str
    choices: tuple[str, ...]
    answer: str | None = None
    explain: str = ""

    @property
    def right(self) -> int | None:
        """The index of the right choice (None for a poll)."""
        return None if self.answer is None else self.choices.index(self.answer)


@dataclass(frozen=True)
class Scene:
    """One page set up for one point of the lecture."""

    page: str
    title: str
    talk: str = ""
    controls: tuple[tuple[str, Any], ...] = ()  # (key, value) in the file's order; the others keep their defaults
    question: Question | None = None
    hide: tuple[str, ...] = ()
    show: tuple[str, ...] = ()  # the parts of the page the scene is about, drawn first (in this order)

    def values(self) -> dict[str, Any]:
        """Every control of the app set for this scene: its own values, the defaults for the rest."""
        return {key: c.default for key, c in REGISTRY.items()} | dict(self.controls)

    def link(self) -> str:
        """The page's URL path and query, as "Link to this slide" writes it (non-default values only)."""
        path = "" if self.page == "home" else self.page
        query = "&".join(f"{key}={Control.encode(v)}" for key, v in self.controls if v != REGISTRY[key].default)
        return path + ("?" + query if query else "")


@dataclass(frozen=True)
class Deck:
    title: str
    scenes: tuple[Scene, ...] = field(default_factory=tuple)


def settable(key: str, page: str) -> bool:
    """Whether a scene of ``page`` may set control ``key``: the page's own controls, and the data and seed."""
    return key in SCENE_SHARED or (key in REGISTRY and key.startswith(PAGES[page]))


def first_screen(page: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The parts a new scene of ``page`` with these control values shows first (see FIRST_SCREEN)."""
    if page == "elbo":
        return FIRST_SCREEN.get(str(values.get("el_tab", REGISTRY["el_tab"].default)), ())
    return FIRST_SCREEN.get(page, ())


def covers(hidden: tuple[str, ...], name: str) -> bool:
    """Whether keeping back ``hidden`` keeps back the figure ``name`` ("ae_compare" covers "ae_compare_d2")."""
    return any(name == h or name.startswith(h + "_") for h in hidden)


def read(raw: bytes) -> Deck:
    """The deck in a file's bytes (UTF-8 TOML); :class:`DeckError` for anything that is not a valid deck."""
    if len(raw) > MAX_BYTES:
        raise DeckError([f"the file has {len(raw):,} bytes; a deck has at most {MAX_BYTES:,}"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DeckError([f"the file is not UTF-8 text (byte {err.start})"]) from None
    hostile = _beyond_limits(text)
    if hostile:
        raise DeckError([hostile])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DeckError([f"the file is not TOML: {err}"]) from None
    except (RecursionError, ValueError, OverflowError) as err:  # (a limit the scan above did not see)
        raise DeckError([f"the file could not be read ({type(err).__name__}: {_cut(str(err), 80)})"]) from None
    return parse(document)


def _beyond_limits(text: str) -> str | None:
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
    field = ".".join(part for part in (inside, _cut(key, 40)) if part)
    return f"{f'scene {scene}, ' if scene else ''}field '{field}' (line {line}): {what}"


SHOWN = reprlib.Repr()  # a value written to a bounded depth and length (no recursion on a deep one)
SHOWN.maxlevel, SHOWN.maxstring, SHOWN.maxother, SHOWN.maxlist, SHOWN.maxdict = 3, 60, 60, 5, 3


def _short(value: Any) -> str:
    """A value of the file as Python writes it, cut for a message (a hostile value may be kilobytes long or deep)."""
    return _cut(SHOWN.repr(value), 80)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse(document: Mapping[str, Any]) -> Deck:
    """The deck a parsed TOML document describes, every field checked."""
    problems: list[str] = []
    title = document.get("title", "Lecture deck")
    if not isinstance(title, str) or not 0 < len(title) <= MAX_TEXT["title"]:
        problems.append(f"field 'title': a text of 1 to {MAX_TEXT['title']} characters")
        title = "Lecture deck"
    for unknown in sorted(set(document) - {"title", "scenes"}):
        problems.append(f"unknown field '{_cut(unknown, 40)}' (a deck has 'title' and 'scenes')")
    raw_scenes = document.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise DeckError(problems + ["no [[scenes]]: this is not a deck"])
    if len(raw_scenes) > MAX_SCENES:
        raise DeckError(problems + [f"{len(raw_scenes)} scenes; a deck has at most {MAX_SCENES}"])
    scenes = []
    for number, raw in enumerate(raw_scenes, start=1):
        where = f"scene {number}"
        if isinstance(raw, Mapping) and isinstance(raw.get("title"), str) and raw["title"].strip():
            where += f" '{raw['title'][:40]}'"
        try:
            scene, found = _scene(raw, where)
        except (RecursionError, TypeError, ValueError, OverflowError) as err:  # a check this module misses: a refusal
            scene, found = None, [f"{where}: could not be read ({type(err).__name__})"]
        problems += found
        scenes.append(scene)
    if problems:
        raise DeckError(problems)
    return Deck(title, tuple(scenes))


def _scene(raw: Any, where: str) -> tuple[Scene | None, list[str]]:
    if not isinstance(raw, Mapping):
        return None, [f"{where}: not a table of fields"]
    problems = [f"{where}: unknown field '{_cut(k, 40)}'" for k in sorted(set(raw) - SCENE_FIELDS)]
    page = raw.get("page")
    if not isinstance(page, str) or page not in PAGES:
        problems.append(f"{where}, field 'page': {_short(page)} is not one of {', '.join(PAGES)}")
        return None, problems
    title = _text(raw.get("title"), "title", where, problems, required=True)
    talk = _text(raw.get("talk", ""), "talk", where, problems)
    controls = _controls(raw.get("controls", {}), page, where, problems)
    hide = _names(raw.get("hide", []), "hide", page, FIGURES[page], where, problems)
    show = _names(raw.get("show", []), "show", page, tuple(n for n in FIGURES[page] if n not in NOT_SHOWN), where,
                  problems)
    question = None
    if "question" in raw:
        question = _question(raw["question"], f"{where}, question", problems)
    elif hide:
        problems.append(f"{where}, field 'hide': only a scene with a question keeps figures back")
    if problems:
        return None, problems
    return Scene(page, title, talk, controls, question, tuple(hide), tuple(show)), []


def _names(value: Any, name: str, page: str, allowed: tuple[str, ...], where: str, problems: list[str]) -> list[str]:
    """A scene's list of part names (``hide``, ``show``), each a part of its page."""
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        problems.append(f"{where}, field '{name}': a list of figure names")
        return []
    for part in value:
        if part not in allowed:
            problems.append(f"{where}, field '{name}': '{_cut(part, 40)}' is not a figure of the {page} page "
                            f"({', '.join(allowed)})")
    if len(set(value)) != len(value):
        problems.append(f"{where}, field '{name}': a figure named twice")
    return value


def _text(value: Any, name: str, where: str, problems: list[str], required: bool = False) -> str:
    limit = MAX_TEXT[name]
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        problems.append(f"{where}, field '{name}': a text of {'1' if required else '0'} to {limit} characters"
                        + (f" (it has {len(value)})" if isinstance(value, str) and len(value) > limit else ""))
        return ""
    return value


def _controls(raw: Any, page: str, where: str, problems: list[str]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}, field 'controls': a table of control = value")
        return ()
    found = []
    for key, value in raw.items():
        at = f"{where}, field 'controls.{_cut(key, 40)}'"
        control = REGISTRY.get(key)
        if control is None:
            problems.append(f"{at}: no such control")
        elif not settable(key, page):
            problems.append(f"{at}: not a control of the {page} page")
        elif key == "dataset" and value == "csv":
            problems.append(f"{at}: a deck cannot carry an upload; pick a generated data set or digits")
        else:
            try:
                found.append((key, checked(control, value)))
            except ValueError as err:
                problems.append(f"{at}: {_short(value)} is not allowed ({err})")
    return tuple(found)


def checked(control: Control, value: Any) -> Any:
    """A deck's value for ``control``, checked as a URL's is; ValueError when it is of the wrong type or range."""
    if control.kind == "toggle":
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return value
    if control.kind == "multiselect":
        if not isinstance(value, list):
            raise ValueError("a list")
        for v in value:
            _type_of(control, v)
        return control.parse(Control.encode(tuple(value)))
    _type_of(control, value)
    return control.parse(Control.encode(value))


def _type_of(control: Control, value: Any) -> None:
    options = control.options or (control.default,)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("a number or a text")
    if isinstance(options[0], str) != isinstance(value, str):
        raise ValueError("a text" if isinstance(options[0], str) else "a number")


def _question(raw: Any, where: str, problems: list[str]) -> Question | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: not a table of fields")
        return None
    problems += [f"{where}: unknown field '{_cut(k, 40)}'" for k in sorted(set(raw) - QUESTION_FIELDS)]
    prompt = _text(raw.get("prompt"), "prompt", where, problems, required=True)
    choices = raw.get("choices")
    lo, hi = CHOICES
    if not isinstance(choices, list) or not lo <= len(choices) <= hi:
        problems.append(f"{where}, field 'choices': a list of {lo} to {hi} texts")
        return None
    choices = [_text(c, "choice", f"{where}, choice {i}", problems, required=True) for i, c in enumerate(choices, 1)]
    if len(set(choices)) != len(choices):
        problems.append(f"{where}, field 'choices': two choices are the same")
    answer = raw.get("answer")
    if answer is not None and (not isinstance(answer, str) or answer not in choices):
        problems.append(f"{where}, field 'answer': {_short(answer)} is not one of the choices")
    explain = _text(raw.get("explain", ""), "explain", where, problems)
    return Question(prompt, tuple(choices), answer, explain)


def to_toml(deck: Deck) -> str:
    """The deck as a TOML file that :func:`read` reads back to the same deck."""
    lines = [f"title = {_toml(deck.title)}", ""]
    for scene in deck.scenes:
        lines += ["[[scenes]]", f"page = {_toml(scene.page)}", f"title = {_toml(scene.title)}",
                  f"talk = {_toml(scene.talk)}"]
        if scene.show:
            lines.append(f"show = {_toml(list(scene.show))}")
        if scene.hide:
            lines.append(f"hide = {_toml(list(scene.hide))}")
        lines.append("[scenes.controls]")
        lines += [f"{key} = {_toml(list(v) if isinstance(v, tuple) else v)}" for key, v in scene.controls]
        if scene.question:
            q = scene.question
            lines += ["[scenes.question]", f"prompt = {_toml(q.prompt)}", f"choices = {_toml(list(q.choices))}"]
            if q.answer is not None:
                lines.append(f"answer = {_toml(q.answer)}")
            lines.append(f"explain = {_toml(q.explain)}")
        lines.append("")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")  # a TOML basic string
    return "[" + ", ".join(_toml(v) for v in value) + "]"
