"""The official OpenLineage JSON schemas (vendored here, see README.md) and validators built from them.

Every spec version from 1-0-0 to the current one is accepted, because producers in the field
still send old ones. Validators are compiled once per (version, event kind) and per facet
schema; no schema is ever fetched over the network: a reference that is not vendored here is
an error, not a download.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

HERE = Path(__file__).resolve().parent
CURRENT_VERSION = "2-0-2"
# ``…/spec/<version>/OpenLineage.json#/$defs/RunEvent``; 1-0-x producers write ``#/definitions/…``
# (the openlineage-python client's legacy module says ``1-0-5 … #/definitions/RunEvent``), so
# either key is read as "the event kind named at the end", as Marquez does.
EVENT_SCHEMA_URL = re.compile(
    r"/spec/(?P<version>\d+-\d+-\d+)/OpenLineage\.json#/(?:\$defs|definitions)/(?P<kind>RunEvent|JobEvent|DatasetEvent)$"
)
FACET_SCHEMA_URL = re.compile(r"/spec/facets/(?P<version>\d+-\d+-\d+)/(?P<name>\w+)\.json")
# Every facet carries ``_producer`` and ``_schemaURL`` by the spec, but hand-written events and
# several integrations leave them out and Marquez accepts them: they are the only requirement
# not enforced, since nothing here reads them.
FACET_STAMPS = frozenset({"_producer", "_schemaURL"})


class SpecError(ValueError):
    """The event does not follow its OpenLineage schema; the message names the JSON path."""


@cache
def _index() -> dict:
    return json.loads((HERE / "index.json").read_text())


def spec_versions() -> list[str]:
    """The accepted spec versions, oldest first."""
    return sorted(_index()["core"], key=lambda v: tuple(int(p) for p in v.split("-")))


@cache
def _core(version: str) -> dict:
    return json.loads((HERE / _index()["core"][version]["file"]).read_text())


@cache
def _registry() -> Registry:
    """Every vendored schema under its own $id, plus the relative ``facets/X.json`` names the
    1-0-4 to 2-0-1 core schemas use (resolved against their own $id) for the facet files
    published with them."""
    index = _index()
    facets = {facet_id: json.loads((HERE / entry["file"]).read_text()) for facet_id, entry in index["facets"].items()}
    resources = [(schema_id, Resource.from_contents(contents)) for schema_id, contents in facets.items()]
    for version, entry in index["core"].items():
        base = f"https://openlineage.io/spec/{version}/"
        resources.append((base + "OpenLineage.json", Resource.from_contents(_core(version))))
        for relative, facet_id in entry["facets"].items():
            resources.append((base + relative, Resource.from_contents(facets[facet_id])))
    return Registry().with_resources(resources).crawl()


def _required_but_facet_stamps(validator, required, instance, schema):
    yield from Draft202012Validator.VALIDATORS["required"](
        validator, [name for name in required if name not in FACET_STAMPS], instance, schema
    )


SpecValidator = validators.extend(Draft202012Validator, {"required": _required_but_facet_stamps})


@dataclass(frozen=True)
class EventSchema:
    version: str
    kind: str  # RunEvent, JobEvent or DatasetEvent

    @property
    def url(self) -> str:
        return f"https://openlineage.io/spec/{self.version}/OpenLineage.json#/$defs/{self.kind}"


def event_schema_for(event: dict) -> EventSchema:
    """The spec version and event kind an event claims (a missing schemaURL: the current
    version, and the kind its shape shows, as Marquez reads it)."""
    schema_url = event.get("schemaURL")
    if schema_url is None:
        if "dataset" in event and "job" not in event:
            return EventSchema(CURRENT_VERSION, "DatasetEvent")
        if "job" in event and "run" not in event:
            return EventSchema(CURRENT_VERSION, "JobEvent")
        return EventSchema(CURRENT_VERSION, "RunEvent")
    accepted = ", ".join(spec_versions())
    example = EventSchema(CURRENT_VERSION, "RunEvent").url
    if not isinstance(schema_url, str):
        raise SpecError(f"$.schemaURL must be a string such as {example}")
    match = EVENT_SCHEMA_URL.search(schema_url)
    if match is None:
        raise SpecError(
            f"$.schemaURL {schema_url[:200]!r} does not name an OpenLineage event schema: it should end in "
            f"/spec/<version>/OpenLineage.json#/$defs/RunEvent (or JobEvent, DatasetEvent), e.g. {example}"
        )
    version, kind = match["version"], match["kind"]
    if version not in _index()["core"]:
        raise SpecError(f"$.schemaURL: OpenLineage spec version {version} is not one of {accepted}")
    if kind not in _definitions(_core(version)):
        raise SpecError(f"$.schemaURL: OpenLineage spec {version} has no {kind}; it came with 2-0-0")
    return EventSchema(version, kind)


def _definitions(core: dict) -> dict:
    return core.get("$defs") or core.get("definitions") or {}


@cache
def _event_validator(version: str, kind: str) -> SpecValidator:
    core = _core(version)
    key = "$defs" if "$defs" in core else "definitions"
    return SpecValidator({"$ref": f"{core['$id']}#/{key}/{kind}"}, registry=_registry())


def event_validate(event: dict, schema: EventSchema) -> None:
    """Raise SpecError naming the JSON path of the first place the event breaks its schema."""
    # The schemaURL a sender left out is the one we read the event as.
    _raise_first(_event_validator(schema.version, schema.kind), {"schemaURL": schema.url, **event}, "$")


@cache
def _facet_validator(facet_id: str, name: str) -> SpecValidator:
    return SpecValidator({"$ref": f"{facet_id}#/$defs/{name}"}, registry=_registry())


@cache
def _newest_facet_ids() -> dict[str, str]:
    newest: dict[str, tuple] = {}
    for facet_id in _index()["facets"]:
        match = FACET_SCHEMA_URL.search(facet_id)
        rank = tuple(int(p) for p in match["version"].split("-"))
        if match["name"] not in newest or rank > newest[match["name"]][0]:
            newest[match["name"]] = (rank, facet_id)
    return {name: facet_id for name, (_, facet_id) in newest.items()}


def facet_validate(facet, name: str, path: str) -> None:
    """Check one facet against the facet schema ``name`` (e.g. ColumnLineageDatasetFacet), in the
    version its ``_schemaURL`` names when that one is vendored, else the newest vendored one
    (facet versions only ever add optional properties)."""
    facet_id = _newest_facet_ids()[name]
    stamp = facet.get("_schemaURL") if isinstance(facet, dict) else None
    match = FACET_SCHEMA_URL.search(stamp) if isinstance(stamp, str) else None
    if match is not None and match["name"] == name:
        claimed = f"https://openlineage.io/spec/facets/{match['version']}/{name}.json"
        if claimed in _index()["facets"]:
            facet_id = claimed
    _raise_first(_facet_validator(facet_id, name), facet, path)


def _raise_first(validator, instance, prefix: str) -> None:
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise SpecError(_describe(error, prefix))


def _describe(error: ValidationError, prefix: str) -> str:
    # "not valid under any of the given schemas" names the whole facets object; the branch
    # that got furthest into the instance says what is actually wrong, and where.
    while error.validator in ("anyOf", "oneOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) <= len(error.absolute_path):
            break
        error = deepest
    path = prefix + error.json_path[1:]
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    return f"{path}: {message}"
