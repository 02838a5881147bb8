"""Fetch a URL someone typed in without letting it reach inside our network.

Used by the link-reachability check of the quality score and by harvesting. A URL is
refused unless every address its host resolves to is a public one; then the
connection goes to the checked address (not a second lookup, which DNS rebinding
could answer differently). Redirects are followed by hand, each one checked again.

Loopback can be allowed (tests and the demo serve their links from 127.0.0.1); an address
is otherwise connected to only if it is globally routable (``ipaddress``'s ``is_global``:
so never private, shared 100.64.0.0/10, link-local, multicast, reserved, documentation or
unspecified) and is not one of the IPv6 forms that carry an IPv4 address a gateway or the
kernel would reach instead (mapped, compatible, 6to4, NAT64, Teredo) or deprecated
site-local. No Django here: callers pass the policy in.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5


class RefusedAddress(Exception):
    """The URL points at an address Provcat must not connect to."""


class TooLarge(OSError):
    """The answer is longer than the caller allows."""


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


# IPv6 ranges whose packets end up at an IPv4 address chosen by the sender (6to4 relays,
# NAT64 gateways, Teredo) or at a site's own network (deprecated site-local): Python counts
# some of them as global, yet a URL naming 2002:a00:1:: reaches 10.0.0.1 through a relay.
REFUSED_IPV6_NETWORKS = {
    ipaddress.IPv6Network("2002::/16"): "a 6to4 address",
    ipaddress.IPv6Network("64:ff9b::/96"): "a NAT64 address",
    ipaddress.IPv6Network("64:ff9b:1::/48"): "a local-use NAT64 address",
    ipaddress.IPv6Network("2001::/32"): "a Teredo address",
    ipaddress.IPv6Network("fec0::/10"): "a site-local address",
    ipaddress.IPv6Network("::/96"): "an IPv4-compatible address",
    ipaddress.IPv6Network("::ffff:0:0/96"): "an IPv4-mapped address",
}


# IANA's protocol assignments are not globally reachable, but Python before 3.11.10 / 3.12.4
# counts most of 192.0.0.0/24 as global.
REFUSED_IPV4_NETWORKS = {ipaddress.IPv4Network("192.0.0.0/24"): "an IETF protocol assignment"}


def address_refusal(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why Provcat must not connect to ``address``, or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} is a loopback address"
    if isinstance(ip, ipaddress.IPv6Address):
        for network, kind in REFUSED_IPV6_NETWORKS.items():
            if ip in network:
                embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
                return f"{ip} is {kind}" + (f" (it carries {embedded})" if embedded else "")
    else:
        for network, kind in REFUSED_IPV4_NETWORKS.items():
            if ip in network:
                return f"{ip} is {kind}"
    if not ip.is_global or ip.is_multicast:
        return f"{ip} is not a public address"
    return None


def address_allowed(address: str, *, allow_loopback: bool = False) -> bool:
    return address_refusal(address, allow_loopback=allow_loopback) is None


def resolve_checked(host: str, port: int, *, allow_loopback: bool = False) -> str:
    """The first address of ``host``, after checking that all of its addresses are allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        reason = address_refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise RefusedAddress(f"{host} resolves to {address}, a private or local address: {reason}")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(
    url: str,
    *,
    allow_loopback: bool = False,
    timeout: float = 10.0,
    max_bytes: int = 10 * 1024 * 1024,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    truncate: bool = False,
    deadline: float | None = None,
) -> FetchResult:
    """Fetch ``url`` under the address policy; raises RefusedAddress or OSError.

    A body longer than ``max_bytes`` is an error, or with ``truncate`` is cut short
    (a reachability check needs only the first bytes). ``deadline`` (a ``time.monotonic()``
    value) bounds the whole fetch, redirects and a server that trickles bytes included.
    """
    for _ in range(MAX_REDIRECTS + 1):
        _check_deadline(url, deadline)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedAddress(f"only http and https URLs are fetched, not {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve_checked(parts.hostname, port, allow_loopback=allow_loopback)
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request(method, path, headers={"User-Agent": "Provcat", **(headers or {})})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            body = _read_body(response, max_bytes + 1, url, deadline) if method != "HEAD" else b""
            if len(body) > max_bytes and truncate:
                body = body[:max_bytes]
            elif len(body) > max_bytes:
                raise TooLarge(f"{url} is larger than {max_bytes} bytes")
            return FetchResult(url, response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        except (http.client.HTTPException, ssl.SSLError) as exc:
            raise OSError(f"{url}: {exc}") from None
        finally:
            connection.close()
    raise OSError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _check_deadline(url: str, deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError(f"{url} took too long to answer")


def _read_body(response, limit: int, url: str, deadline: float | None) -> bytes:
    """Up to ``limit`` bytes of the body, in chunks, so a deadline can stop a slow sender."""
    if deadline is None:
        return response.read(limit)
    chunks, size = [], 0
    while size < limit:
        _check_deadline(url, deadline)
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
