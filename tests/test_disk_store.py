"""The model store on disk (vae_ui.service.disk): what a restarted server, a second process on the host and a
lecturer with a damaged or read-only folder rely on."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import vae_core as vc
from vae_ui.service import disk, runs
from vae_ui.service.datasets import DataSpec

ROOT = Path(__file__).resolve().parents[1]
SMALL = runs.RunConfig("autoencoder", hidden=(8,), epochs=6, seed=3)


def trained(config: runs.RunConfig = SMALL) -> runs.Run:
    """A real run of ``config``, made as the run store makes one (snapshots included)."""
    X = vc.data.load(config.data.name, n=200, seed=config.data.seed).X
    model = config.build(X.shape[1], runs.likelihood_for(X))
    history = vc.fit(model, X, epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=config.seed,
                     snapshot_every=runs.snapshot_every(config.epochs))
    return runs.Run(config, runs.likelihood_for(X), X.shape[1], model.params.flat.copy(), history.loss, history.recon,
                    history.kl, tuple(history.snapshots), history.seconds)


@pytest.fixture
def store(tmp_path) -> disk.DiskStore:
    return disk.DiskStore(tmp_path / "store", 2**30)


def test_a_stored_run_comes_back_whole_and_read_only(store):
    run = trained()
    assert store.find(SMALL, runs.Run) is None
    assert store.keep(run)
    back = store.find(SMALL, runs.Run)
    assert back.config == SMALL and back.likelihood == run.likelihood and back.input_dim == run.input_dim
    for name in ("params", "loss", "recon", "kl"):
        np.testing.assert_array_equal(getattr(back, name), getattr(run, name))
        assert not getattr(back, name).flags.writeable
    assert [e for e, _ in back.snapshots] == [e for e, _ in run.snapshots] and len(back.snapshots) == 7  # epochs 0 … 6
    np.testing.assert_array_equal(back.snapshots[2][1], run.snapshots[2][1])
    np.testing.assert_array_equal(back.model(epoch=3).params.flat, run.model(epoch=3).params.flat)
    assert back.seconds == run.seconds


def test_a_new_process_with_the_same_folder_finds_it(store):
    """A restart: another DiskStore (as a new server process makes) on the same folder loads what the first wrote."""
    store.keep(trained())
    again = disk.DiskStore(store.folder, 2**30)
    assert again.find(SMALL, runs.Run) is not None and again.loaded == 1


def test_the_key_is_the_whole_config_and_the_core(monkeypatch):
    assert disk.key(replace(SMALL, beta=1)) == disk.key(replace(SMALL, beta=1.0))  # equal configs, one file
    others = [replace(SMALL, seed=4), replace(SMALL, lr=2e-3), replace(SMALL, hidden=(8, 8)),
              replace(SMALL, data=DataSpec("two_moons")), replace(SMALL, data=DataSpec(seed=1))]
    assert len({disk.key(c) for c in [SMALL, *others]}) == 6
    before = disk.key(SMALL)
    monkeypatch.setattr(disk, "CORE_VERSION", "another core")
    assert disk.key(SMALL) != before  # a changed vae_core trains again


def test_writes_are_atomic_and_leave_no_temporary_file(store):
    store.keep(trained())
    names = sorted(p.name for p in store.folder.iterdir())
    assert names == [f"{disk.key(SMALL)}.npz", "locks"]


def damage_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"not a zip at all" * 100)


def damage_changed_params(path: Path) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["params"] = arrays["params"] + 0.5  # a plausible model, but not the one trained
    np.savez(path, **arrays)


def damage_other_config(path: Path) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta["config"]["seed"] = 99.0
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


def damage_header_bomb(path: Path) -> None:
    """A params array whose header declares terabytes: refused before anything is allocated."""
    import zipfile
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["params.npy"] = members["params.npy"].replace(b"'shape': (", b"'shape': (99999999999, ", 1)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("damage", [damage_truncated, damage_garbage, damage_changed_params, damage_other_config,
                                    damage_header_bomb])
def test_a_file_that_does_not_load_is_set_aside_and_said_in_the_log(store, damage, caplog):
    store.keep(trained())
    path = store.path(SMALL)
    damage(path)
    with caplog.at_level(logging.WARNING, logger=disk.__name__):
        assert store.find(SMALL, runs.Run) is None  # not an error: not found, so trained again
    assert not path.exists() and path.with_suffix(".bad").exists() and store.set_aside == 1
    assert "does not load" in caplog.text and "trained again" in caplog.text
    assert store.keep(trained()) and store.find(SMALL, runs.Run) is not None  # the new training is stored


def test_a_file_from_another_core_version_is_set_aside(store, monkeypatch):
    monkeypatch.setattr(disk, "CORE_VERSION", "old core")
    store.keep(trained())
    old = store.path(SMALL)
    monkeypatch.setattr(disk, "CORE_VERSION", "new core")
    os.replace(old, store.path(SMALL))  # (its name would differ; as if renamed by hand)
    assert store.find(SMALL, runs.Run) is None and store.path(SMALL).with_suffix(".bad").exists()


def test_the_least_recently_used_runs_leave_first(tmp_path):
    configs = [replace(SMALL, seed=s) for s in range(4)]
    made = [trained(c) for c in configs]
    probe = disk.DiskStore(tmp_path / "probe", 2**30)
    probe.keep(made[0])
    size = probe.bytes_of(configs[0])
    store = disk.DiskStore(tmp_path / "store", int(2.5 * size))  # room for two runs
    for i, run in enumerate(made[:2]):
        store.keep(run)
        os.utime(store.path(configs[i]), (1000 + i, 1000 + i))  # written in this order, long ago
    assert store.find(configs[0], runs.Run) is not None  # seed 0 used now: seed 1 is the least recently used
    store.keep(made[2])
    assert [store.path(c).exists() for c in configs[:3]] == [True, False, True]
    store.keep(made[3])
    assert [store.path(c).exists() for c in configs] == [False, False, True, True]
    assert sum(store.bytes_of(c) for c in configs) <= store.max_bytes


def test_an_unwritable_folder_leaves_memory_working_and_says_so_once(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    store = disk.DiskStore(blocker / "store", 2**30)  # (a folder that cannot be made, even by root)
    assert store.keep(trained()) is False
    assert store.find(SMALL, runs.Run) is None
    assert store.claim(SMALL) is True  # nothing to lock: the process trains as it would without a store
    sentence = store.problem()
    assert "cannot be written" in sentence and "VAE_LAB_STORE" in sentence and sentence.count(". ") == 0


def test_off_means_no_store(monkeypatch):
    monkeypatch.setenv("VAE_LAB_STORE", "off")
    assert disk.default_folder() is None
    store = disk.DiskStore(None, 2**30)
    assert store.find(SMALL, runs.Run) is None and store.keep(trained()) is False and store.problem() is None


def test_a_claim_is_one_process_at_a_time(store):
    assert store.claim(SMALL) and store.claim(SMALL)  # held: asked again in this process, at once
    script = textwrap.dedent(f"""
        from vae_ui.service import disk
        from tests.test_disk_store import SMALL
        store = disk.DiskStore({str(store.folder)!r}, 2**30)
        print(store.claim(SMALL, wait=False))
    """)
    other = lambda: subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,  # noqa: E731
                                   timeout=60).stdout.strip()
    assert other() == "False"
    store.release(SMALL)
    assert other() == "True"


TWO_PROCESSES = """
import sys, time
from vae_ui.service import disk
from tests.test_disk_store import SMALL, runs, trained
store = disk.DiskStore(sys.argv[1], 2**30)
open(sys.argv[2], "a").write("x")
while len(open(sys.argv[2]).read()) < 2:  # both started: go
    time.sleep(0.01)
