"""The worked example as one file a student runs: ``examples/vae_numpy.py``, shown in full with a download button.

The file is read from disk and shown as text; nothing is executed, and nothing a browser sends reaches it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vae_numpy.py"
FILE_NAME = "vae_numpy.py"
COMMAND = f"python {FILE_NAME}"


@functools.cache
def example_text() -> str:
    """The file as it is on disk (read once: it does not change while the app runs)."""
    return EXAMPLE.read_text(encoding="utf-8")


def show_example_file() -> None:
    """An expander with the whole file, a button to download it and the one command that runs it."""
    text = example_text()
    with st.expander("The whole worked example in one file", icon=":material/description:"):
        st.markdown(f"This model in {text.count(chr(10))} lines of Python that need only NumPy: the data, the encoder, "
                    "z = μ + σ ⊙ ε, the decoder, the loss, the backward pass by hand, Adam and the training loop. "
                    "Its defaults are this page's (d = 2, β = 1, σₓ learned, 300 epochs, seed 0), and it draws the same "
                    "initial weights, batches and noise as the app's core: it trains the same model and prints the test "
                    "ELBO the page shows with those settings. Download it and run (`--help` lists its options):")
        st.code(COMMAND, language="bash")
        st.download_button(f"Download {FILE_NAME}", data=text, file_name=FILE_NAME, mime="text/x-python",
                           key="example_file", icon=":material/download:", on_click="ignore")
        st.code(text, language="python", line_numbers=True)
