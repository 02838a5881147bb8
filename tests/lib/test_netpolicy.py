"""The fetch policy shared by link checks and harvesting: no private, link-local or (unless
allowed) loopback address is ever connected to."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lib.netpolicy import RefusedAddress, fetch


@pytest.fixture
def no_connections(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/data.csv",
        "http://192.168.1.10/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_private_and_link_local_addresses_are_refused_before_any_connection(url, no_connections):
    with pytest.raises(RefusedAddress):
        fetch(url, allow_loopback=True)
    assert no_connections == []


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # shared address space (carrier-grade NAT; some clouds' metadata services)
        "100.127.255.254",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:5db8:d822::1",  # 6to4 of a public address: the relay still chooses the path
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo
        "fec0::1",  # site-local
        "::a00:1",  # IPv4-compatible 10.0.0.1
        "::ffff:100.64.0.1",  # IPv4-mapped shared address space
        "::ffff:127.0.0.1",  # loopback in IPv4-mapped form: not loopback to the allowlist
        "192.0.0.8",  # IETF protocol assignments
        "198.18.0.1",  # benchmarking
        "2001:db8::1",  # documentation
        "ff0e::1",  # global-scope multicast
    ],
)
def test_non_global_and_ipv4_carrying_addresses_are_refused_before_any_connection(address, no_connections):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(RefusedAddress, match="private or local"):
        fetch(f"http://{host}/latest/meta-data/", allow_loopback=True)
    assert no_connections == []


def test_a_name_resolving_to_a_6to4_address_names_the_ipv4_it_carries(monkeypatch, no_connections):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2002:a9fe:a9fe::1", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(RefusedAddress, match=r"6to4.*169\.254\.169\.254"):
        fetch("http://data.example.gov/file.csv")
    assert no_connections == []


def test_public_addresses_are_allowed():
    from lib.netpolicy import address_allowed

    assert address_allowed("93.184.216.34")
    assert address_allowed("2606:2800:220:1:248:1893:25c8:1946")
    assert address_allowed("127.0.0.1", allow_loopback=True)
    assert not address_allowed("127.0.0.1")


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, no_connections):
    def resolve(host, port, *args, **kwargs):
        # One public and one private answer: any private one is enough to refuse.
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(RefusedAddress, match="10.1.2.3"):
        fetch("http://data.example.gov/file.csv")
    assert no_connections == []


def test_loopback_is_refused_unless_allowed(no_connections):
    with pytest.raises(RefusedAddress):
        fetch("http://127.0.0.1:9/")
    with pytest.raises(RefusedAddress):
        fetch("http://[::1]:9/")
    assert no_connections == []


def test_other_schemes_are_refused(no_connections):
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"):
        with pytest.raises(RefusedAddress):
            fetch(url, allow_loopback=True)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.7/secret")
            self.end_headers()
            return
        if self.path == "/to-ok":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x" * 5000)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_allowed_loopback_fetch_follows_checked_redirects(server):
    result = fetch(f"{server}/to-ok", allow_loopback=True)
    assert (result.status, result.url, len(result.body)) == (200, f"{server}/ok", 5000)


def test_a_redirect_to_a_private_address_is_refused(server):
    with pytest.raises(RefusedAddress, match="10.0.0.7"):
        fetch(f"{server}/to-private", allow_loopback=True)


def test_bodies_over_the_limit_are_refused_or_cut_short(server):
    with pytest.raises(OSError, match="larger than"):
        fetch(f"{server}/ok", allow_loopback=True, max_bytes=100)
    assert len(fetch(f"{server}/ok", allow_loopback=True, max_bytes=100, truncate=True).body) == 100
