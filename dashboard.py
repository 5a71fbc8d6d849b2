"""VAE Lab — the entry point: page set-up, the shared sidebar, navigation, and the URL.

Run: streamlit run dashboard.py
"""

import streamlit as st

from vae_ui.lecture import authoring, classroom, present
from vae_ui.page import shell
from vae_ui.service import memory
from vae_ui.session import controls, guard, stage, state

guard.install()  # a widget value no browser sends is dropped with a note, not a traceback
memory.give_back()  # large arrays freed go back to the system (a fixed mmap threshold)

controls.init_state()  # the controls' values, from the URL on a session's first run
if controls.student():  # a class's join link: the vote page alone, nothing of the lecturer's
    st.set_page_config(page_title="VAE Lab · class vote", page_icon="assets/favicon.png", layout="centered",
                       initial_sidebar_state="collapsed")
    st.navigation([st.Page("app_pages/vote.py", title="Class vote", url_path="vote")], position="hidden").run()
    st.stop()
classroom.store()  # the class vote's store: on the first visit it prints the presenter secret in the terminal
stage.begin()  # a deck's scene sets the controls up (before any widget is drawn)
st.set_page_config(page_title="VAE Lab", page_icon="assets/favicon.png", layout="wide",  # a local icon: no CDN
                   initial_sidebar_state="collapsed" if shell.lecture() else "auto")  # a projector needs the width
state.PAGE_KEYS.set([])  # the controls drawn in this run, for the URL

shell.sidebar()
home = st.Page("app_pages/home.py", title="Worked example: a VAE", icon=":material/home:", default=True)
autoencoder = st.Page("app_pages/autoencoder.py", title="Autoencoder", icon=":material/compress:", url_path="autoencoder")
denoising = st.Page("app_pages/denoising.py", title="Denoising AE", icon=":material/blur_off:", url_path="denoising")
elbo = st.Page("app_pages/elbo.py", title="ELBO & KL explorer", icon=":material/functions:", url_path="elbo")
reparameterisation = st.Page("app_pages/reparameterisation.py", title="Reparameterisation", icon=":material/shuffle:",
                             url_path="reparameterisation")
pages = {"VAE Lab": [home], "Autoencoders": [autoencoder, denoising], "Variational": [elbo, reparameterisation]}
page = st.navigation(pages)
state.PAGE_PATH.set(page.url_path)
shell.show_notes()
by_name = {stage.page_name(p.url_path): p for group in pages.values() for p in group}
present.follow(by_name, page.url_path)  # a scene opens its page, its title on top
page.run()
present.prepare_next()
shell.link_box()
authoring.deck_box()
controls.sync_page_url()
if guard.refused():
    controls.refuse("Some values this browser sent could not be read and were ignored.")
