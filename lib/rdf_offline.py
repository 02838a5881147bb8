"""Keep rdflib off the network.

rdflib's JSON-LD parser fetches any remote ``@context`` it meets. A catalogue that
parses JSON-LD from users or harvested sources must not let a document make the
server open connections of the document's choosing, so remote contexts are refused
before any socket is opened. Inline contexts keep working.
"""

from rdflib.plugins.shared.jsonld import context as jsonld_context


class RemoteContextRefused(ValueError):
    """A JSON-LD document referred to a remote @context, which Provcat never fetches."""


_original_fetch = jsonld_context.Context._fetch_context


def _refuse_remote_context(self, source, base, referenced_contexts):
    raise RemoteContextRefused(f"JSON-LD remote @context {source!r} is not fetched: inline the context instead")


def disable_remote_jsonld_contexts() -> None:
    jsonld_context.Context._fetch_context = _refuse_remote_context


def remote_jsonld_contexts_disabled() -> bool:
    return jsonld_context.Context._fetch_context is _refuse_remote_context
