"""Warm a deck the night before: train into the model store on disk (:mod:`vae_ui.service.disk`) every model the
deck's scenes need — each scene's set-up and the neighbours its page trains in the background — so that a server
started in the morning steps through the deck without training.

Run: ``python -m vae_ui.warm decks/course.toml`` (the store is ``VAE_LAB_STORE``, as for the server). Run again, it
trains nothing. Trainings use the server's own pool (one worker per core) and its rules, so a warmed run is the
run the page would have trained.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from vae_ui import configs, deck, deck_file, settings
from vae_ui.service import disk
from vae_ui.service.runs import MAX_RUNS, Run, RunConfig, RunStore, too_costly

BAR = 30  # characters of the progress bar


@dataclass
class Need:
    """One model a scene needs, and what warming did about it."""

    scene: int
    config: RunConfig
    dataset: str
    seed: int
    outcome: str = ""  # "found", "trained", "too costly", "diverged"
    seconds: float = 0.0


def neighbours(page: str, values: dict, spec) -> list[RunConfig]:
    """What ``page`` trains beside its scene's models (the app's pages say the same: home.py, autoencoder.py,
    ae_generation.py, denoising.py, elbo_beta.py; tests/test_warm_matches_pages.py checks it): the values a slider's
    step or two away, the autoencoder page's generators, and the β-VAE tab's sweep without its guards."""
    if page == "home":
        config = configs.home(values, spec)
        return ([replace(config, latent_dim=d) for d in settings.neighbours("h_latent", values["h_latent"], steps=1)]
                + [replace(config, beta=b) for b in settings.neighbours("h_beta", values["h_beta"])])
    if page == "autoencoder":  # (and its last section: the autoencoder and the VAE compared as generators)
        return ([configs.autoencoder(values, spec, d) for d in settings.neighbours("ae_latent", values["ae_latent"])]
                + list(configs.generation(values, spec)))
    if page == "denoising":
        dae, _ = configs.denoising(values, spec)
        return [replace(dae, noise_sigma=s) for s in settings.neighbours("dae_sigma", values["dae_sigma"])]
    if page == "elbo" and values["el_tab"] == "β-VAE":
        config = configs.beta_vae(values, spec)
        sweep = configs.of_scene(page, values, spec)
        nearby = [replace(config, beta=b) for b in settings.neighbours("vb_beta", values["vb_beta"])]
        return nearby + [configs.unguarded(c) for c in sweep if c != configs.unguarded(c)]
    return []


def needs(used: deck.Deck) -> list[Need]:
    """Every model the deck's scenes train or prefetch, each once (the first scene that needs it names it)."""
    from vae_ui.service.datasets import generated

    found: dict[RunConfig, Need] = {}
    for number, scene in enumerate(used.scenes, 1):
        values = scene.values()
        if scene.page == "elbo" and values["dataset"] in settings.MAX_EPOCHS:
            continue  # (the β-VAE tab does not train on MNIST: it says how long it would take)
        spec = generated(values["dataset"], int(values["seed"])).spec
        for config in configs.of_scene(scene.page, values, spec) + neighbours(scene.page, values, spec):
            found.setdefault(config, Need(number, config, values["dataset"], int(values["seed"])))
    return list(found.values())


def warm(used: deck.Deck, out=sys.stderr) -> list[Need]:
    """Train what the deck needs and is not stored yet; the models and what became of each."""
    from vae_ui.service.datasets import generated

    listed, store, runs = needs(used), disk.store(), RunStore(MAX_RUNS, background=False)  # (no prefetch)
    if store.folder is None or not store.writable():
        raise SystemExit(f"VAE Lab: no model store to warm ({store.problem() or 'VAE_LAB_STORE is off'})")
    done, lock, started = [0], threading.Lock(), time.monotonic()

    def one(need: Need) -> Need:
        data = generated(need.dataset, need.seed)
        begun = time.monotonic()
        if store.find(need.config, Run) is not None:
            need.outcome = "found"
        elif too_costly(need.config, *data.X.shape) is not None:
            need.outcome = "too costly"
        else:
            try:
                run = runs.train(need.config, data.X, session=f"warm-{id(need)}")
            except Exception as err:  # noqa: BLE001 - a diverging set-up is what the page shows too
                need.outcome = f"not stored ({type(err).__name__})"
            else:
                if not store.path(need.config).exists():  # (the run store writes it itself once it knows the store)
                    store.keep(run)
                need.outcome = "trained"
        need.seconds = time.monotonic() - begun
        with lock:
            done[0] += 1
            _bar(done[0], len(listed), time.monotonic() - started, need, out)
        return need

    with cf.ThreadPoolExecutor(max(1, runs_workers())) as pool:
        finished = list(pool.map(one, listed))
    print(file=out)
    return finished


def runs_workers() -> int:
    from vae_ui.service import trainer

    return trainer.scheduler().workers


def _bar(done: int, total: int, seconds: float, need: Need, out) -> None:
    filled = BAR * done // max(1, total)
    out.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} models, {seconds:5.0f} s  "
              f"(scene {need.scene}: {need.config.kind} {need.outcome})".ljust(110))
    out.flush()


def table(used: deck.Deck, finished: list[Need]) -> str:
    """The closing table: per scene, the models it needs, how many were trained now, the seconds and the bytes."""
    store = disk.store()
    lines = [f"{'scene':>5}  {'page':<18} {'models':>6} {'trained':>7} {'found':>5} {'seconds':>8} {'MB':>7}"]
    totals = [0, 0, 0, 0.0, 0]
    for number, scene in enumerate(used.scenes, 1):
        mine = [n for n in finished if n.scene == number]
        row = [len(mine), sum(n.outcome == "trained" for n in mine), sum(n.outcome == "found" for n in mine),
               sum(n.seconds for n in mine if n.outcome == "trained"), sum(store.bytes_of(n.config) for n in mine)]
        totals = [a + b for a, b in zip(totals, row)]
        lines.append(f"{number:>5}  {scene.page:<18} {row[0]:>6} {row[1]:>7} {row[2]:>5} {row[3]:>8.1f} "
                     f"{row[4] / 2**20:>7.1f}")
    lines.append(f"{'all':>5}  {'':<18} {totals[0]:>6} {totals[1]:>7} {totals[2]:>5} {totals[3]:>8.1f} "
                 f"{totals[4] / 2**20:>7.1f}")
    others = [n for n in finished if n.outcome not in ("trained", "found")]
    lines += [f"  scene {n.scene}: {n.config} — {n.outcome}" for n in others]
    lines.append(f"(seconds: each training's wall time, {runs_workers()} at a time; store: {store.folder})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vae_ui.warm", description=__doc__.split("\n\n")[0])
    parser.add_argument("deck", type=Path, help="a deck file (.toml), e.g. decks/course.toml")
    args = parser.parse_args(argv)
    from streamlit import logger

    logger.set_log_level("error")  # (its caches warn that no server runs: none is needed)
    used = deck_file.read(args.deck.read_bytes())
    started = time.monotonic()
    finished = warm(used)
    print(table(used, finished))
    print(f"{time.monotonic() - started:.1f} s in all")


if __name__ == "__main__":
    main()
