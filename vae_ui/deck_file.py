"""A deck's TOML file: read from bytes, every field checked, and written back. A deck file reads like this::

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
refuses what would break the TOML reader itself (:func:`vae_ui.deck_scan.beyond_limits`: values nested too deep,
numbers too long), so a hostile file is refused with a sentence like any other. No Streamlit here.
"""

from __future__ import annotations

import json
import reprlib
import tomllib
from collections.abc import Mapping
from typing import Any

from vae_ui.deck import FIGURES, MAX_TEXT, NOT_SHOWN, PAGES, Deck, Question, Scene, settable
from vae_ui.deck_scan import beyond_limits, cut
from vae_ui.settings import MAX_SCENES, REGISTRY, Control

MAX_BYTES = 200_000
CHOICES = (2, 5)  # a question has this many choices, at least and at most
SCENE_FIELDS = {"page", "title", "talk", "controls", "question", "hide", "show"}
QUESTION_FIELDS = {"prompt", "choices", "answer", "explain"}


class DeckError(ValueError):
    """A deck file that cannot be used; ``problems`` lists each one ("scene 3 'Title', field 'x': ...")."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read(raw: bytes) -> Deck:
    """The deck in a file's bytes (UTF-8 TOML); :class:`DeckError` for anything that is not a valid deck."""
    if len(raw) > MAX_BYTES:
        raise DeckError([f"the file has {len(raw):,} bytes; a deck has at most {MAX_BYTES:,}"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DeckError([f"the file is not UTF-8 text (byte {err.start})"]) from None
    hostile = beyond_limits(text)
    if hostile:
        raise DeckError([hostile])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DeckError([f"the file is not TOML: {err}"]) from None
    except (RecursionError, ValueError, OverflowError) as err:  # (a limit the scan above did not see)
        raise DeckError([f"the file could not be read ({type(err).__name__}: {cut(str(err), 80)})"]) from None
    return parse(document)

SHOWN = reprlib.Repr()  # a value written to a bounded depth and length (no recursion on a deep one)
SHOWN.maxlevel, SHOWN.maxstring, SHOWN.maxother, SHOWN.maxlist, SHOWN.maxdict = 3, 60, 60, 5, 3


def _short(value: Any) -> str:
    """A value of the file as Python writes it, cut for a message (a hostile value may be kilobytes long or deep)."""
    return cut(SHOWN.repr(value), 80)


def parse(document: Mapping[str, Any]) -> Deck:
    """The deck a parsed TOML document describes, every field checked."""
    problems: list[str] = []
    title = document.get("title", "Lecture deck")
    if not isinstance(title, str) or not 0 < len(title) <= MAX_TEXT["title"]:
        problems.append(f"field 'title': a text of 1 to {MAX_TEXT['title']} characters")
        title = "Lecture deck"
    for unknown in sorted(set(document) - {"title", "scenes"}):
        problems.append(f"unknown field '{cut(unknown, 40)}' (a deck has 'title' and 'scenes')")
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
    problems = [f"{where}: unknown field '{cut(k, 40)}'" for k in sorted(set(raw) - SCENE_FIELDS)]
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
            problems.append(f"{where}, field '{name}': '{cut(part, 40)}' is not a figure of the {page} page "
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
        at = f"{where}, field 'controls.{cut(key, 40)}'"
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
    problems += [f"{where}: unknown field '{cut(k, 40)}'" for k in sorted(set(raw) - QUESTION_FIELDS)]
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
