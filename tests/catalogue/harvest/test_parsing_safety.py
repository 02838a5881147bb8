"""A harvest source is untrusted: what Provcat refuses to parse, and that refusing reads no
file, opens no connection and takes no time; broken pages get messages a publisher can act on.

"Not opened" is checked with inotify on the file itself (any open by any code in the process,
Rust included), and "not fetched" with a server on 127.0.0.1 that records every request; each
check also shows it would have seen the access (a control), so the tests can fail.
"""

import ctypes
import json
import os
import struct
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalogue.harvest import parsing
from catalogue.harvest.dcat_reader import read_dcat_page
from catalogue.harvest.errors import HarvestError, MalformedPage, UnsafeDocument

RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#" '
    'xmlns:dct="http://purl.org/dc/terms/">'
)
RDF_DATASET = '<dcat:Dataset rdf:about="https://x.example.org/ds"><dct:title>{title}</dct:title></dcat:Dataset>'
RDF_CLOSE = "</rdf:RDF>"


def rdfxml(prolog: str = "", title: str = "Safe", *, inside: str = "") -> bytes:
    return (prolog + RDF_OPEN + inside + RDF_DATASET.format(title=title) + RDF_CLOSE).encode()


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY l0 "lol">\n'
    + "".join(f' <!ENTITY l{n} "{f"&l{n - 1};" * 10}">\n' for n in range(1, 10))
    + "]>\n"
)


@contextmanager
def refused_quickly(error=UnsafeDocument, match=None):
    started = time.monotonic()
    with pytest.raises(error, match=match) as caught:
        yield caught
    assert time.monotonic() - started < 1, "refusing must not take time"


def read_rdfxml(body: bytes, **options):
    return read_dcat_page(body, url="https://x.example.org/catalog.rdf", content_type="application/rdf+xml", **options)


# Watching a file and a port ---------------------------------------------------------------

IN_ACCESS, IN_OPEN = 0x1, 0x20


@contextmanager
def file_watch(path):
    """Yields a function telling whether anything opened or read ``path`` since the watch began."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    assert fd >= 0, "inotify is needed to prove the file is never opened"
    assert libc.inotify_add_watch(fd, os.fsencode(path), IN_ACCESS | IN_OPEN) >= 0

    def touched() -> bool:
        try:
            events = os.read(fd, 4096)
        except BlockingIOError:
            return False
        offset, seen = 0, False
        while offset < len(events):
            _wd, mask, _cookie, length = struct.unpack_from("iIII", events, offset)
            seen = seen or bool(mask & (IN_ACCESS | IN_OPEN))
            offset += struct.calcsize("iIII") + length
        return seen

    try:
        yield touched
    finally:
        os.close(fd)


@pytest.fixture
def sentinel(tmp_path):
    """A local file with unique content an XXE or a file: context would try to read."""
    path = tmp_path / "secret.txt"
    secret = f"SENTINEL-{uuid.uuid4().hex}"
    path.write_text(secret)
    return path, secret


@pytest.fixture
def recorder():
    """A server on 127.0.0.1 that records the path of every request it gets."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'<!ENTITY x "fetched">' if self.path.endswith(".dtd") else b'{"@context": {}}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def assert_never_fetched(base: str, hits: list) -> None:
    assert hits == []
    # Control: the server does record a request when one comes.
    urllib.request.urlopen(f"{base}/control", timeout=5).read()
    assert hits == ["/control"]


def assert_never_opened(path, touched) -> None:
    assert not touched()
    # Control: the watch does see an open.
    path.read_text()
    assert touched()


# RDF/XML: no DTD, anywhere ------------------------------------------------------------------


def test_billion_laughs_is_refused_before_any_parser_expands_it():
    body = rdfxml(BILLION_LAUGHS, "&l9;")
    assert len(body) < 1024
    with refused_quickly(match="declares a DTD") as caught:
        read_rdfxml(body)
    assert str(caught.value) == parsing.DTD_REFUSED


def test_billion_laughs_is_refused_whatever_the_source_claims_or_the_sniffing_finds():
    body = rdfxml(BILLION_LAUGHS, "&l9;")
    with refused_quickly():
        read_dcat_page(body, url="https://x.example.org/catalog")
    with refused_quickly():
        read_dcat_page(body, url="https://x.example.org/catalog", rdf_format="rdfxml", content_type="text/turtle")


