"""Lecture mode on a 1280×720 projector, measured in Chromium on every page and section: the main slider and its
figure on the first screen, side-by-side stays side by side, nothing cut off (formulas, metrics, chart text),
scatters with equal units on both axes, type a back row can read (charts, diagrams, tables), digits large enough,
ten digit classes in ten colours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.browser.harness import assert_healthy, chart_ink, charts, offline_context, wait_settled

SCREEN = {"width": 1280, "height": 720}
MIN_TEXT = 20  # px: chart, diagram and table text in lecture mode
MIN_DIGIT = 56  # px: one 8×8 digit image


@dataclass
class View:
    query: str  # the page's path and query; lecture mode is added
    slider: str  # the main slider's label
    figure: str  # the title of the chart it moves ("" for an image)
    side_by_side: list[str] = field(default_factory=list)  # chart titles that stay in one row, left to right
    scatters: list[str] = field(default_factory=list)  # chart titles that must keep equal units
    digits: bool = False
    digit_px: int = 64  # px of one image as drawn at its natural size (8 × 8 digits at scale 8; MNIST 28 × 28 at 2)


VIEWS = {
    "home": View("?", "β (weight of the KL term)", "Latent space", ["Data", "Reconstructions", "Samples"],
                 ["Latent space", "Data", "Reconstructions", "Samples"]),
    "home, digits": View("?dataset=digits", "β (weight of the KL term)", "Latent space", [],
                         ["Latent space", "the grid's z"], True),
    "home, MNIST": View("?dataset=mnist", "β (weight of the KL term)", "Latent space", [],
                        ["Latent space", "the grid's z"], True, digit_px=56),
    "autoencoder": View("autoencoder?", "Latent dimension d", "Data → reconstruction", ["d = 1", "d = 2"],
                        ["Data → reconstruction", "The learned manifold", "d = 1", "d = 2", "Autoencoder codes",
                         "VAE codes", "autoencoder: g(z)", "VAE: g(z)"]),
    "autoencoder, digits": View("autoencoder?dataset=digits&ae_epochs=50", "Latent dimension d", "", [], [], True),
    "denoising": View("denoising?", "Noise σ (training corruption)", "Reconstructed",
                      ["Clean x", "Noisy", "Reconstructed"], ["Clean x", "Noisy", "Reconstructed", "Denoising field"]),
    "ELBO, KL": View("elbo?", "μ of q", "Densities of q"),
    "ELBO, gap": View("elbo?el_tab=The+ELBO+gap", "μ of q(z)", "q against the exact posterior"),
    "ELBO, β-VAE": View("elbo?el_tab=%CE%B2-VAE", "β", "Rate–distortion", ["β = 1:", "β = 4:"],
                        ["Exact p(z|x)", "Aggregate posterior", "β = 1:", "β = 4:"]),  # (at β = 1: no prior hole)
    "ELBO, hidden β": View("elbo?el_tab=Hidden+%CE%B2", "Decoder standard deviation σₓ", ""),
    "reparameterisation": View("reparameterisation?", "μ₁", "ε (grey)", [], ["ε (grey)"]),
}


def _open(page, server: str, view: View) -> None:
    page.goto(f"{server}/{view.query}&lecture=1".replace("?&", "?"))
    wait_settled(page, timeout=180_000)  # the β-VAE sweep and the ladder filled in


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    rgb = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_on_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def _number(text: str) -> float | None:
    try:
        return float(text.replace("−", "-").replace(",", ""))
    except ValueError:
        return None


def _px_per_unit(chart: dict) -> tuple[float, float]:
    """Pixels per data unit along x and along y, read from the axes' numeric tick labels."""
    ticks = [(t, _number(t["text"])) for t in chart["texts"] if not t["rotated"] and _number(t["text"]) is not None]
    rows: dict[int, list] = {}
    for t, v in ticks:
        rows.setdefault(round(t["y"]), []).append((t["x"], v))
    columns: dict[int, list] = {}
    for t, v in ticks:
        if t["align"] == "right":
            columns.setdefault(round(t["x"]), []).append((t["y"], v))
    x_axis = max(rows.values(), key=len)
    y_axis = max(columns.values(), key=len)
    assert len(x_axis) >= 3 and len(y_axis) >= 3, chart["title"]
    (x0, a0), (x1, a1) = min(x_axis, key=lambda p: p[1]), max(x_axis, key=lambda p: p[1])
    (y0, b0), (y1, b1) = min(y_axis, key=lambda p: p[1]), max(y_axis, key=lambda p: p[1])
    return abs(x1 - x0) / (a1 - a0), abs(y1 - y0) / (b1 - b0)


def _titled(drawn: list[dict], part: str) -> dict:
    found = [c for c in drawn if part in c["title"]]
    assert found, f"no chart titled like {part!r}: {[c['title'] for c in drawn]}"
    return found[0]


@pytest.fixture(scope="module")
def projector(browser):
    context = offline_context(browser, viewport=(SCREEN["width"], SCREEN["height"]))
    yield context.new_page()
    context.close()


