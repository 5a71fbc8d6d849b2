"""The pages, driven with Streamlit's AppTest: they render, the main sliders change what is
shown, moving a slider back reuses the cache, the URL restores the controls, bad input is told."""

import json
from dataclasses import replace

import pytest

from tests.apptest_helpers import app, assert_clean, chart, charts, metrics, texts
from vae_ui import configs, settings
from vae_ui.service import runs
from vae_ui.service.datasets import generated


def trainings() -> int:
    return runs.store().trainings


@pytest.mark.parametrize("page", ["home", "autoencoder", "denoising"])
def test_every_page_renders_with_defaults(page):
    at = app(page)
    assert_clean(at)
    assert at.title and charts(at) and at.latex
    assert at.get("expander"), "the source-code expander is there"
    assert not at.warning, texts(at, "warning")


def test_home_beta_changes_the_numbers_and_moving_back_reuses_the_cache():
    at = app("home")
    before, latent_before = metrics(at), chart(at, "Latent space")["fingerprint"]
    at.select_slider(key="w_h_beta").set_value(4.0).run()
    assert_clean(at)
    after = metrics(at)
    assert after["KL (nats)"] != before["KL (nats)"] and float(after["KL (nats)"]) < float(before["KL (nats)"])
    assert chart(at, "Latent space")["fingerprint"] != latent_before
    assert at.query_params["h_beta"] == ["4"] or at.query_params["h_beta"] == "4"
    count = trainings()
    at.select_slider(key="w_h_beta").set_value(1.0).run()
    assert metrics(at) == before, "back to β = 1 shows the same numbers"
    assert trainings() == count, "and trains nothing"


def test_home_latent_dimension_and_replay():
    at = app("home")
    at.slider(key="w_h_latent").set_value(1).run()
    assert_clean(at)
    assert metrics(at)["Active units"].endswith("/ 1")
    diagram = at.get("graphviz_chart")[0].proto.spec
    assert "x ∈ ℝ²" in diagram and "μ ∈ ℝ¹" in diagram and "log σ² ∈ ℝ¹" in diagram
    at.slider(key="w_h_replay").set_value(0).run()
    assert any("Showing epoch 0 of 300" in c for c in texts(at, "caption"))
    assert "h_replay" in at.query_params


def test_url_restores_the_controls():
    at = app("home", h_beta="2", h_latent="3", seed="5")
    assert_clean(at)
    assert at.select_slider(key="w_h_beta").value == 2.0
    assert at.slider(key="w_h_latent").value == 3
    assert at.number_input(key="w_seed").value == 5
    assert metrics(at)["Active units"].endswith("/ 3")


@pytest.mark.parametrize("query, words", [
    ({"h_beta": "7.77"}, "β (weight of the KL term)"),
    ({"h_latent": "99"}, "outside"),
    ({"seed": "abc"}, "Seed"),
    ({"dataset": "cifar10"}, "not one of the choices"),
    ({"lecture": "maybe"}, "Lecture mode"),
    ({"h_epochs": "1" * 500}, "too long"),
    ({"nonsense": "1"}, "unknown link parameter"),
])
def test_bad_url_values_fall_back_to_defaults_with_a_note(query, words):
    at = app("home", **query)
    assert_clean(at)
    notes = " ".join(texts(at, "warning"))
    assert words in notes.replace("\\", ""), notes
    assert at.select_slider(key="w_h_beta").value == 1.0 and at.slider(key="w_h_latent").value == 2


def test_html_in_the_url_is_shown_as_text_not_markup():
    at = app("home", dataset="<script>alert(1)</script>")
    assert_clean(at)
    note = texts(at, "warning")[0]
    assert "<script>" not in note and "\\<script\\>" in note  # escaped: Markdown shows it literally


def test_diverged_run_shows_a_message_and_the_page_stays_usable():
    at = app("home")
    at.select_slider(key="w_h_lr").set_value(1.0).run()
    assert_clean(at)
    errors = " ".join(texts(at, "error"))
    assert "Training diverged" in errors and "lower the learning rate" in errors
    at.select_slider(key="w_h_lr").set_value(1e-3).run()
    assert_clean(at)
    assert not at.error and metrics(at)["Active units"] == "2 / 2"


