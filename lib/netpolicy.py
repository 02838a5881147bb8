"""Fetch a URL someone typed in without letting it reach inside our network.

Used by the link-reachability check of the quality score and by harvesting. A URL is
refused unless every address its host resolves to is a public one; then the
connection goes to the checked address (not a second lookup, which DNS rebinding
could answer differently). Redirects are followed by hand, each one checked again.

Loopback can be allowed (tests and the demo serve their links from 127.0.0.1);
private, link-local, multicast, reserved and unspecified addresses never are.
No Django here: callers pass the policy in.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5


class RefusedAddress(Exception):
    """The URL points at an address Provcat must not connect to."""


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def address_allowed(address: str, *, allow_loopback: bool = False) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return not (ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


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
        if not address_allowed(address, allow_loopback=allow_loopback):
            raise RefusedAddress(f"{host} resolves to {address}, a private or local address")
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
) -> FetchResult:
    """Fetch ``url`` under the address policy; raises RefusedAddress or OSError.

    A body longer than ``max_bytes`` is an error, or with ``truncate`` is cut short
    (a reachability check needs only the first bytes).
    """
    for _ in range(MAX_REDIRECTS + 1):
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
            body = response.read(max_bytes + 1) if method != "HEAD" else b""
            if len(body) > max_bytes and truncate:
                body = body[:max_bytes]
            elif len(body) > max_bytes:
                raise OSError(f"{url} is larger than {max_bytes} bytes")
            return FetchResult(url, response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        except (http.client.HTTPException, ssl.SSLError) as exc:
            raise OSError(f"{url}: {exc}") from None
        finally:
            connection.close()
    raise OSError(f"{url}: more than {MAX_REDIRECTS} redirects")