run = store.find(SMALL, runs.Run)
if run is None and store.claim(SMALL, found=lambda: store.path(SMALL).exists()):
    run = store.find(SMALL, runs.Run)  # (stored while this process waited for the lock)
    if run is None:
        time.sleep(1.0)  # a training long enough for the other to ask meanwhile
        store.keep(trained())
        print("trained")
    store.release(SMALL)
print("loaded" if store.find(SMALL, runs.Run) is not None else "missing")
"""


def test_two_processes_wanting_one_config_train_it_once(tmp_path):
    gate = tmp_path / "gate"
    gate.write_text("")
    starts = [subprocess.Popen([sys.executable, "-c", TWO_PROCESSES, str(tmp_path / "store"), str(gate)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].split() for p in starts]
    assert sorted(outputs) == [["loaded"], ["trained", "loaded"]]


ONE_SCENE = b"""
title = "one scene"
[[scenes]]
page = "autoencoder"
title = "A short autoencoder"
talk = "A bottleneck of one."
[scenes.controls]
ae_latent = 1
ae_epochs = 50
ae_compare = [1]
"""


def test_the_warm_command_trains_a_deck_once(tmp_path, monkeypatch, capsys):
    """Warming trains the scene's model and the neighbours its page prefetches into the store; run again, nothing."""
    from vae_ui import deck_file, warm

    monkeypatch.setenv("VAE_LAB_STORE", str(tmp_path / "store"))
    disk.use(None)
    (tmp_path / "deck.toml").write_bytes(ONE_SCENE)
    try:
        warm.main([str(tmp_path / "deck.toml")])
        first = capsys.readouterr().out
        warm.main([str(tmp_path / "deck.toml")])
        again = capsys.readouterr().out
    finally:
        disk.use(None)
    needed = warm.needs(deck_file.read(ONE_SCENE))
    # d = 1; d = 2 and 3 prefetched by the page; its last section's generators (the autoencoder of d = 2 and a VAE)
    assert sorted((n.config.kind, n.config.latent_dim) for n in needed) == [
        ("autoencoder", 1), ("autoencoder", 2), ("autoencoder", 3), ("vae", 2)]
    assert len(list((tmp_path / "store").glob("*.npz"))) == 4
    total = lambda out: next(line.split() for line in out.splitlines() if line.strip().startswith("all"))  # noqa: E731
    assert total(first)[1:4] == ["4", "4", "0"]  # models, trained, found
    assert total(again)[1:4] == ["4", "0", "4"]


