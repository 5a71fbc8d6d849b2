"""What the tests of the training pool share: a small data set, training arguments and model, and functions a test
sends to the pool's workers (a worker imports them by name)."""

import os

import vae_core as vc

X = vc.data.load("three_clusters", n=150, seed=0).X
ARGS = {"epochs": 40, "batch_size": 32, "lr": 3e-3, "seed": 2, "snapshot_every": 10}


def vae(seed: int = 1) -> vc.VAE:
    return vc.VAE(input_dim=2, latent_dim=2, hidden=(16,), beta=0.5, seed=seed)


def pid_and_sum(run, data):
    """The worker's process id and the sum of the test rows it was sent."""
    return os.getpid(), float(data.X_test.sum())
