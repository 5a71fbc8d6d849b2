"""VAE Lab's Streamlit layer, in rooms with one direction of travel (tests/test_purity.py checks it): the
declarations (settings, deck, deck_file, deck_scan) -> service/ -> configs -> charts/ -> session/ -> page/ -> lecture/,
and the pages (app_pages/, dashboard.py) above them all. A module imports only its own room and those before it.

Everything here may import streamlit, altair and pandas (charts/ not streamlit); ``vae_core`` never does.
"""
