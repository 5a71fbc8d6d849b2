"""VAE Lab — entry point (a minimal first page until the full app shell lands)."""

import streamlit as st

import vae_core as vc

st.set_page_config(page_title="VAE Lab", layout="wide")
st.title("VAE Lab")
st.write("The worked example: a VAE in NumPy with hand-written backpropagation, trained on three clusters.")


@st.cache_data(max_entries=16)
def train(beta: float, epochs: int):
    X, y = vc.data.three_clusters(n=600, seed=0)
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(64, 64), beta=beta, seed=0)
    history = vc.fit(vae, X, epochs=epochs, seed=0)
    mu, _ = vae.encode(X)
    return history.loss, mu, y


beta = st.slider("β", 0.0, 4.0, 1.0, 0.1)
loss, mu, y = train(beta, 300)
st.metric("final loss (nats)", f"{loss[-1]:.3f}")
st.scatter_chart({"z1": mu[:, 0], "z2": mu[:, 1], "cluster": y.astype(str)}, x="z1", y="z2", color="cluster")
st.info("Still to come: the pages for the autoencoder, the denoising autoencoder, the ELBO/KL explorer "
        "and the reparameterisation trick.")
