"""One vote per signed-in person, where an institution has single sign-on: the voter is the person the identity
provider names, not the browser. Off by default (docs/hosting.md, "One vote per signed-in person").

Turned on by ``VAE_LAB_VOTE_SIGN_IN=1`` with an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's
``st.login`` with an OpenID Connect provider; it needs the ``Authlib`` package). The students' page then asks a
student to sign in before it shows the question, and the voter token is made from the provider's stable subject
(``iss`` and ``sub`` of the ID token): a second browser, a private window or a cleared cookie is the same voter.
Without it, nothing changes: a voter is a browser (:meth:`vae_ui.lecture.votes.VoteStore.new_voter`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

ENV = "VAE_LAB_VOTE_SIGN_IN"


def wanted() -> bool:
    """Whether the server was asked for one vote per signed-in person."""
    return os.environ.get(ENV, "") not in ("", "0")


def configured(user: Mapping) -> bool:
    """Whether Streamlit's sign-in is set up (``st.user`` then says ``is_logged_in``, even when false)."""
    return "is_logged_in" in user


def person(user: Mapping) -> str | None:
    """The voter id of the signed-in person ``user`` (``st.user``): a digest of the provider and its subject, the
    same on every device and never the person's name or address; None when nobody is signed in."""
    if not user.get("is_logged_in"):
        return None
    subject = user.get("sub") or user.get("email")
    if not subject:
        return None
    return "p" + hashlib.sha256(f"{user.get('iss', '')}\n{subject}".encode()).hexdigest()[:15]
