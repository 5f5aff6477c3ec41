"""The address of the person at the other end of a request.

Behind a reverse proxy, REMOTE_ADDR is the proxy; the proxy appends the address it saw to
X-Forwarded-For. Anybody can send that header, so it is read only when the request comes from
an address in TRUSTED_PROXIES, and then only up to the first address that is not itself a
trusted proxy: everything to its left was written by the client.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request) -> str | None:
    """The client's address: the right-most X-Forwarded-For entry that is not a trusted proxy
    when REMOTE_ADDR is one, REMOTE_ADDR otherwise (None when there is no address at all)."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    proxies = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted(peer, proxies):
        return str(peer)
    client = peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",") if forwarded else []):
        address = _address(hop)
        if address is None:  # not an address a proxy writes: stop at the last one that did
            break
        client = address
        if not _is_trusted(address, proxies):
            break
    return str(client)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:
    """TRUSTED_PROXIES as networks; a single address is a network of one."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _is_trusted(address: Address, proxies) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address