def test_xxe_to_a_local_file_reads_nothing(sentinel):
    path, secret = sentinel
    body = rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file://{path}">]>', "&xxe;")
    with file_watch(path) as touched:
        with refused_quickly() as caught:
            read_rdfxml(body)
        assert secret not in str(caught.value)
        assert_never_opened(path, touched)


def test_external_dtd_is_never_fetched(recorder):
    base, hits = recorder
    with refused_quickly(match="declares a DTD"):
        read_rdfxml(rdfxml(f'<!DOCTYPE rdf:RDF SYSTEM "{base}/x.dtd">'))
    assert_never_fetched(base, hits)


def test_parameter_entities_are_never_fetched(recorder):
    base, hits = recorder
    prolog = f'<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "{base}/p.dtd"> %remote; <!ENTITY % x "y">]>'
    with refused_quickly():
        read_rdfxml(rdfxml(prolog))
    assert_never_fetched(base, hits)


@pytest.mark.parametrize(
    "body",
    [
        # pyoxigraph 0.5.13 honours a DOCTYPE after the root element, or inside one, and expands it.
        rdfxml(inside='<!DOCTYPE x [<!ENTITY a "AAAA">]>', title="&a;"),
        rdfxml(title='<!DOCTYPE x [<!ENTITY a "AAAA">]>&a;'),
        rdfxml('<!doctype rdf:RDF [<!ENTITY a "AAAA">]>', "&a;"),
        # Before it: a byte-order mark, white space, a comment, a processing instruction.
        b"\xef\xbb\xbf  \n" + rdfxml('<?xml version="1.0"?><!-- hi --><?pi x?>\n' + BILLION_LAUGHS[22:], "&l9;"),
        # In UTF-16, where a search for the bytes "<!DOCTYPE" finds nothing.
        rdfxml('<?xml version="1.0" encoding="UTF-16"?>' + BILLION_LAUGHS[22:], "&l9;").decode().encode("utf-16"),
    ],
    ids=["in-root", "in-an-element", "lower-case", "bom-comment-pi", "utf-16"],
)
def test_a_dtd_anywhere_in_any_encoding_is_refused(body):
    with refused_quickly(match="declares a DTD"):
        read_rdfxml(body)


@pytest.mark.parametrize("encoding", ["utf-16", "iso-8859-1", "utf-8-sig"])
def test_rdfxml_in_other_encodings_is_read(encoding):
    declaration = f'<?xml version="1.0" encoding="{encoding.removesuffix("-sig")}"?>\n'
    body = rdfxml(declaration, "Qualité de l'air").decode().encode(encoding)
    (record,) = read_rdfxml(body).records
    assert record["title"] == "Qualité de l'air"


def test_malformed_rdfxml_says_where():
    body = (
        b'<?xml version="1.0"?>\n'
        + RDF_OPEN.encode()
        + b"\n<dcat:Dataset rdf:about='https://x.example.org/ds'>\n</rdf:RDF>"
    )
    with pytest.raises(MalformedPage) as caught:
        read_rdfxml(body)
    assert str(caught.value) == "The page is not valid RDF/XML: line 4, column 3: mismatched tag"


# JSON-LD: no context is ever fetched ----------------------------------------------------------


def jsonld(context, **extra) -> bytes:
    return json.dumps(
        {"@context": context, "@id": "https://x.example.org/ds", "@type": "dcat:Dataset", "title": "T", **extra}
    ).encode()


def read_jsonld(body: bytes):
    return read_dcat_page(body, url="https://x.example.org/catalog.jsonld", content_type="application/ld+json")


def test_remote_context_is_never_fetched(recorder):
    base, hits = recorder
    with refused_quickly(match="refers to a remote @context") as caught:
        read_jsonld(jsonld(f"{base}/context.jsonld"))
    assert f"<{base}/context.jsonld>" in str(caught.value)
    assert "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld" in str(caught.value)
    assert_never_fetched(base, hits)


