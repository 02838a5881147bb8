"""The Content-Security-Policy every page is sent with, and the pages and templates it
relies on: no inline script, no inline style, no event-handler attribute anywhere."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from catalogue.actors import system_actor
from provenance.services import derivation_add

DATA_BLOCK_TYPES = {"application/ld+json"}  # data, never run; CSP neither runs nor blocks it


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: script bodies, <style>, style="", on*=""."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_BLOCK_TYPES:
            self.found.append(f"<script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.found.append(f'{name}="" on <{tag}> at line {self.getpos()[0]}')


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture
def pages(make_dataset, ohs, bob, django_capture_on_commit_callbacks):
    """One URL of every kind of page, and a client that may see it."""
    source = make_dataset("Hospital admissions")
    derived = make_dataset("Admissions by region")
    with django_capture_on_commit_callbacks(execute=True):
        derivation_add(derived=derived, source=source, user=system_actor("tests"))
    anonymous, editor = Client(), Client()
    editor.force_login(bob)
    return [
        (anonymous, "/"),
        (anonymous, "/?q=admissions"),
        (anonymous, f"/datasets/{derived.slug}/"),
        (anonymous, "/organisations/"),
        (anonymous, f"/organisations/{ohs.slug}/"),
        (anonymous, "/themes/"),
        (anonymous, "/about/api/"),
        (anonymous, "/accounts/login/"),
        (anonymous, "/admin/login/"),
        (anonymous, "/api/docs/"),
        (anonymous, "/api/v1/datasets/"),
        (anonymous, "/catalog.ttl"),
        (anonymous, "/datasets/no-such-dataset/"),
        (editor, f"/datasets/{derived.slug}/"),
        (editor, "/publish/"),
        (editor, "/publish/datasets/new/"),
        (editor, f"/publish/datasets/{derived.slug}/edit/"),
        (editor, f"/publish/datasets/{derived.slug}/history/"),
        (editor, f"/publish/datasets/{derived.slug}/fields/import/"),
        (editor, "/lineage/stubs/"),
    ]


def test_every_page_type_sends_a_csp_without_unsafe_inline(pages):
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        directives = csp_directives(response)
        assert directives["default-src"] == ["'self'"], path
        for name in ("script-src", "style-src"):
            assert directives[name] == ["'self'"], (path, name)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
        assert directives["frame-ancestors"] == ["'none'"], path


def test_no_page_carries_inline_script_or_style(pages):
    for client, path in pages:
        response = client.get(path)
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response.content.decode()) == [], path


def test_swagger_ui_start_up_script_is_a_file(client, db):
    html = client.get("/api/docs/").content.decode()
    (script_url,) = re.findall(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _template_files() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [p for app in ("catalogue", "provenance") for p in (settings.BASE_DIR / app).rglob("templates")]
    return sorted(f for root in roots for f in root.rglob("*.html"))


def test_no_template_contains_inline_script_or_style():
    files = _template_files()
    assert len(files) > 10
    offenders = {
        str(f.relative_to(settings.BASE_DIR)): found
        for f in files
        # Template tags are not HTML; blank them out so the parser sees only markup.
        if (found := inline_code(re.sub(r"{%.*?%}|{{.*?}}", "x", f.read_text(), flags=re.S)))
    }
    assert offenders == {}
