"""The work budget's estimate against the training it estimates: ``runs.estimated_seconds`` (epochs × rows × weights
at ``runs.WEIGHT_STEPS_PER_SECOND``) beside the seconds the same set-up takes in the training pool, for set-ups from
the smallest page's to the largest the budget allows, on every data set (MNIST's 784 columns too). The rate constant
is read from this table.

Run: python -m benchmarks.work_estimate
"""

from __future__ import annotations

import time

from vae_ui.service import runs
from vae_ui.service.datasets import generated

SET_UPS = [  # (what, config on its data)
    ("worked example VAE", runs.RunConfig("vae", generated("three_clusters", 0).spec)),
    ("moons AE 128², 1000 epochs", runs.RunConfig("autoencoder", generated("two_moons", 0).spec, latent_dim=1,
                                                 hidden=(128, 128), epochs=1000, lr=3e-3)),
    ("digits VAE 64², 300 epochs", runs.RunConfig("vae", generated("digits", 0).spec, latent_dim=2, epochs=300)),
    ("digits AE 256², 50 epochs", runs.RunConfig("autoencoder", generated("digits", 0).spec, latent_dim=2,
                                                hidden=(256, 256), epochs=50, lr=3e-3)),
    ("digits AE 256², 300 epochs", runs.RunConfig("autoencoder", generated("digits", 0).spec, latent_dim=2,
                                                 hidden=(256, 256), epochs=300, lr=3e-3)),
    ("MNIST VAE 64², 30 epochs", runs.RunConfig("vae", generated("mnist", 0).spec, latent_dim=2, epochs=30)),
    ("MNIST AE 256², 30 epochs", runs.RunConfig("autoencoder", generated("mnist", 0).spec, latent_dim=2,
                                               hidden=(256, 256), epochs=30, lr=3e-3)),
]


def main() -> None:
    store = runs.RunStore(16)
    print(f"rate {runs.WEIGHT_STEPS_PER_SECOND:.1e} weight-steps/s; budget {runs.WORK_BUDGET:g} s")
    print("| set-up | estimated s | trained s (in the pool) | wall s | estimate / trained |")
    print("|---|---|---|---|---|")
    for what, config in SET_UPS:
        X = generated(config.data.name, 0).X
        estimate = runs.estimated_seconds(config, *X.shape)
        started = time.perf_counter()
        run = store.train(config, X)
        wall = time.perf_counter() - started
        print(f"| {what} | {estimate:.2f} | {run.seconds:.2f} | {wall:.2f} | {estimate / run.seconds:.2f} |")


if __name__ == "__main__":
    main()
