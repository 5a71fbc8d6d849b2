r"""A variational autoencoder in NumPy, in one file: VAE Lab's worked example, as a student would write it.

Run it with ``python vae_numpy.py`` (it needs only NumPy; if matplotlib is installed it draws the result at the end,
unless you pass --no-plot). ``python vae_numpy.py --help`` lists the options.

    encoder   x (n, 2) → MLP → [μ | log σ²] (n, 2d)    q(z|x) = N(μ, diag σ²)
    sample    z = μ + σ ⊙ ε,  ε ~ N(0, I)              the reparameterisation trick
    decoder   z (n, d) → MLP → x̂ (n, 2)                p(x|z) = N(x̂, σₓ² I), log σₓ² learned
    loss      −log p(x|z) + β·KL(q(z|x) ‖ N(0, I))     at β = 1, minus the ELBO, a lower bound on log p(x)

Training is Algorithm 1 of Kingma & Welling: draw a minibatch and its ε, compute the gradient of the loss (here by
hand, step by step, backwards), update the parameters (with Adam). Shapes: n examples in a batch, D = 2 numbers
per example, d latent numbers.

This is the same model as VAE Lab's core (``vae_core.VAE`` trained by ``vae_core.fit``): the same initial weights,
batches, ε, loss and Adam, so from the same seed its loss after every step is the core's.

References:
    D. P. Kingma and M. Welling, Auto-Encoding Variational Bayes, ICLR 2014 (Algorithm 1; Appendix B, the KL).
    D. P. Kingma and J. Ba, Adam: A Method for Stochastic Optimization, ICLR 2015 (Algorithm 1).
"""

import argparse
import time

import numpy as np


