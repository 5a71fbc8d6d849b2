"""How far the worked example's VAE is from the truth, on every generated 2-D data set, with the decoder's σₓ fixed
at 1 against learned: E log p_data, the exact E log p_model, IWAE_100 and the ELBO on the test points (the numbers
home shows), and KL(p_data ‖ p_model) both on the test points and on 4,000 fresh points from the generator.

The models are the home page's at its defaults (``configs.home``), trained in the app's pool.
Run: python -m benchmarks.truth
"""

from __future__ import annotations

import time

import numpy as np

import vae_core as vc
from vae_ui import configs, settings
from vae_ui.page import truth
from vae_ui.service import runs
from vae_ui.service.datasets import generated

FRESH = 4000  # fresh points from each generator for the KL on new data
NAMES = ("three_clusters", "two_moons", "rings", "spiral")


def main() -> None:
    store = runs.RunStore(16)
    defaults = {key: c.default for key, c in settings.REGISTRY.items()}
    print("| data | σₓ | σₓ value | train s | ELBO | IWAE_100 | log p_model | log p_data | KL test (± 2 s.e.) "
          "| KL fresh (± 2 s.e.) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in NAMES:
        data = generated(name, 0)
        fresh, _ = vc.data.GENERATORS[name](FRESH, seed=99)
        log_data_fresh = vc.data.log_density(name, fresh)
        for sigma in ("1", "learned"):
            config = configs.home(defaults | {"h_sigma_x": sigma}, data.spec)
            run = store.train(config, data.X)
            found = truth.ladder(run, data, 100)
            started = time.perf_counter()
            gap = log_data_fresh - run.model().log_likelihood_exact(fresh)
            seconds = time.perf_counter() - started
            (elbo, _), (iwae, _), (model, _) = found["ELBO"], found["IWAE, k = 100"], found["exact log p(x)"]
            (true, _), (kl, e_kl) = found[truth.TRUTH], found[truth.DISTANCE]
            print(f"| {name} | {sigma} | {run.model().decoder_std:.3f} | {run.seconds:.1f} | {elbo:.3f} | {iwae:.3f} "
                  f"| {model:.3f} | {true:.3f} | {kl:.3f} ± {e_kl:.3f} "
                  f"| {gap.mean():.3f} ± {2 * gap.std(ddof=1) / np.sqrt(len(gap)):.3f} ({seconds:.0f} s) |", flush=True)


if __name__ == "__main__":
    main()
