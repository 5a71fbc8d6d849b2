"""Where students reach this app: its address on the local network, when the lecturer's tab uses localhost.

No packet is sent: connecting a UDP socket only asks the system which of its addresses would route to a private
address. Standard library only.
"""

from __future__ import annotations

import ipaddress
import socket
import time

PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255")  # private addresses, one per private range
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
TTL_SECONDS = 30.0  # a laptop moves between networks: the address is looked up again after this long
_found: tuple[float, str | None] | None = None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine only."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def lan_address() -> str | None:
    """This machine's IPv4 address on its network (None when it has none but loopback); looked up every TTL_SECONDS."""
    global _found
    now = time.monotonic()
    if _found is not None and now - _found[0] < TTL_SECONDS:
        return _found[1]
    address = None
    for probe in PROBES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect((probe, 9))  # UDP: no packet leaves; the system picks the source address for the route
                candidate = s.getsockname()[0]
            except OSError:
                continue
        if _usable(candidate):
            address = candidate
            break
    if address is None:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        except OSError:
            infos = []
        address = next((info[4][0] for info in infos if _usable(info[4][0])), None)
    _found = (now, address)
    return address


def configured_address() -> str | None:
    """Streamlit's ``browser.serverAddress`` when it was set (its default, localhost, is not an answer)."""
    from streamlit import config

    try:
        if not config.is_manually_set("browser.serverAddress"):
            return None
        value = str(config.get_option("browser.serverAddress") or "").strip()
    except Exception:  # noqa: BLE001 - an option Streamlit renamed: no configured address
        return None
    return value if value and not is_loopback(value) else None


def listens_on_loopback() -> bool:
    """Whether the server was started to listen on a loopback address only (``server.address``)."""
    from streamlit import config

    try:
        value = str(config.get_option("server.address") or "")
    except Exception:  # noqa: BLE001
        return False
    return bool(value) and is_loopback(value)