# ---------------------------------------------------------------------------------------------------- the data
def three_clusters(n=600, seed=0, spread=0.35):
    """Three round Gaussian clusters (std ``spread``) centred on a circle of radius 2: X (n, 2), labels y (n,)."""
    rng = np.random.default_rng(seed)
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (3, 2)
    y = np.repeat(np.arange(3), np.full(3, n // 3) + (np.arange(3) < n % 3))  # (n,): n/3 of each cluster
    X = centres[y] + spread * rng.standard_normal((n, 2))  # x = centre + 0.35·noise
    order = rng.permutation(n)
    return X[order], y[order]


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Shuffle, hold out a fifth to test on: X_train, X_test, y_train, y_test."""
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = round(test_fraction * len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


# ---------------------------------------------------------------------------------------------------- the model
def init_params(input_dim=2, latent_dim=2, hidden=(64, 64), seed=0):
    """Weights W ~ N(0, 1/n_in) (LeCun), biases 0, log σₓ² = 0 (σₓ = 1): a dict of arrays, drawn in this order."""
    rng = np.random.default_rng(seed)
    params = {}
    for prefix, sizes in (("enc", [input_dim, *hidden, 2 * latent_dim]), ("dec", [latent_dim, *hidden[::-1], input_dim])):
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            params[f"{prefix}.W{i}"] = rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))
            params[f"{prefix}.b{i}"] = np.zeros(n_out)
    params["dec.log_var"] = np.zeros(1)  # log σₓ², one number shared by every example and dimension
    return params


def mlp_forward(params, prefix, x):
    """x (n, n_in) → out (n, n_out): h ← tanh(hW + b) layer after layer, the last layer linear.
    Also returns each layer's input, ``hs``: what the backward pass needs."""
    n_layers = sum(name.startswith(prefix + ".W") for name in params)
    hs, h = [], x
    for i in range(n_layers):
        hs.append(h)
        h = h @ params[f"{prefix}.W{i}"] + params[f"{prefix}.b{i}"]  # a = hW + b
        if i < n_layers - 1:
            h = np.tanh(h)  # h = tanh(a)
    return h, hs


def mlp_backward(params, prefix, hs, d_out, grads):
    """Backward of mlp_forward: d_out = ∂L/∂out (n, n_out) → ∂L/∂x (n, n_in); writes ∂L/∂W and ∂L/∂b into grads."""
    d_a = d_out  # the last layer is linear: ∂L/∂a = ∂L/∂out
    for i in reversed(range(len(hs))):
        grads[f"{prefix}.W{i}"] = hs[i].T @ d_a  # ∂L/∂W = hᵀ ∂L/∂a
        grads[f"{prefix}.b{i}"] = d_a.sum(axis=0)  # ∂L/∂b = Σₙ ∂L/∂a
        d_h = d_a @ params[f"{prefix}.W{i}"].T  # ∂L/∂h = ∂L/∂a Wᵀ
        if i > 0:
            d_a = d_h * (1.0 - hs[i] ** 2)  # h = tanh(a): ∂h/∂a = 1 − h²
    return d_h


def encode(params, x):
    """x (n, D) → μ, log σ² (n, d) each: the encoder's two halves."""
    out, _ = mlp_forward(params, "enc", x)
    d = out.shape[1] // 2
    return out[:, :d], out[:, d:]


def decode(params, z):
    """z (n, d) → x̂ (n, D), the mean of p(x|z)."""
    return mlp_forward(params, "dec", z)[0]


def gaussian_nll(x, x_hat, log_var_x):
    """−log N(x; x̂, σₓ² I) per row, every constant kept: (n,)."""
    D = x.shape[1]
    half_sq = 0.5 * np.sum((x - x_hat) ** 2, axis=1) / np.exp(log_var_x)  # ½‖x − x̂‖²/σₓ²
    return half_sq + 0.5 * D * (np.log(2 * np.pi) + log_var_x)  # + (D/2) log 2πσₓ²


def kl_standard_normal(mu, log_var):
    """KL(N(μ, diag σ²) ‖ N(0, I)) per row, in closed form: (n,)."""
    return -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=1)  # −½ Σⱼ (1 + log σ² − μ² − σ²)


def loss_and_grads(params, x, eps, beta=1.0):
    """The loss on a batch x (n, D) with its noise eps (n, d), and its exact gradient (a dict like params).

    loss = mean over the batch of −log p(x|z) + β·KL(q(z|x) ‖ N(0, I)); returned with its two terms."""
    (n, D), d = x.shape, eps.shape[1]
    # forward
    h, enc_hs = mlp_forward(params, "enc", x)  # (n, 2d)
    mu, log_var = h[:, :d], h[:, d:]  # (n, d) each
    std = np.exp(0.5 * log_var)  # σ = exp(½ log σ²)
    z = mu + std * eps  # z = μ + σ ⊙ ε   (n, d)
    x_hat, dec_hs = mlp_forward(params, "dec", z)  # x̂ = g(z)   (n, D)
    log_var_x = params["dec.log_var"][0]  # log σₓ²
    recon, kl = gaussian_nll(x, x_hat, log_var_x), kl_standard_normal(mu, log_var)  # (n,) each
    loss = recon.mean() + beta * kl.mean()  # L = mean(−log p(x|z)) + β mean(KL)
    # backward: ∂L/∂(every step), from the loss back to the parameters
    grads = {}
    var_x = np.exp(log_var_x)  # σₓ²
    d_x_hat = (x_hat - x) / var_x / n  # ∂L/∂x̂ = (x̂ − x)/σₓ² / n
    half_sq = 0.5 * np.sum((x - x_hat) ** 2, axis=1) / var_x  # ½‖x − x̂‖²/σₓ²   (n,)
    grads["dec.log_var"] = np.array([np.mean(0.5 * D - half_sq)])  # ∂L/∂log σₓ² = mean(D/2 − ½‖x − x̂‖²/σₓ²)
    d_z = mlp_backward(params, "dec", dec_hs, d_x_hat, grads)  # ∂L/∂z   (n, d)
    d_mu = d_z @ np.eye(d)  # ∂L/∂μ = ∂L/∂z ∂z/∂μ, and ∂z/∂μ = I
    d_std = d_z * eps  # ∂L/∂σ = ∂L/∂z ∂z/∂σ, and ∂z/∂σ = diag(ε): for each example, ∂L/∂z ⊙ ε
    d_log_var = d_std * (0.5 * std)  # ∂σ/∂log σ² = ½σ
    d_mu += beta / n * mu  # + β ∂KL/∂μ / n,  ∂KL/∂μ = μ
    d_log_var += beta / n * 0.5 * (np.exp(log_var) - 1.0)  # + β ∂KL/∂log σ² / n,  ∂KL/∂log σ² = ½(σ² − 1)
    mlp_backward(params, "enc", enc_hs, np.concatenate([d_mu, d_log_var], axis=1), grads)  # ∂L/∂[μ | log σ²]
    return {"loss": loss, "recon": recon.mean(), "kl": kl.mean()}, grads


# ---------------------------------------------------------------------------------------------------- training
def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam (Kingma & Ba 2015, Algorithm 1) on every array of params, in place."""
    state["t"] += 1
    t = state["t"]
    for name in params:
        g, m, v = grads[name], state["m"][name], state["v"][name]
        m[...] = beta1 * m + (1 - beta1) * g  # m ← β₁m + (1 − β₁)g
        v[...] = beta2 * v + (1 - beta2) * g**2  # v ← β₂v + (1 − β₂)g²
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)  # bias corrections
        params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)  # θ ← θ − α m̂ / (√v̂ + ε)


def train(params, X, epochs=300, batch_size=64, lr=3e-3, beta=1.0, seed=0, print_every=0):
    """Kingma & Welling's Algorithm 1 on the rows of X: updates params in place; returns the loss of every step.

    One generator, default_rng(seed), gives each epoch's order of the rows, then that epoch's ε."""
    rng = np.random.default_rng(seed)
    state = {"t": 0, "m": {k: np.zeros_like(p) for k, p in params.items()},  # Adam's moving averages, 0 at first
             "v": {k: np.zeros_like(p) for k, p in params.items()}}
    n, d = len(X), params["dec.W0"].shape[0]
    losses = []
    for epoch in range(1, epochs + 1):
        X_epoch = X[rng.permutation(n)]  # shuffle once an epoch; the minibatches are slices
        eps = rng.standard_normal((n, d))  # ε ~ N(0, I), one row per example   (n, d)
        total = 0.0
        for start in range(0, n, batch_size):
            xb, eb = X_epoch[start:start + batch_size], eps[start:start + batch_size]  # a minibatch and its ε
            terms, grads = loss_and_grads(params, xb, eb, beta)
            adam_step(params, grads, state, lr)
            losses.append(terms["loss"])
            total += terms["loss"] * len(xb)
        if print_every and (epoch == 1 or epoch % print_every == 0):
            print(f"  epoch {epoch:4d}   loss {total / n:.4f} nats per point")
    return losses


# ---------------------------------------------------------------------------------------------------- the trained model
def mean_elbo(params, X, n_samples=10, seed=0):
    """Mean ELBO per point (β = 1, nats): E_q[log p(x|z)] over n_samples draws of z, minus the KL in closed form."""
    mu, log_var = encode(params, X)
    eps = np.random.default_rng(seed).standard_normal((n_samples, *mu.shape))  # (k, n, d), as the page draws them
    nll = [gaussian_nll(X, decode(params, mu + np.exp(0.5 * log_var) * e), params["dec.log_var"][0]) for e in eps]
    return float(np.mean(-np.mean(nll, axis=0) - kl_standard_normal(mu, log_var)))  # ELBO = E_q[log p(x|z)] − KL


def prior_samples(params, n=300, seed=0):
    """z ~ N(0, I) → the decoder means g(z), and full samples x = g(z) + σₓ ε: (n, D) each."""
    rng = np.random.default_rng(seed + 1)  # the stream the page draws its prior samples from
    means = decode(params, rng.standard_normal((n, params["dec.W0"].shape[0])))
    return means, means + np.exp(0.5 * params["dec.log_var"][0]) * rng.standard_normal(means.shape)


def numbers(v, spec="+.3f"):
    return "(" + ", ".join(f"{x:{spec}}" for x in v) + ")"


def stats(name, X):
    print(f"  {name:<26} mean {numbers(X.mean(axis=0))}   cov {np.round(np.cov(X, rowvar=False), 3).tolist()}")


def report(params, X, y, X_test, seed):
    """Print the latent space, the test reconstruction error, the test ELBO and the prior samples' statistics."""
    mu, log_var = encode(params, X)
    std = np.exp(0.5 * log_var)  # σ = exp(½ log σ²)
    print(f"Decoder σₓ = {np.exp(0.5 * params['dec.log_var'][0]):.4f} (learned)")
    print("Latent space (training points), per cluster: the mean of μ(x), the mean of σ(x)")
    for c in np.unique(y):
        print(f"  cluster {c}: mean μ = {numbers(mu[y == c].mean(axis=0))}   mean σ = {numbers(std[y == c].mean(axis=0), '.3f')}")
    error = np.mean(np.sum((X_test - decode(params, encode(params, X_test)[0])) ** 2, axis=1))  # mean ‖x − g(μ(x))‖²
    print(f"Test reconstruction error, mean ‖x − g(μ(x))‖²: {error:.4f}")
    print(f"Test ELBO, 10 samples a point (β = 1): {mean_elbo(params, X_test, seed=seed):.4f} nats per point")
    means, full = prior_samples(params, seed=seed)
    print(f"Prior samples, z ~ N(0, I), {len(means)} of them, against the data:")
    stats("decoder means g(z)", means)
    stats("full samples g(z) + σₓ ε", full)
    stats("training data", X)
    return mu, means, full


def draw(losses, X, y, mu, means, full, recon):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no pictures)")
        return
    fig, ax = plt.subplots(1, 4, figsize=(17, 4))
    ax[0].plot(losses)
    ax[0].set(title="Loss of each step", xlabel="step", ylabel="nats")
    ax[1].scatter(mu[:, 0], mu[:, 1] if mu.shape[1] > 1 else 0 * mu[:, 0], c=y, s=6, cmap="viridis")
    ax[1].set(title="Latent space: μ(x)", xlabel="z₁", ylabel="z₂")
    ax[2].scatter(*X.T, c="lightgrey", s=6)
    ax[2].scatter(*recon.T, c=y, s=6, cmap="viridis")
    ax[2].set(title="Reconstructions g(μ(x)) over the data")
    ax[3].scatter(*X.T, c="lightgrey", s=6)
    ax[3].scatter(*full.T, c="tab:orange", s=6, label="g(z) + σₓ ε")
    ax[3].scatter(*means.T, c="black", s=6, label="g(z)")
    ax[3].set(title="Samples, z ~ N(0, I)")
    ax[3].legend()
    fig.tight_layout()
    plt.show()


