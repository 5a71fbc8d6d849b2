"""The class's join link points where students can reach the app: a lecturer's tab on localhost gets the machine's
LAN address (or Streamlit's browser.serverAddress), and the screen says so."""

import socket

import pytest

from vae_ui.lecture import classroom
from vae_ui.page import shell
from vae_ui.service import network


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.1.1", "[::1]", "::1", "app.localhost"])
def test_loopback_names_and_addresses_are_this_machine_only(host):
    assert network.is_loopback(host)


@pytest.mark.parametrize("host", ["192.168.1.20", "10.0.0.5", "lab.example.org", "[2001:db8::1]"])
def test_other_hosts_are_not_loopback(host):
    assert not network.is_loopback(host)


def test_the_lan_address_is_found_without_sending_anything(monkeypatch):
    """A UDP socket's connect only picks the route's source address: nothing is sent (send is never called)."""
    sent = []

    class Probe(socket.socket):
        def send(self, *args, **kwargs):  # pragma: no cover - must not happen
            sent.append(args)
            return super().send(*args, **kwargs)

    monkeypatch.setattr(network, "_found", None)
    monkeypatch.setattr(network.socket, "socket", Probe)
    address = network.lan_address()
    assert not sent
    assert address is None or (network._usable(address) and not network.is_loopback(address))


def test_a_tab_on_localhost_gets_a_join_link_on_the_lan_address_and_a_sentence(monkeypatch):
    monkeypatch.setattr(shell, "base_url", lambda: "http://localhost:8501")
    monkeypatch.setattr(network, "configured_address", lambda: None)
    monkeypatch.setattr(network, "lan_address", lambda: "192.168.1.20")
    monkeypatch.setattr(network, "listens_on_loopback", lambda: False)
    base, note = classroom.join_base()
    assert base == "http://192.168.1.20:8501" and "localhost" in note and "192.168.1.20" in note
    monkeypatch.setattr(network, "listens_on_loopback", lambda: True)
    assert "--server.address 0.0.0.0" in classroom.join_base()[1]
    monkeypatch.setattr(network, "configured_address", lambda: "lab.example.org")
    assert classroom.join_base()[0] == "http://lab.example.org:8501"


def test_a_tab_on_the_network_keeps_its_own_address(monkeypatch):
    monkeypatch.setattr(shell, "base_url", lambda: "https://lab.example.org")
    assert classroom.join_base() == ("https://lab.example.org", "")


def test_with_no_network_the_link_stays_and_the_screen_says_why(monkeypatch):
    monkeypatch.setattr(shell, "base_url", lambda: "http://127.0.0.1:8501")
    monkeypatch.setattr(network, "configured_address", lambda: None)
    monkeypatch.setattr(network, "lan_address", lambda: None)
    base, note = classroom.join_base()
    assert base == "http://127.0.0.1:8501" and "cannot reach" in note
