"""The smallest Streamlit page with the worked example's β slider: one slider, one line of text.

benchmarks/browser_cost.py runs it beside the worked example to show what Streamlit's front end
costs the browser on a rerun before any of our page is drawn.
"""

import streamlit as st

from vae_ui.settings import BETAS

beta = st.select_slider("β (weight of the KL term)", options=list(BETAS), value=1.0)
st.markdown(f"β = {beta:g}")
