"""VAE Lab's core: autoencoders and VAEs in pure NumPy with hand-written backpropagation.

>>> import vae_core as vc
>>> X, y = vc.data.three_clusters(n=600, seed=0)
>>> vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(64, 64), beta=1.0, seed=0)
>>> history = vc.fit(vae, X, epochs=300, batch_size=64, lr=1e-3, seed=0)
>>> vc.save_model(vae, "vae.npz"); vae = vc.load_model("vae.npz")   # .npz, no pickle
"""

from . import amortisation, data, evaluate, generate, layers, losses, models, theory, truth
from .io import load_model, model_to_bytes, save_model
from .models import VAE, Autoencoder, DenoisingAutoencoder, Model
from .train import History, TrainingDiverged, fit

__all__ = [
    "VAE", "Autoencoder", "DenoisingAutoencoder", "History", "Model", "TrainingDiverged", "amortisation",
    "data", "evaluate", "fit", "generate", "layers", "load_model", "losses", "model_to_bytes", "models",
    "save_model", "theory", "truth",
]