# ------------------------------------------------------------------ the run store with the disk store under it
@pytest.fixture
def on_disk(tmp_path):
    """This process's disk store in the test's folder (the run store's second level), for the test's length."""
    made = disk.DiskStore(tmp_path / "store", 2**30)
    disk.use(made)
    yield made
    disk.use(None)


def data_of(config: runs.RunConfig):
    return vc.data.load(config.data.name, n=200, seed=config.data.seed).X


def test_a_restarted_server_trains_nothing_already_trained(on_disk):
    config = replace(SMALL, seed=11)
    first = runs.RunStore(8, background=False)
    run = first.train(config, data_of(config))
    assert first.trainings == 1 and on_disk.path(config).exists()
    restarted = runs.RunStore(8, background=False)  # a new process's run store: its memory empty
    again = restarted.train(config, data_of(config))
    assert restarted.trainings == 0 and on_disk.loaded == 1
    np.testing.assert_array_equal(again.params, run.params)
    assert restarted.get(config) is again  # in memory now: the first level


def test_a_corrupt_file_is_trained_again_and_never_reaches_the_page(on_disk):
    config = replace(SMALL, seed=12)
    runs.RunStore(8, background=False).train(config, data_of(config))
    damage_truncated(on_disk.path(config))
    restarted = runs.RunStore(8, background=False)
    run = restarted.train(config, data_of(config))  # no exception: trained again
    assert restarted.trainings == 1 and run.params.shape
    assert on_disk.path(config).with_suffix(".bad").exists() and on_disk.find(config, runs.Run) is not None


def test_an_unwritable_store_leaves_the_run_store_training_in_memory(tmp_path):
    """An unwritable store: the run store trains and keeps the run in memory, the page never hears of the disk."""
    blocker = tmp_path / "a file"
    blocker.write_text("")
    disk.use(disk.DiskStore(blocker / "store", 2**30))
    try:
        config = replace(SMALL, seed=13)
        store = runs.RunStore(8, background=False)
        assert store.train(config, data_of(config)) is store.get(config) and store.trainings == 1
        assert "cannot be written" in disk.store().problem()
    finally:
        disk.use(None)


TWO_SERVERS = """
import sys, time
from vae_ui.service import disk, runs
from vae_ui.service.datasets import DataSpec
from tests.test_disk_store import data_of

config = runs.RunConfig("autoencoder", DataSpec("digits"), hidden=(32,), epochs=60, seed=5)
disk.use(disk.DiskStore(sys.argv[1], 2**30))
open(sys.argv[2], "a").write("x")
while len(open(sys.argv[2]).read()) < 2:  # both started: go
    time.sleep(0.01)
store = runs.RunStore(8, background=False)
store.train(config, data_of(config))
print(store.trainings)
"""


def test_two_server_processes_asking_for_one_config_train_it_once(tmp_path):
    gate = tmp_path / "gate"
    gate.write_text("")
    started = [subprocess.Popen([sys.executable, "-c", TWO_SERVERS, str(tmp_path / "store"), str(gate)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True) for _ in range(2)]
    trainings = sorted(int(p.communicate(timeout=180)[0].split()[-1]) for p in started)
    assert trainings == [0, 1]


def test_an_unwritable_store_is_one_sentence_in_the_sidebar_and_the_page_still_trains(tmp_path):
    from tests.apptest_helpers import app, assert_clean

    blocker = tmp_path / "a file"
    blocker.write_text("")
    disk.use(disk.DiskStore(blocker / "store", 2**30))
    try:
        at = app("autoencoder", ae_latent="3", ae_epochs="50", seed="21")  # a set-up no other test trains
        assert_clean(at)
        said = [w.value.replace("\\", "") for w in at.sidebar.warning if "model store" in w.value]  # (unescaped)
        assert len(said) == 1 and "cannot be written" in said[0] and "VAE_LAB_STORE" in said[0]
        assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")  # the page drew its model
    finally:
        disk.use(None)