SLOW_VIEWS = {"home, digits", "home, MNIST", "ELBO, β-VAE"}  # over 10 s each: in the slow run


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_VIEWS else n for n in VIEWS])
def test_lecture_mode_on_a_1280_by_720_projector(server, projector, name):
    page, view = projector, VIEWS[name]
    page.set_viewport_size(SCREEN)
    _open(page, server, view)
    assert_healthy(page)
    assert all(n > 0 for n in chart_ink(page)), chart_ink(page)  # every chart has drawn
    assert page.locator(".katex-error").count() == 0  # every formula renders
    problems: list[str] = []

    # the sidebar is folded away
    sidebar = page.locator("[data-testid=stSidebar]")
    if sidebar.count() and sidebar.get_attribute("data-collapsed") != "true":
        problems.append("the sidebar is open")

    # the main slider and its figure on the first screen, together
    box = page.locator(f'[data-testid=stSlider] [role=group][aria-label="{view.slider}"]').bounding_box()  # exact label
    if box is None or box["y"] < 0 or box["y"] + box["height"] > SCREEN["height"]:
        problems.append(f"the slider {view.slider!r} is not on the first screen: {box}")
    drawn = charts(page)
    if view.figure:
        figure = _titled(drawn, view.figure)["box"]
    else:
        figure = page.locator("[data-testid=stImage] img, [data-testid=stMetric]").first.bounding_box()
    if figure["y"] < 0 or figure["y"] + 0.85 * figure["height"] > SCREEN["height"]:
        problems.append(f"the figure {view.figure!r} is not on the first screen: {figure}")

    # side by side stays side by side
    row = [_titled(drawn, title)["box"] for title in view.side_by_side]
    for left, right in zip(row, row[1:]):
        if abs(left["y"] - right["y"]) > 8 or right["x"] < left["x"] + left["width"] - 2:
            problems.append(f"{view.side_by_side} are not side by side: {row}")
            break

    # nothing cut off: formulas, metric values, chart text
    cut = page.evaluate("""() => {
      const out = [];
      document.querySelectorAll('.katex-display').forEach(d => {
        const w = d.querySelector('.katex-html').getBoundingClientRect().width;
        if (w > d.clientWidth + 1) out.push('formula ' + d.textContent.slice(0, 40) + ': ' + w + ' > ' + d.clientWidth);
      });
      document.querySelectorAll('[data-testid=stMetricValue] .stMarkdownEllipsis, [data-testid=stMetricLabel] p')
        .forEach(e => { if (e.scrollWidth > e.clientWidth + 1) out.push('metric ' + e.textContent); });
      document.querySelectorAll('[data-testid=stMain] *').forEach(e => {
        if (e.children.length === 0 && e.offsetParent !== null && /…$/.test(e.textContent.trim())
            && !e.closest('[data-testid=stCode]')) out.push('text ' + e.textContent.slice(-30));
      });
      return out; }""")
    problems += cut
    for chart in drawn:
        for t in chart["texts"]:
            if t["text"].endswith("…"):
                problems.append(f"chart {chart['title']!r}: cut text {t['text']!r}")
            if not t["rotated"] and (t["left"] < -1 or t["right"] > chart["canvasWidth"] + 1):
                problems.append(f"chart {chart['title']!r}: {t['text']!r} runs off the chart "
                                f"({t['left']:.0f}..{t['right']:.0f} of {chart['canvasWidth']})")

    # type readable from the back row, dark enough on white
    for chart in drawn:
        for t in chart["texts"]:
            if t["size"] < MIN_TEXT - 0.5:
                problems.append(f"chart {chart['title']!r}: {t['text']!r} at {t['size']:.1f} px")
            if t["fill"].startswith("#") and t["fill"].lower() not in ("#fff", "#ffffff", "#000", "#000000") \
                    and _contrast_on_white(t["fill"]) < 4.5:
                problems.append(f"chart {chart['title']!r}: {t['text']!r} in {t['fill']} "
                                f"({_contrast_on_white(t['fill']):.1f}:1 on white)")
    small = page.evaluate(f"""() => Array.from(document.querySelectorAll('[data-testid=stGraphVizChart] svg text'))
        .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])
        .filter(([, px]) => px < {MIN_TEXT} - 0.5)""")
    problems += [f"diagram label {label!r} at {px:.1f} px" for label, px in small]
    cells = page.evaluate(f"""() => Array.from(document.querySelectorAll('[data-testid=stTable] td, [data-testid=stTable] th'))
        .map(c => parseFloat(getComputedStyle(c).fontSize)).filter(px => px < {MIN_TEXT} - 0.5)""")
    if cells:
        problems.append(f"table text at {min(cells):.1f} px")

    # scatters keep equal units on both axes
    for title in view.scatters:
        x_px, y_px = _px_per_unit(_titled(drawn, title))
        if abs(x_px / y_px - 1) > 0.03:
            problems.append(f"chart {title!r}: {x_px:.1f} px per unit across, {y_px:.1f} up")

    # digits large enough; ten digit classes in ten colours, with the whole legend
    if view.digits:
        ratios = page.locator("[data-testid=stImage] img").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().width / e.naturalWidth)")
        problems += [f"a digit drawn {view.digit_px * r:.0f} px wide" for r in ratios if view.digit_px * r < MIN_DIGIT]
        if name.startswith("home"):
            latent = _titled(drawn, "Latent space")
            legend = {t["text"] for t in latent["texts"]}
            if not {str(d) for d in range(10)} <= legend:
                problems.append(f"the digits' legend lacks {sorted({str(d) for d in range(10)} - legend)}")
            colours = {f for f in latent["fills"] if re.fullmatch(r"#[0-9a-fA-F]{6}", f)}
            if len(colours) < 10:
                problems.append(f"the ten digits in {len(colours)} colours: {sorted(colours)}")
    assert page.context.blocked == [], page.context.blocked  # nothing asked of the internet
    assert not problems, "\n".join(problems)