@pytest.mark.slow
def test_shared_and_page_controls_survive_page_switches():
    at = app("home")
    at.number_input(key="w_seed").set_value(3).run()
    at.select_slider(key="w_h_beta").set_value(0.5).run()
    at.switch_page("app_pages/denoising.py").run()
    at.slider(key="w_dae_sigma").set_value(0.6).run()
    assert_clean(at)
    assert at.number_input(key="w_seed").value == 3
    at.switch_page("app_pages/home.py").run()
    assert_clean(at)
    assert at.select_slider(key="w_h_beta").value == 0.5 and at.number_input(key="w_seed").value == 3
    assert at.query_params["seed"] in ("3", ["3"])


def test_reset_puts_every_control_back():
    at = app("home", h_beta="3", seed="9")
    at.button(key="reset").click().run()
    assert_clean(at)
    assert at.select_slider(key="w_h_beta").value == 1.0 and at.number_input(key="w_seed").value == 0
    assert dict(at.query_params) == {}


def test_autoencoder_latent_slider_and_side_by_side():
    at = app("autoencoder")
    error_d1 = metrics(at)["Test reconstruction error"]
    at.slider(key="w_ae_latent").set_value(2).run()
    assert_clean(at)
    assert float(metrics(at)["Test reconstruction error"]) < float(error_d1)
    count = trainings()
    at.slider(key="w_ae_latent").set_value(1).run()
    assert metrics(at)["Test reconstruction error"] == error_d1 and trainings() == count
    assert {"Test error, d = 1", "Test error, d = 2"} <= set(metrics(at))
    at.multiselect(key="w_ae_compare").set_value([1, 2, 3]).run()
    assert_clean(at)
    assert "Test error, d = 3" in metrics(at)
    assert at.query_params["ae_compare"] in ("1,2,3", ["1,2,3"])


@pytest.mark.slow
def test_autoencoder_on_digits_shows_images():
    at = app("autoencoder", dataset="digits", ae_epochs="50", ae_compare="2")
    assert_clean(at)
    assert len(at.image) >= 2, "originals above reconstructions, and the side-by-side column"


def test_denoising_sigma_changes_the_picture():
    at = app("denoising")
    before = metrics(at)
    field = chart(at, "Denoising field")["fingerprint"]
    at.slider(key="w_dae_sigma").set_value(0.8).run()
    assert_clean(at)
    assert metrics(at)["Training noise σ"] == "0.8"
    assert metrics(at)["Denoising AE error on noisy test inputs"] != before["Denoising AE error on noisy test inputs"]
    assert chart(at, "Denoising field")["fingerprint"] != field
    assert chart(at, "Error on noisy test inputs")


def _more_controls(at) -> set[str] | None:
    """The widget keys folded into the page's "More controls" (None when there is no such expander)."""
    more = [e for e in at.get("expander") if e.label == "More controls"]
    if not more:
        return None
    return {w.key for kind in ("slider", "select_slider", "selectbox", "toggle") for w in more[0].get(kind)}


def test_lecture_mode_folds_secondary_controls():
    """In lecture mode the worked example's secondary controls (epochs, learning rate) are folded into "More controls"
    and its main ones (β, d, σₓ) stay in the row; out of lecture mode nothing is folded."""
    at = app("home", lecture="1")
    assert_clean(at)
    assert _more_controls(at) == {"w_h_epochs", "w_h_lr"}
    assert {"w_h_beta", "w_h_latent", "w_h_sigma_x"} <= {w.key for w in at.get("select_slider") + at.get("slider")
                                                         + at.get("selectbox")}
    plain = app("home")
    assert_clean(plain)
    assert _more_controls(plain) is None


GOOD_CSV = b"a,b,c\n" + b"".join(f"{i % 7},{(i * 3) % 11},{i % 5}\n".encode() for i in range(200))


