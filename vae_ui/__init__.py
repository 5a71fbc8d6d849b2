"""VAE Lab's Streamlit layer: URL-synced controls, the model cache, charts and the page shell.

Everything here may import streamlit, altair and pandas; ``vae_core`` never does.
"""