def test_file_context_is_never_opened(sentinel):
    path, secret = sentinel
    with file_watch(path) as touched:
        with refused_quickly(match="refers to a remote @context") as caught:
            read_jsonld(jsonld(f"file://{path}"))
        assert secret not in str(caught.value)
        assert_never_opened(path, touched)


@pytest.mark.parametrize(
    "document",
    [
        jsonld("context.jsonld"),
        jsonld([{"dcat": "http://www.w3.org/ns/dcat#"}, "https://contexts.example.org/dcat.jsonld"]),
        jsonld({"dcat": "http://www.w3.org/ns/dcat#"}, distribution={"@context": "https://evil.example.org/c"}),
        jsonld({"dcat": "http://www.w3.org/ns/dcat#", "title": {"@id": "x:t", "@context": "https://e.example.org/c"}}),
        jsonld({"@import": "https://contexts.example.org/dcat.jsonld", "dcat": "http://www.w3.org/ns/dcat#"}),
        json.dumps([{"@context": "https://e.example.org/c", "@id": "https://x.example.org/a"}]).encode(),
    ],
    ids=["relative", "in-a-list", "in-a-node", "scoped-in-a-term", "import", "in-a-top-level-array"],
)
def test_remote_contexts_are_found_wherever_they_hide(document):
    with refused_quickly(match="refers to a remote @context"):
        read_jsonld(document)


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_shipped_project_open_data_context_is_used_inline(scheme):
    body = json.dumps(
        {
            "@context": f"{scheme}://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
            "@type": "dcat:Catalog",
            "dataset": [{"@type": "dcat:Dataset", "identifier": "A-1", "title": "POD dataset"}],
        }
    ).encode()
    (record,) = read_jsonld(body).records
    assert (record["identifier"], record["title"]) == ("A-1", "POD dataset")


@pytest.mark.parametrize("version", ["3.0.0", "3.0.1"])
def test_shipped_dcat_ap_contexts_are_used_inline(version):
    """DCAT-AP 3's published contexts define "Xsd:..." terms that JSON-LD 1.1 rejects;
    the shipped copies are used without them (contexts/README.md)."""
    url = f"https://semiceu.github.io/DCAT-AP/releases/{version}/context/dcat-ap.jsonld"
    title = "title" if version == "3.0.1" else "Dataset.title"
    body = json.dumps({"@context": url, "@id": "https://x.example.org/ds", "@type": "Dataset", title: ["AP 3"]})
    (record,) = read_jsonld(body.encode()).records
    assert record["title"] == "AP 3"


def nested_jsonld(depth: int) -> bytes:
    """A dataset whose title sits ``depth`` levels deep in the JSON (arrays in arrays)."""
    inner = depth - 1  # the node object itself is the first level
    return (
        '{"@id": "https://x.example.org/ds", "@type": "http://www.w3.org/ns/dcat#Dataset", '
        '"http://purl.org/dc/terms/title": ' + "[" * inner + '"x"' + "]" * inner + "}"
    ).encode()


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_refused_quickly(depth):
    with refused_quickly(match="nested more than 32 levels"):
        read_jsonld(nested_jsonld(depth))


def test_nesting_up_to_the_limit_is_read():
    (record,) = read_jsonld(nested_jsonld(32)).records
    assert record["title"] == "x"


def test_broken_json_says_where():
    with pytest.raises(MalformedPage) as caught:
        read_jsonld(b'{\n  "@id": "https://x.example.org/ds",\n  "title": "T",,\n}')
    assert (
        str(caught.value)
        == "The page is not valid JSON-LD: line 3, column 16: Expecting property name enclosed in double quotes"
    )


# Turtle, N-Triples and what is not RDF at all -------------------------------------------------


def test_broken_turtle_says_where_and_what():
    body = b'@prefix dct: <http://purl.org/dc/terms/> .\n<https://x.example.org/a> dct:title "A" .\n<https://x.example.org/b> dct:title "B"\n'
    with pytest.raises(MalformedPage) as caught:
        read_dcat_page(body, url="https://x.example.org/catalog.ttl", content_type="text/turtle")
    assert str(caught.value) == "The page is not valid Turtle: line 4, column 1: Triples should be followed by a dot"


