"""VAE Lab served as an ASGI app: dashboard.py's app, with the presenter secret printed as the server starts.

Run: streamlit run serve.py   (``streamlit run dashboard.py`` serves the same app, and prints the secret when the
first browser opens it: a plain Streamlit script has no start of its own)
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    from vae_ui.lecture import classroom

    classroom.announce()  # the lecturer reads the secret in this terminal before any browser is open
    yield


app = st.App("dashboard.py", lifespan=lifespan)