def parse_args(argv=None):
    """The options; the defaults are the home page's worked example."""
    parser = argparse.ArgumentParser(description="A VAE in NumPy on three clusters (VAE Lab's worked example).")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0, help="the data, the split, the weights, the batches and ε")
    parser.add_argument("--beta", type=float, default=1.0, help="weight of the KL term")
    parser.add_argument("--latent", type=int, default=2, help="latent dimension d")
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 64], help="hidden widths")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-plot", action="store_true", help="print only, draw nothing")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    X_all, y_all = three_clusters(n=600, seed=args.seed)
    X, X_test, y, y_test = train_test_split(X_all, y_all, 0.2, seed=args.seed)
    params = init_params(X.shape[1], args.latent, tuple(args.hidden), seed=args.seed)
    print(f"Three clusters: {len(X)} training and {len(X_test)} test points in R^{X.shape[1]}; "
          f"a VAE with d = {args.latent}, hidden {tuple(args.hidden)}, β = {args.beta:g}: "
          f"{sum(p.size for p in params.values()):,} parameters")
    started = time.perf_counter()
    losses = train(params, X, args.epochs, args.batch_size, args.lr, args.beta, args.seed,
                   print_every=max(1, args.epochs // 10))
    print(f"Trained {args.epochs} epochs ({len(losses):,} steps) in {time.perf_counter() - started:.2f} s")
    mu, means, full = report(params, X, y, X_test, args.seed)
    if not args.no_plot:
        draw(losses, X, y, mu, means, full, decode(params, mu))


if __name__ == "__main__":
    main()