def test_broken_ntriples_says_where_and_what():
    body = b'<https://x.example.org/a> <http://purl.org/dc/terms/title> "A" .\n<a> <b> <c> .\n'
    with pytest.raises(MalformedPage) as caught:
        read_dcat_page(body, url="https://x.example.org/catalog.nt", content_type="application/n-triples")
    assert str(caught.value).startswith("The page is not valid N-Triples: line 2, column 1: ")


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"<!DOCTYPE html><html><body>Portal home</body></html>", "text/html; charset=utf-8"),
        (b"<!-- x -->\n<html lang='en'><p>Maintenance</p></html>", ""),
    ],
)
def test_a_web_page_is_not_mistaken_for_rdf(body, content_type):
    with pytest.raises(MalformedPage, match="web page \\(HTML\\), not RDF"):
        read_dcat_page(body, url="https://x.example.org/catalog", content_type=content_type)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "text/turtle"),
        (b"  \n", "application/n-triples"),
        (b'{"success": true, "result": []}', "application/json"),
    ],
)
def test_a_page_without_statements_is_not_an_empty_catalogue(body, content_type):
    with pytest.raises(MalformedPage, match="holds no RDF statements"):
        read_dcat_page(body, url="https://x.example.org/catalog", content_type=content_type)


# Which format a page is in --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type, url, start, setting, expected",
    [
        ("text/turtle; charset=utf-8", "https://x.org/c.rdf", b"", "auto", "turtle"),
        ("application/rdf+xml", "https://x.org/c", b"", "auto", "rdfxml"),
        ("application/xml", "https://x.org/c", b"", "auto", "rdfxml"),
        ("text/xml", "https://x.org/c", b"", "auto", "rdfxml"),
        ("application/ld+json", "https://x.org/c", b"", "auto", "jsonld"),
        ("application/json", "https://x.org/c", b"", "auto", "jsonld"),
        ("application/n-triples", "https://x.org/c", b"", "auto", "ntriples"),
        ("text/plain", "https://x.org/c", b"", "auto", "ntriples"),
        ("application/octet-stream", "https://x.org/catalog.jsonld?page=2", b"", "auto", "jsonld"),
        ("", "https://x.org/catalog.nt", b"", "auto", "ntriples"),
        ("", "https://x.org/catalog.ttl", b"", "auto", "turtle"),
        ("", "https://x.org/catalog", b'\xef\xbb\xbf <?xml version="1.0"?><rdf:RDF>', "auto", "rdfxml"),
        ("", "https://x.org/catalog", b"<rdf:RDF xmlns:rdf='x'>", "auto", "rdfxml"),
        ("", "https://x.org/catalog", b'\n  {"@graph": []}', "auto", "jsonld"),
        ("", "https://x.org/catalog", b"@prefix dcat: <http://www.w3.org/ns/dcat#> .", "auto", "turtle"),
        ("", "https://x.org/catalog", b"<http://a.org/s> <http://a.org/p> <http://a.org/o> .", "auto", "turtle"),
        ("text/turtle", "https://x.org/c.ttl", b"", "rdfxml", "rdfxml"),
    ],
)
def test_format_from_setting_then_content_type_then_suffix_then_first_bytes(
    content_type, url, start, setting, expected
):
    assert parsing.format_detect(start, url=url, content_type=content_type, rdf_format=setting).key == expected


# Whatever arrives, the answer is a page or a message -------------------------------------------

FIXTURES = sorted((Path(__file__).parent / "fixtures").iterdir())


@given(
    fixture=st.sampled_from([f for f in FIXTURES if f.suffix != ".md"]),
    cut=st.floats(min_value=0, max_value=1),
    junk=st.binary(max_size=40),
    content_type=st.sampled_from(["", "text/turtle", "application/rdf+xml", "application/ld+json", "text/plain"]),
)
@hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_damaged_pages_give_a_page_or_a_harvest_error_never_anything_else(fixture, cut, junk, content_type):
    body = fixture.read_bytes()
    at = int(len(body) * cut)
    damaged = body[:at] + junk + body[at + len(junk) :]
    try:
        page = read_dcat_page(damaged, url=f"https://x.example.org/{fixture.name}", content_type=content_type)
    except HarvestError as error:
        assert str(error) and "Traceback" not in str(error)
    else:
        assert all(record["identifier"] for record in page.records)