@pytest.mark.parametrize("bad, message", [
    (b"", "empty"),
    (b"x,y\n", "header row but no data"),
    (b"a,b\n1,hello\n2,3\n", "not a number"),
    (b"a,b\n1,nan\n2,3\n", "missing or infinite"),
    (b"a\n1\n2\n3\n", "at least 2 numeric columns"),
    (b"1,2\n" * 30_000, "at most 20,000"),
    (b"1,2\n" * 1_000_000, "at most 20,000"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8"),
    (b"a,b\n1,2\n3," + b"9" * 200_000 + b"\n", "longer than 128 KiB"),  # csv.Error, not a ValueError
    (b"a,b\n1,2\n2,1\n3,5\n4,4\n5,2\n6,1\n", "at least 10 rows"),  # a 1-row test split broke the beta-VAE tab
    (b"sep=;\n1;2\n", "sep=;"),
    (b"a;b\n1,5;2,5\n", "decimal comma"),
])
def test_csv_upload_good_then_bad_keeps_the_good_data(bad, message):
    at = app("home", dataset="csv")
    assert any("Upload a CSV" in t for t in texts(at, "info"))
    at.sidebar.get("file_uploader")[0].set_value(("good.csv", GOOD_CSV, "text/csv")).run()
    assert_clean(at)
    good_metrics = metrics(at)
    assert "Upload a CSV" not in " ".join(texts(at, "info"))
    shown = "Data: Your CSV: good.csv — 200 rows × 3 columns"  # the page says which data it shows

    def names_the_upload() -> bool:
        return any(t.replace("\\", "").startswith(shown) for t in texts(at, "caption"))

    assert names_the_upload(), texts(at, "caption")
    at.sidebar.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert_clean(at)
    errors = " ".join(texts(at, "error")).replace("\\", "")  # (shown escaped: the message quotes the file)
    assert message in errors and "previous data is kept" in errors
    assert metrics(at) == good_metrics
    assert names_the_upload(), "the good data is still the data shown"


def upload(at, name: str, content: bytes | None):
    at.sidebar.get("file_uploader")[0].set_value(None if content is None else (name, content, "text/csv")).run()
    assert_clean(at)
    return " ".join(texts(at, "error"))


def test_the_smallest_csv_allowed_works_on_every_section_that_uses_it():
    """Ten rows (the fewest an upload may have) leave two test rows: the β-VAE section's point slider has a range."""
    at = app("elbo", dataset="csv", el_tab="β-VAE")
    small = b"a,b\n" + b"".join(f"{i % 4},{(3 * i) % 5}.5\n".encode() for i in range(10))
    assert upload(at, "small.csv", small) == ""
    assert_clean(at)
    assert any("10 rows" in t.replace("\\", "") for t in texts(at, "caption"))


def test_escaped_text_has_no_markup_and_no_autolink_left():
    from vae_ui.session.user_text import ZERO_WIDTH, escape

    for raw in ("http://e.vil/x", "https://e.vil", "www.e.vil", "WWW.E.VIL", "me@e.vil", "[X](y)", "![](z)", "<b>"):
        shown = escape(raw)
        assert "://" not in shown and "www." not in shown.lower().replace("\\", "") and "@e" not in shown
        assert shown.replace("\\", "").replace(ZERO_WIDTH, "") == raw  # read as it was typed


def test_a_file_name_and_a_cell_from_a_user_are_shown_as_text_not_markdown():
    errors = upload(app("home", dataset="csv"), "[X](http://e.vil).csv", b"a,b\n![](http://e.vil/x),2\n" * 12)
    assert "not a number" in errors
    for markup in ("![](", "[X](", "http://"):  # an image would be fetched from e.vil, a link followed
        assert markup not in errors, errors
    assert errors.replace("\\", "").replace("\u200b", "").count("http://e.vil") == 2  # both are there, to read


@pytest.mark.parametrize("then", ["remove the file", "switch the data set", "reset"])
def test_the_message_about_a_bad_upload_goes_when_the_file_does(then):
    at = app("home", dataset="csv")
    assert "not a number" in upload(at, "bad.csv", b"a,b\n1,x\n" * 12)
    if then == "remove the file":
        errors = upload(at, "", None)
    elif then == "switch the data set":
        at.sidebar.selectbox(key="w_dataset").select("two_moons").run()
        at.sidebar.selectbox(key="w_dataset").select("csv").run()  # back, with no new file: no old message
        errors = upload(at, "", None)
    else:
        at.sidebar.button(key="reset").click().run()
        errors = " ".join(texts(at, "error"))
    assert "not a number" not in errors


@pytest.mark.parametrize("content", [
    b"a,b\r" + b"".join(f"{i % 7},{(3 * i) % 11}\r".encode() for i in range(40)),  # old Macintosh line ends
    b"a,b\n" + b"".join(f"{1e307 * (i % 7 + 1):g},{1e-300 * (i % 5 + 1):g}\n".encode() for i in range(40)),
    b"a;b\n" + b"".join(f"{i % 7};{(3 * i) % 11}\n".encode() for i in range(40)),
])
def test_unusual_but_good_csvs_load_and_train(content):
    at = app("home", dataset="csv")
    assert upload(at, "odd.csv", content) == ""
    assert any("40 rows" in t.replace("\\", "") for t in texts(at, "caption")), texts(at, "caption")
    assert metrics(at) and not any("diverged" in t for t in texts(at, "error"))


def test_a_control_allows_its_default_and_refuses_what_no_widget_returns():
    for control in settings.REGISTRY.values():
        assert control.allows(control.default), control.key
    seed, beta, compare = (settings.REGISTRY[k] for k in ("seed", "h_beta", "ae_compare"))
    assert not any(seed.allows(v) for v in (float("nan"), float("inf"), -1, 10**12, 1.5, True, "3"))
    assert not any(beta.allows(v) for v in (7.77, "1.0", None)) and beta.allows(1.5)
    assert not any(compare.allows(v) for v in ((2, 2), (), (99,), [1, 2])) and compare.allows((3, 1))
    assert settings.REGISTRY["h_replay"].allows(40, 0, 40) and not settings.REGISTRY["h_replay"].allows(50, 0, 40)


def test_a_set_up_over_the_work_budget_is_refused_with_its_seconds_and_what_to_lower():
    at = app("autoencoder", dataset="digits", ae_width="256", ae_epochs="1000")
    assert_clean(at)
    warnings = " ".join(texts(at, "warning"))
    refused = runs.RunConfig("autoencoder", generated("digits", 0).spec, latent_dim=1, hidden=(256, 256), epochs=1000,
                             lr=3e-3)
    compared = replace(refused, latent_dim=2)  # the page's set-up: d = 1 and the comparisons d = 1, 2
    seconds = sum(runs.estimated_seconds(c, *generated("digits", 0).X.shape) for c in (refused, compared))
    assert seconds > runs.WORK_BUDGET and f"about {seconds:,.0f} s to train for 2 models" in warnings
    assert "Lower the epochs or the hidden width" in warnings
    assert runs.store().get(refused) is None and refused not in runs.store().waiting(), "it was not trained"


def test_the_estimate_grows_with_each_factor_of_the_work():
    base = runs.RunConfig("vae")
    one = runs.estimated_seconds(base, 480, 2)
    assert runs.estimated_seconds(replace(base, epochs=600), 480, 2) == 2 * one
    assert runs.estimated_seconds(base, 960, 2) == 2 * one
    assert runs.estimated_seconds(replace(base, hidden=(128, 128)), 480, 2) > 3 * one
    assert one < 2  # the worked example is well inside any budget


def test_every_control_default_parses_back_from_its_url_form():
    for control in settings.REGISTRY.values():
        assert control.parse(control.encode(control.default)) == control.default, control.key


@pytest.mark.parametrize("page, query, expect_error", [
    ("home", {"h_lr": "1", "h_beta": "10"}, "Training diverged"),  # largest learning rate with largest β
    ("denoising", {"dae_sigma": "1.5"}, None),  # σ at its maximum
    ("autoencoder", {"dataset": "digits", "ae_latent": "16", "ae_epochs": "50", "ae_compare": "16"}, None),
    ("home", {"dataset": "digits", "h_latent": "8", "h_epochs": "50"}, None),
])
def test_extreme_slider_combinations_keep_the_page_working(page, query, expect_error):
    at = app(page, **query)
    assert_clean(at)
    errors = " ".join(texts(at, "error"))
    if expect_error:
        assert expect_error in errors and "lower the learning rate" in errors and "β" in errors
    else:
        assert not errors and metrics(at)
    at.button(key="reset").click().run()  # and the page still works afterwards
    assert_clean(at)
    assert metrics(at) and not texts(at, "error")


def _bad_values(control):
    """Two malformed values of each kind: (out of range or unknown, wrong type / hostile text)."""
    if control.kind in ("slider", "number"):
        return "1e9", "<script>alert(1)</script>"
    if control.kind == "toggle":
        return "maybe", "x" * 300
    if control.kind == "multiselect":
        return "0,0", "1,<b>2</b>"
    return "nope", "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("which", [0, 1])
def test_every_url_parameter_is_validated(which):
    query = {key: _bad_values(c)[which] for key, c in settings.REGISTRY.items()}
    at = app("home", **query)
    assert_clean(at)
    notes = " ".join(texts(at, "warning")).replace("\\", "")
    for control in settings.REGISTRY.values():
        assert control.label.replace("\\", "") in notes, control.key
    assert "<script>" not in " ".join(texts(at, "warning"))
    assert metrics(at)["Active units"] == "2 / 2"  # defaults everywhere: the page works


def _shown_epoch(at) -> int:
    """The epoch the page shows (its caption's; Play's figures carry every epoch, played by the browser)."""
    captions = [c for c in texts(at, "caption") if c.startswith("Showing epoch")]
    assert captions, ([e.message for e in at.exception], texts(at, "caption"), texts(at, "error"))
    return int(captions[0].split()[2])


@pytest.mark.slow
def test_play_sends_every_snapshot_once_in_order_then_stops_at_the_end(monkeypatch):
    """Play sends each figure once with every snapshot in, in order, for the browser to play (vae_ui.charts.play);
    the page looks again once the clock has passed the last frame, and is back at the slider, at the end; the playing
    state and the end stay out of the URL. (tests/browser/test_play_browser.py watches it play and pauses it.)"""
    from vae_ui.charts import play
    from vae_ui.page import player
    from vae_ui.service import datasets

    at = app("home", h_epochs="50")  # 25 snapshots after epoch 0, every 2 epochs
    assert _shown_epoch(at) == 50
    data_spec = datasets.DataSpec()
    config = configs.home({key: c.default for key, c in settings.REGISTRY.items()} | {"h_epochs": 50}, data_spec)
    at.button(key="play_0").click().run()  # from the end it starts again at epoch 0
    assert_clean(at)
    assert at.session_state["playing"] and "playing" not in at.query_params
    assert _epochs_viewed(config) == list(range(0, 51, 2))  # every snapshot's view, made once at the press
    spec = json.loads(next(e for e in at.get("vega_lite_chart") if "Training curves" in e.proto.spec).proto.spec)
    label = spec["layer"][1]["layer"][1]  # the epoch marker's label: every frame's, in order
    assert [(m[play.FRAME], m["what"]) for m in label["data"]["values"]] == [(k, [f"epoch {2 * k}"]) for k in range(26)]
    clock = {p["name"]: p for p in spec["params"]}[play.FRAME]["on"][0]
    assert clock["events"]["type"] == "timer" and clock["update"].endswith(", 0, 25)")  # the browser's own timer
    started = at.session_state["play_clock"]["start"]
    monkeypatch.setattr(player, "now_ms", lambda: started + 26 * play.STEP_MS + 1)  # the last frame shown
    at.run()  # the fragment's one timed look
    assert not at.session_state["playing"]
    assert "h_replay" not in at.query_params
    assert [s.value for s in at.slider if s.label.startswith("Replay training")] == [50]  # the slider is back


def _epochs_viewed(config: runs.RunConfig) -> list[int]:
    """The epochs of the worked example's views computed so far for this config (runs.view's cache)."""
    keys = runs.view_store().keys()
    return sorted(key[3][0] for key in keys if key[1] == "view_of" and key[0].endswith("home.py") and key[2] == config)


@pytest.mark.slow
def test_a_linear_autoencoder_draws_pcas_axis_and_says_how_far_it_is():
    at = app("autoencoder", dataset="two_moons", ae_activation="linear")
    assert_clean(at)
    angle = float(metrics(at)["Angle to PCA's subspace"].rstrip("°"))
    assert angle < 3.0
    assert chart(at, "The learned line g(z)")
    assert any("PCA's first axis" in c.value for c in at.caption)
    assert not [c for c in at.caption if "barely defined" in c.value]
    clusters = app("autoencoder", ae_activation="linear")  # eigenvalues 2.15 and 2.06: PCA's axis barely defined
    assert any("barely defined" in c.value for c in clusters.caption)
    tanh = app("autoencoder", dataset="two_moons")
    assert "Angle to PCA's subspace" not in metrics(tanh)
    assert chart(tanh, "The learned manifold: the curve g(z)")
