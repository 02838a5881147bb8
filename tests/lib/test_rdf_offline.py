"""rdflib never fetches a remote JSON-LD @context: the parse fails before any connection."""

import socket

import pytest
from rdflib import Graph

from lib.rdf_offline import RemoteContextRefused, remote_jsonld_contexts_disabled

REMOTE_CONTEXT_DOCUMENT = """
{"@context": "https://schema.org/",
 "@id": "https://data.example.gov/id/dataset/1", "@type": "Dataset", "name": "Admissions"}
"""


def test_remote_jsonld_context_is_refused_before_any_socket_connects(monkeypatch):
    attempts = []

    def record_connect(self, address):
        attempts.append(address)
        raise OSError("this test allows no connection")

    monkeypatch.setattr(socket.socket, "connect", record_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", record_connect)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: record_connect(None, address))

    assert remote_jsonld_contexts_disabled()
    with pytest.raises(RemoteContextRefused):
        Graph().parse(data=REMOTE_CONTEXT_DOCUMENT, format="json-ld")
    assert attempts == []


def test_inline_jsonld_context_still_parses():
    document = """{"@context": {"name": "https://schema.org/name"},
                   "@id": "https://data.example.gov/id/dataset/1", "name": "Admissions"}"""
    graph = Graph().parse(data=document, format="json-ld")
    assert len(graph) == 1
