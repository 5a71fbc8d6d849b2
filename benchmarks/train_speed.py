"""Training speed of the default lecture VAE: VAE Lab's NumPy core vs PyTorch eager (if importable).

The lecture set-up: three_clusters(n=600, seed=0), hidden (64, 64), tanh, latent 2, batch 64,
Adam lr 1e-3, 300 epochs (3,000 steps). Both sides train the same architecture on the same data
with the same loss (Gaussian N(x_hat, I) with constants + KL); each is run ``--repeats`` times and
the best wall time is kept. Run: python -m benchmarks.train_speed
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import vae_core as vc

EPOCHS, BATCH, LR, HIDDEN, LATENT = 300, 64, 1e-3, (64, 64), 2


def numpy_run(X: np.ndarray) -> tuple[float, float]:
    vae = vc.VAE(input_dim=2, latent_dim=LATENT, hidden=HIDDEN, activation="tanh", seed=0)
    history = vc.fit(vae, X, epochs=EPOCHS, batch_size=BATCH, lr=LR, seed=0)
    return history.seconds, float(history.loss[-1])


def torch_run(X: np.ndarray, dtype_name: str = "float64") -> tuple[float, float]:
    import torch

    torch.manual_seed(0)
    dtype = getattr(torch, dtype_name)

    def mlp(sizes):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(a, b, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)

    enc, dec = mlp([2, *HIDDEN, 2 * LATENT]), mlp([LATENT, *reversed(HIDDEN), 2])
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=LR)
    data = torch.from_numpy(X).to(dtype)
    gen = torch.Generator().manual_seed(0)
    const = math.log(2 * math.pi)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(len(data), generator=gen)
        total = 0.0
        for i in range(0, len(data), BATCH):
            xb = data[order[i:i + BATCH]]
            h = enc(xb)
            mu, log_var = h[:, :LATENT], h[:, LATENT:]
            z = mu + torch.exp(0.5 * log_var) * torch.randn(mu.shape, dtype=dtype, generator=gen)
            recon = 0.5 * ((xb - dec(z)) ** 2).sum(1) + const
            kl = -0.5 * (1 + log_var - mu**2 - log_var.exp()).sum(1)
            loss = (recon + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
    return time.perf_counter() - start, total / len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, _ = vc.data.three_clusters(n=600, seed=0)
    steps = EPOCHS * math.ceil(len(X) / BATCH)
    runs = {"VAE Lab (NumPy)": numpy_run}
    try:
        import torch

        torch.set_num_threads(2)
        runs[f"PyTorch {torch.__version__} eager f64"] = torch_run
        runs["PyTorch eager f32 (its default)"] = lambda X: torch_run(X, "float32")
    except ImportError:
        print("PyTorch is not importable: only the NumPy core is measured.")
    for run in runs.values():
        run(X[:128])  # warm up
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.repeats):  # interleaved, so both sides see the same machine load
        for name, run in runs.items():
            results[name].append(run(X))
    rows = {name: min(r, key=lambda t: t[0]) for name, r in results.items()}
    print(f"\nLecture VAE, {EPOCHS} epochs x {steps // EPOCHS} steps = {steps} steps, batch {BATCH}, "
          f"best of {args.repeats} interleaved runs, NumPy {np.__version__} (float64)")
    print(f"| {'implementation':<32} | {'wall s':>7} | {'steps/s':>8} | {'ms/step':>7} | {'final loss':>10} |")
    print(f"|{'-' * 34}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 12}|")
    for name, (seconds, loss) in rows.items():
        print(f"| {name:<32} | {seconds:7.2f} | {steps / seconds:8.0f} | {1e3 * seconds / steps:7.3f} | {loss:10.4f} |")
    ours = rows["VAE Lab (NumPy)"][0]
    for name, (theirs, _) in rows.items():
        if name.startswith("PyTorch"):
            print(f"NumPy core vs {name}: {theirs / ours:.1f}x faster")


if __name__ == "__main__":
    main()
