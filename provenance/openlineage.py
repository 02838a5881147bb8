"""OpenLineage ingestion (spec 1-0-0 to 2-0-2): check an event, keep it raw, then apply it to the catalogue.

Receiving (``openlineage_validate`` + ``openlineage_events_store``) happens in the request: an
event is checked against the official JSON schema of its spec version (``openlineage_spec``),
the facets the applier reads against theirs, and Provcat's bounds (lengths, dates, fan-out), so
what is stored can be applied; what is not gets a 400 naming the JSON path. Applying
(``openlineage_event_apply``) happens in a Celery task, nudged on commit and finished by the
periodic sweep if the nudge is lost; an event whose application raises is kept as failed and
skipped, never retried in a loop. Applying is idempotent (activities are keyed by run id,
derivations and checks are only added when missing), so events can be replayed to rebuild the
graph.

What applying does:
- a COMPLETE RunEvent becomes an Activity (kind openlineage-run) and a derivation from each
  input to each output; a JobEvent does the same with one activity per job;
- inputs and outputs are matched to catalogue datasets by DatasetAlias (namespace, name);
  an unknown one becomes a stub: a draft, non-public dataset of the "Unclaimed lineage stubs"
  organisation that a publisher can claim;
- the columnLineage facet becomes FieldDerivation rows (fields are created on stubs and on
  datasets the sender may edit);
- dataQualityAssertions become ValidationCheck rows, dataQualityMetrics QualityMeasurement rows.

Permission: anyone who may post (a superuser, or an editor/admin of some organisation) may
feed stubs. A derivation, column lineage, check or measurement that would change a catalogued
dataset the sender may not edit is not applied; the reason is kept in the event's ``problems``
(shown in the admin), and the rest of the event still applies.
"""

import hashlib
import logging
import uuid
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from catalogue import access
from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Membership, QualityMeasurement, ValidationCheck
from catalogue.models import Field as CatalogueField
from config.celery import task_send_quietly
from lib.input_parsing import InvalidValue, json_document_load
from lib.iri import iri_problem
from provenance.models import Activity, Agent, DatasetAlias, Derivation, FieldDerivation, OpenLineageEvent, mint_uri
from provenance.openlineage_spec import SpecError, event_schema_for, event_validate, facet_validate
from provenance.queries import may_name_as_source
from provenance.services import (
    STUB_ORGANISATION_SLUG,
    DerivationBatch,
    activity_record,
    agent_record,
    dataset_stub_create,
    dataset_stubs_create,
    derivation_add,
    field_derivation_add,
    sender_organisation_ids,
    stub_named_by,
)

logger = logging.getLogger(__name__)

EVENT_KINDS = {
    "RunEvent": OpenLineageEvent.Kind.RUN,
    "JobEvent": OpenLineageEvent.Kind.JOB,
    "DatasetEvent": OpenLineageEvent.Kind.DATASET,
}
# Real events nest a dozen levels; Python's JSON parser, the schema check and PostgreSQL's
# jsonb all recurse, so anything deeper is refused before any of them sees it.
MAX_DEPTH = 64
# Event times are when a run happened; outside this range they are a mistake (year 9999 at
# -14:00 is not even a datetime Python or the database can read back).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
# The facets the applier reads, by where they sit, and the official schema each must follow.
READ_FACETS = {
    "job.facets": {"documentation": "DocumentationJobFacet", "sourceCodeLocation": "SourceCodeLocationJobFacet"},
    "facets": {
        "columnLineage": "ColumnLineageDatasetFacet",
        "dataQualityAssertions": "DataQualityAssertionsDatasetFacet",
        "dataQualityMetrics": "DataQualityMetricsDatasetFacet",
    },
    "inputFacets": {
        "dataQualityAssertions": "DataQualityAssertionsDatasetFacet",
        "dataQualityMetrics": "DataQualityMetricsInputDatasetFacet",
    },
    "outputFacets": {
        "dataQualityAssertions": "DataQualityAssertionsDatasetFacet",
        "dataQualityMetrics": "DataQualityMetricsDatasetFacet",
    },
}


class InvalidEvent(ValueError):
    """The event cannot be accepted; the message says why, for the sender."""


class BodyTooLarge(InvalidEvent):
    """The body (as sent, or once inflated) is over OPENLINEAGE_MAX_BODY_BYTES."""


def openlineage_read_body(stream, content_encoding: str = "") -> bytes:
    """The request body read from ``stream`` (None when there is none), gunzipped when the client
    compressed it; both the bytes sent and the bytes inflated are capped (zip bombs, and Django's
    own cap, which would answer an HTML 400 instead of the API's JSON 413)."""
    limit = settings.OPENLINEAGE_MAX_BODY_BYTES
    body = stream.read(limit + 1) if stream is not None else b""
    if len(body) > limit:
        raise BodyTooLarge(f"the body is larger than {limit} bytes (OPENLINEAGE_MAX_BODY_BYTES); send smaller batches")
    if "gzip" not in (content_encoding or "").lower():
        return body
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidEvent(f"the body says Content-Encoding: gzip but is not valid gzip ({exc})") from None
    if len(data) > limit:
        raise BodyTooLarge(f"the decompressed body is larger than {limit} bytes (OPENLINEAGE_MAX_BODY_BYTES)")
    return data


def _refuse_constant(name: str):
    raise InvalidEvent(f"the body holds {name}, which is not JSON (numbers must be finite)")


def openlineage_parse(raw: bytes):
    """The JSON body as Python values, refusing what cannot be stored or walked safely: NaN and
    Infinity, nesting deeper than MAX_DEPTH, and NUL characters (PostgreSQL cannot store them)."""
    try:
        body = json_document_load(raw, parse_constant=_refuse_constant)
    except InvalidValue:  # too deep even for the parser
        raise InvalidEvent(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, InvalidEvent):
            raise
        raise InvalidEvent(f"the body is not valid JSON ({exc})") from None
    _check_depth_and_text(body)
    return body


def _check_depth_and_text(body) -> None:
    # Iterative, so a deep body cannot exhaust the stack here either.
    pending = [(body, 1, "$")]
    while pending:
        value, depth, path = pending.pop()
        if depth > MAX_DEPTH:
            raise InvalidEvent(f"the body nests deeper than {MAX_DEPTH} levels (at {path[:200]})")
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidEvent(f"{path}: text may not contain the NUL character (\\u0000)")
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise InvalidEvent(f"{path}: a key may not contain the NUL character (\\u0000)")
                pending.append((item, depth + 1, f"{path}.{key}"))
        elif isinstance(value, list):
            pending.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))


def _parse_time(value: str, where: str) -> datetime:
    text = value.strip().replace("z", "Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEvent(f"{where}: {value[:100]!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:  # the spec asks for an offset; Marquez reads a bare time as UTC, so do we
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidEvent(f"{where}: {value[:100]!r} is not between the years {EARLIEST_YEAR} and {LATEST_YEAR} (UTC)")
    return moment


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _check_length(value, limit: int, where: str) -> None:
    # Longer names would have to be cut to be stored, and two cut names could then be one.
    if isinstance(value, str) and len(value) > limit:
        raise InvalidEvent(f"{where}: {len(value)} characters is longer than the {limit} Provcat can keep")


def _check_name(value, limit: int, where: str) -> None:
    """A namespace or name that identifies a job, dataset or column: not blank, and short enough."""
    if isinstance(value, str) and not value.strip():
        raise InvalidEvent(f"{where}: a name may not be empty")
    _check_length(value, limit, where)


def _dataset_refs(event: dict, kind: str) -> list[tuple[str, dict]]:
    """The dataset references the applier will read for an event of this kind (RunEvent...)."""
    # Runs before the schema check too, so it takes nothing's type on trust.
    if kind == "DatasetEvent":
        return [("$.dataset", event.get("dataset"))]
    refs = [(key, event.get(key)) for key in ("inputs", "outputs")]
    return [(f"$.{key}[{i}]", ref) for key, listed in refs if isinstance(listed, list) for i, ref in enumerate(listed)]


def _quality_result_count(ref: dict) -> int:
    """Assertions and column metrics of one dataset reference: each becomes a stored row."""
    count = 0
    for key in ("facets", "inputFacets", "outputFacets"):
        facets = ref.get(key)
        if not isinstance(facets, dict):
            continue
        assertions = facets.get("dataQualityAssertions")
        assertions = assertions.get("assertions") if isinstance(assertions, dict) else None
        metrics = facets.get("dataQualityMetrics")
        metrics = metrics.get("columnMetrics") if isinstance(metrics, dict) else None
        count += len(assertions) if isinstance(assertions, list) else 0
        count += len(metrics) if isinstance(metrics, dict) else 0
    return count


def _check_bounds(event: dict, kind: str) -> None:
    """Fan-out and lengths; runs before the schema check, so it only trusts what it looks at."""
    most = settings.OPENLINEAGE_MAX_DATASETS_PER_EVENT
    for key in ("inputs", "outputs"):
        refs = event.get(key)
        if isinstance(refs, list) and len(refs) > most:
            raise InvalidEvent(
                f"$.{key}: {len(refs)} datasets is more than {most} per event (OPENLINEAGE_MAX_DATASETS_PER_EVENT); "
                f"split the run into several events"
            )
    inputs, outputs = event.get("inputs"), event.get("outputs")
    if kind != "DatasetEvent" and isinstance(inputs, list) and isinstance(outputs, list):
        # Each input is derived into each output, in the worker: the product is the work.
        pairs, most_pairs = len(inputs) * len(outputs), settings.OPENLINEAGE_MAX_DERIVATIONS_PER_EVENT
        if pairs > most_pairs:
            raise InvalidEvent(
                f"$: {len(inputs)} inputs x {len(outputs)} outputs is {pairs} derivations, more than {most_pairs} "
                f"per event (OPENLINEAGE_MAX_DERIVATIONS_PER_EVENT); split the run into several events"
            )
    alias_length = _max_length(DatasetAlias, "name")
    namespace_length = _max_length(DatasetAlias, "namespace")
    field_length = _max_length(CatalogueField, "name")
    _check_length(event.get("producer"), _max_length(Agent, "uri"), "$.producer")
    job = event.get("job")
    if isinstance(job, dict):
        _check_name(job.get("namespace"), _max_length(OpenLineageEvent, "job_namespace"), "$.job.namespace")
        _check_name(job.get("name"), _max_length(OpenLineageEvent, "job_name"), "$.job.name")
    entries = results = 0
    for where, ref in _dataset_refs(event, kind):
        if not isinstance(ref, dict):
            continue
        results += _quality_result_count(ref)
        _check_name(ref.get("namespace"), namespace_length, f"{where}.namespace")
        _check_name(ref.get("name"), alias_length, f"{where}.name")
        facet = (ref.get("facets") or {}).get("columnLineage") if isinstance(ref.get("facets"), dict) else None
        fields = facet.get("fields") if isinstance(facet, dict) else None
        if not isinstance(fields, dict):
            continue
        for column, spec in fields.items():
            at = f"{where}.facets.columnLineage.fields.{column[:50]}"
            _check_name(column, field_length, at)
            sources = spec.get("inputFields") if isinstance(spec, dict) else None
            sources = sources if isinstance(sources, list) else []
            entries += 1 + len(sources)
            for j, source in enumerate(sources):
                if isinstance(source, dict):
                    _check_name(source.get("namespace"), namespace_length, f"{at}.inputFields[{j}].namespace")
                    _check_name(source.get("name"), alias_length, f"{at}.inputFields[{j}].name")
                    _check_name(source.get("field"), field_length, f"{at}.inputFields[{j}].field")
    if results > settings.OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT:
        raise InvalidEvent(
            f"data quality: {results} assertions and column metrics is more than "
            f"{settings.OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT} per event (OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT)"
        )
    if entries > settings.OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT:
        raise InvalidEvent(
            f"column lineage: {entries} columns and input fields is more than "
            f"{settings.OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT} per event (OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT)"
        )


def _facets_validate(event: dict, kind: str) -> None:
    """The facets the applier reads, against their official facet schemas (a facet marked
    ``_deleted`` only says it is gone, and has nothing else to check)."""
    places = []
    job = event.get("job")
    if isinstance(job, dict):
        places.append(("$.job.facets", job.get("facets"), READ_FACETS["job.facets"]))
    for where, ref in _dataset_refs(event, kind):
        if isinstance(ref, dict):
            for key in ("facets", "inputFacets", "outputFacets"):
                places.append((f"{where}.{key}", ref.get(key), READ_FACETS[key]))
    for where, facets, expected in places:
        if not isinstance(facets, dict):
            continue  # the event's own schema says what is wrong with it
        for key, name in expected.items():
            facet = facets.get(key)
            if facet is None or (isinstance(facet, dict) and facet.get("_deleted") is True):
                continue
            facet_validate(facet, name, f"{where}.{key}")


def openlineage_validate(event) -> dict:
    """Check an event against the official schema of its spec version, the facets the applier
    reads against theirs, and Provcat's bounds; returns the fields to store. Raises InvalidEvent
    naming the JSON path of the first problem."""
    if not isinstance(event, dict):
        raise InvalidEvent("$: an event is a JSON object")
    try:
        schema = event_schema_for(event)
        _check_bounds(event, schema.kind)
        _facets_validate(event, schema.kind)
        event_validate(event, schema)
    except SpecError as exc:
        raise InvalidEvent(str(exc)) from None
    kind = EVENT_KINDS[schema.kind]
    stored = {
        "kind": kind,
        "event_time": _parse_time(event["eventTime"], "$.eventTime"),
        "event_type": "",
        "run_id": "",
        "job_namespace": "",
        "job_name": "",
    }
    if kind == OpenLineageEvent.Kind.RUN:
        try:
            stored["run_id"] = str(uuid.UUID(event["run"]["runId"]))
        except ValueError:
            raise InvalidEvent(f"$.run.runId: {event['run']['runId'][:100]!r} is not a UUID") from None
        stored["event_type"] = event.get("eventType") or ""
    if kind in (OpenLineageEvent.Kind.RUN, OpenLineageEvent.Kind.JOB):
        stored["job_namespace"], stored["job_name"] = event["job"]["namespace"], event["job"]["name"]
    return stored


def openlineage_events_store(*, events: list, user) -> list[OpenLineageEvent]:
    """Validate every event, then keep them all (or none) and queue their application."""
    if len(events) > settings.OPENLINEAGE_MAX_BATCH:
        raise InvalidEvent(f"a batch holds at most {settings.OPENLINEAGE_MAX_BATCH} events (OPENLINEAGE_MAX_BATCH)")
    validated = []
    for i, event in enumerate(events):
        try:
            validated.append((event, openlineage_validate(event)))
        except InvalidEvent as exc:
            raise InvalidEvent(f"event {i}: {exc}" if len(events) > 1 else str(exc)) from None
    # One INSERT for the whole batch and one nudge for it: the worker claims pending events in
    # batches (openlineage_events_apply_pending), so it needs no id.
    with transaction.atomic():
        stored = OpenLineageEvent.objects.bulk_create(
            [OpenLineageEvent(payload=event, received_by=user, **fields) for event, fields in validated]
        )
        ids = [event.pk for event in stored]
        transaction.on_commit(lambda: _nudge(ids))
    return stored


def _nudge(ids: list[int] | None = None) -> None:
    """Ask a worker to apply the pending events (``ids`` is accepted for old callers and
    ignored: the task claims whatever is pending, oldest first)."""
    # Not at the top: provenance.tasks imports this module for the apply it runs.
    from provenance.tasks import openlineage_apply_pending

    # Broker down: the event rows stay unprocessed and the periodic sweep applies them.
    task_send_quietly(openlineage_apply_pending)


# --- applying a stored event -----------------------------------------------------------------


class _Batch:
    """What the events of one batch share, so each is looked up once per batch instead of once
    per event: the senders (with their memberships), the datasets their aliases name, the stubs
    already named by a sender's organisations, agents, activities and current derivations.

    Everything here is what the database says inside the batch's transaction; an event that
    fails has its writes undone by its savepoint, so ``forget()`` drops it all and the next
    event reads the database again."""

    def __init__(self, events: list[OpenLineageEvent]):
        self.events = events
        self.forget()
        self.users: dict[int, object] = {}
        self.organisations: dict[int | None, list[int]] = {}
        for event in events:  # one user object per sender: its memberships are read once
            if event.received_by_id is not None:
                event.received_by = self.users.setdefault(event.received_by_id, event.received_by)

    def forget(self) -> None:
        self.aliases: dict[tuple[str, str], Dataset] = {}
        self.missing: set[tuple[str, str]] = set()  # names no alias held when the batch began
        self.named: set[tuple[int, tuple[int, ...]]] = set()
        self.agents: dict[str, Agent] = {}
        self.activities: dict[str, Activity] = {}
        self.absent_activities: set[str] = set()  # keys no activity had when the batch began
        self.pairs: set[tuple[int, int]] = set()  # (source, derived) current derivations
        self.paired: set[int] = set()  # datasets whose current derivations ``pairs`` holds
        self.prefetched = False
        # Derivations of plain events (``_plain``), checked in memory and written together.
        self.derivations = DerivationBatch()
        self.deferring = False
        self.starts: list | None = None  # the STARTs of the batch's runs, read once (run_start)
        self.stub_actor = None  # the system actor writes to stubs are made as (actor_for)

    def prefetch(self) -> None:
        """Every alias the batch names, and the current derivations among them: two queries."""
        self.prefetched = True
        wanted = set()
        for event in self.events:
            wanted.update(_names_in(event.payload))
        names = {name for _, name in wanted}
        found = DatasetAlias.objects.select_related("dataset__publisher").filter(name__in=names)
        for alias in found:
            key = (alias.namespace, alias.name)
            if key in wanted:
                self.aliases[key] = alias.dataset
        self.missing = wanted - set(self.aliases)
        keys = {
            _activity_key(event, self.organisation_ids(event.received_by))
            for event in self.events
            if event.kind == OpenLineageEvent.Kind.JOB
            or (event.kind == OpenLineageEvent.Kind.RUN and event.event_type in ("COMPLETE", ""))
        }
        uris = {mint_uri("activity", key): key for key in keys}
        for activity in Activity.objects.filter(uri__in=uris):
            self.activities[uris[activity.uri]] = activity
        self.absent_activities = keys - set(self.activities)
        ids = {dataset.pk for dataset in self.aliases.values()}
        self.paired = set(ids)
        self.derivations.batch_ids |= ids
        self.pairs = set(
            Derivation.objects.current()
            .filter(derived_id__in=ids, source_id__in=ids)
            .values_list("source_id", "derived_id")
        )

    def run_start(self, run_id: str, organisation_ids: list[int]):
        """When the run started, as ``_Applier.activity_made`` reads it: the earliest START of
        ``run_id`` sent by an editor of one of ``organisation_ids`` (by a site administrator
        when there are none), from the STARTs of every run of the batch read at once."""
        if self.starts is None:
            runs = {event.run_id for event in self.events if event.run_id}
            self.starts = list(
                OpenLineageEvent.objects.filter(run_id__in=runs, event_type="START").values_list(
                    "run_id", "event_time", "received_by_id", "received_by__is_superuser"
                )
            )
            senders = {sender for _, _, sender, _ in self.starts if sender is not None}
            self.editing: dict[int, set[int]] = {}
            for user_id, organisation_id in Membership.objects.filter(
                user_id__in=senders, role__in=access.EDIT_ROLES
            ).values_list("user_id", "organisation_id"):
                self.editing.setdefault(user_id, set()).add(organisation_id)
        wanted = set(organisation_ids)
        times = [
            time
            for run, time, sender, superuser in self.starts
            if run == run_id
            and time is not None
            and (self.editing.get(sender, set()) & wanted if wanted else superuser)
        ]
        return min(times, default=None)

    def organisation_ids(self, user) -> list[int]:
        key = getattr(user, "pk", None)
        if key not in self.organisations:
            self.organisations[key] = sender_organisation_ids(user)
        return self.organisations[key]


def _activity_key(event: OpenLineageEvent, organisation_ids: list[int]) -> str:
    """The key of the activity a run (by run id) or a job (by name) makes, within the sender's
    organisations (or the site, for a site administrator)."""
    scope = "-".join(f"o{pk}" for pk in organisation_ids) or "site"
    if event.kind == OpenLineageEvent.Kind.RUN:
        return f"openlineage-run-{scope}-{event.run_id}"
    job = event.payload["job"]
    digest = hashlib.sha1(f"{scope}\n{job['namespace']}\n{job['name']}".encode()).hexdigest()[:16]
    return f"openlineage-job-{digest}"


def _names_in(payload) -> set[tuple[str, str]]:
    """The (namespace, name) of every dataset an event names, column lineage sources included."""
    refs = [payload.get("dataset")] + list(payload.get("inputs") or []) + list(payload.get("outputs") or [])
    names = set()
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        if isinstance(ref.get("namespace"), str) and isinstance(ref.get("name"), str):
            names.add((ref["namespace"], ref["name"]))
        facets = ref.get("facets")
        facet = facets.get("columnLineage") if isinstance(facets, dict) else None
        fields = facet.get("fields") if isinstance(facet, dict) else None
        for spec in fields.values() if isinstance(fields, dict) else ():
            for source in (spec.get("inputFields") or []) if isinstance(spec, dict) else ():
                if isinstance(source, dict) and isinstance(source.get("namespace"), str):
                    if isinstance(source.get("name"), str):
                        names.add((source["namespace"], source["name"]))
    return names


class _Applier:
    def __init__(self, event: OpenLineageEvent, batch: _Batch | None = None):
        self.event = event
        self.payload = event.payload
        self.user = event.received_by
        self.batch = batch
        self.problems: list[str] = []
        self.datasets: dict[tuple[str, str], Dataset] = {}
        self.names: dict[int, str] = {}  # dataset pk -> the namespace/name this event called it
        # Stubs and activities belong to the organisations the sender edits for (none for a
        # site administrator), so one organisation's events never reach another's.
        self.organisation_ids = batch.organisation_ids(self.user) if batch else sender_organisation_ids(self.user)

    def dataset(self, namespace: str, name: str) -> Dataset:
        key = (namespace, name)
        if key not in self.datasets and self.batch is not None:
            dataset = self._batch_dataset(key)
            self.datasets[key] = dataset
            self.names.setdefault(dataset.pk, f"{namespace}/{name}")
        if key not in self.datasets:
            alias = (
                DatasetAlias.objects.select_related("dataset__publisher").filter(namespace=namespace, name=name).first()
            )
            if alias is not None:
                dataset = alias.dataset
                stub_named_by(dataset=dataset, organisation_ids=self.organisation_ids)
            else:
                try:
                    with transaction.atomic():
                        dataset = dataset_stub_create(namespace=namespace, name=name, named_by=self.organisation_ids)
                except IntegrityError:  # another event made the same stub a moment ago
                    dataset = (
                        DatasetAlias.objects.select_related("dataset__publisher")
                        .get(namespace=namespace, name=name)
                        .dataset
                    )
                    stub_named_by(dataset=dataset, organisation_ids=self.organisation_ids)
            self.datasets[key] = dataset
            self.names.setdefault(dataset.pk, f"{namespace}/{name}")
        return self.datasets[key]

    def _batch_dataset(self, key: tuple[str, str]) -> Dataset:
        """``dataset()`` within a batch: the alias read with the batch's, a stub made once, and
        the sender's organisations added to a stub once per batch (as ``dataset()`` does)."""
        batch, (namespace, name) = self.batch, key
        if not batch.prefetched:
            batch.prefetch()
        dataset = batch.aliases.get(key)
        if dataset is None and key not in batch.missing:  # not named in the batch: read it
            alias = DatasetAlias.objects.select_related("dataset__publisher").filter(namespace=namespace, name=name)
            alias = alias.first()
            dataset = alias.dataset if alias is not None else None
        if dataset is None:
            try:
                with transaction.atomic():
                    dataset = dataset_stub_create(namespace=namespace, name=name, named_by=self.organisation_ids)
            except IntegrityError:  # another worker made the same stub a moment ago
                dataset = DatasetAlias.objects.select_related("dataset__publisher").get(namespace=namespace, name=name)
                dataset = dataset.dataset
                stub_named_by(dataset=dataset, organisation_ids=self.organisation_ids)
            else:
                batch.paired.add(dataset.pk)  # a new stub has no derivations yet
                batch.derivations.known_new(dataset.pk)
            batch.aliases[key] = dataset
            batch.named.add((dataset.pk, tuple(self.organisation_ids)))
            return dataset
        batch.aliases[key] = dataset
        named = (dataset.pk, tuple(self.organisation_ids))
        if named not in batch.named:
            stub_named_by(dataset=dataset, organisation_ids=self.organisation_ids)
            batch.named.add(named)
        return dataset

    def may_use(self, dataset: Dataset) -> bool:
        """May the sender name ``dataset`` as a source? The rule every writer follows
        (provenance.services.derivation_add): a dataset they see, or a stub their organisation
        named (as this event just did)."""
        return self.user is not None and may_name_as_source(self.user, dataset)

    def refuse_source(self, dataset: Dataset, what: str) -> None:
        # Named only as the event named it: nothing about a dataset the sender may not see.
        self.problems.append(
            f"not applied: {what} from {self.names.get(dataset.pk, 'an input')} — that name belongs to a "
            f"dataset the sender may not see; ask its publisher to share it"
        )

    def actor_for(self, dataset: Dataset):
        """Who a write to ``dataset`` is made as: the sender, or for an unclaimed stub (which
        no sender edits) the named system actor for OpenLineage."""
        if dataset.publisher.slug == STUB_ORGANISATION_SLUG:
            if self.batch is None:
                return system_actor("openlineage")
            if self.batch.stub_actor is None:  # read (or made) once a batch, not once an event
                self.batch.stub_actor = system_actor("openlineage")
            return self.batch.stub_actor
        return self.user

    def may_change(self, dataset: Dataset) -> bool:
        if dataset.publisher.slug == STUB_ORGANISATION_SLUG:
            return True
        return self.user is not None and access.can_edit_dataset(self.user, dataset)

    def label(self, dataset: Dataset) -> str:
        """How a problem names ``dataset``: by title and slug when the sender may see it, else
        only by the name the event itself used."""
        name = self.names.get(dataset.pk, "a dataset")
        if self.user is not None and access.can_view_dataset(self.user, dataset):
            return f"“{dataset.title}” ({dataset.slug}, named {name})"
        return name

    def refuse(self, dataset: Dataset, what: str) -> None:
        self.problems.append(
            f"not applied: {what} — the sender may not change {self.label(dataset)}; "
            f"ask one of its publisher's editors to send it"
        )

    def web_iri(self, text, what: str, max_length: int = 500) -> str:
        """``text`` when it is an http(s) IRI RDF can carry (lib.iri), else "" with the reason kept."""
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            return ""
        problem = iri_problem(text, max_length=max_length)
        if problem is None and not text.lower().startswith(("http://", "https://")):
            problem = "only http(s) addresses are kept"
        if problem is not None:
            self.problems.append(f"not recorded: {what} — {problem}")
            return ""
        return text

    def agent(self) -> Agent | None:
        producer = self.web_iri(self.payload.get("producer"), "the producer as the activity's agent")
        if not producer:
            return None
        agent = self.batch.agents.get(producer) if self.batch is not None else None
        if agent is None:
            agent = Agent.objects.filter(uri=producer).first()
        if agent is None:
            try:
                with transaction.atomic():
                    agent = agent_record(
                        user=self.user,
                        data={"uri": producer, "name": producer[:200], "kind": Agent.Kind.SOFTWARE},
                    )
            except ValidationError as exc:  # not a URI Provcat can keep: the activity has no agent
                self.problems.append(f"not recorded: the producer as the activity's agent — {' '.join(exc.messages)}")
                return None
        if self.batch is not None:
            self.batch.agents[producer] = agent
        return agent

    def scope(self) -> str:
        """The part of an activity's key that says whose it is: the sender's organisations, or
        the site for a site administrator. Two organisations using one job name or run id get
        two activities."""
        return "-".join(f"o{pk}" for pk in self.organisation_ids) or "site"

    def activity(self) -> Activity:
        if self.batch is not None:  # an activity is made once and never changed by an event
            key = self.activity_key()
            if key not in self.batch.activities:
                self.batch.activities[key] = self.activity_made()
            return self.batch.activities[key]
        return self.activity_made()

    def activity_key(self) -> str:
        return _activity_key(self.event, self.organisation_ids)

    def activity_made(self) -> Activity:
        """The activity of this run (or job): the one recorded before, or a new one."""
        job = self.payload["job"]
        facets = job.get("facets") or {}
        if self.event.kind == OpenLineageEvent.Kind.RUN:
            key, kind = f"openlineage-run-{self.scope()}-{self.event.run_id}", Activity.Kind.OPENLINEAGE_RUN
            if self.batch is not None and self.batch.deferring:
                started = self.batch.run_start(self.event.run_id, self.organisation_ids)
            else:
                starts = OpenLineageEvent.objects.filter(run_id=self.event.run_id, event_type="START")
                if self.organisation_ids:  # only this organisation's START gives its run a start
                    starts = starts.filter(
                        received_by__memberships__organisation_id__in=self.organisation_ids,
                        received_by__memberships__role__in=access.EDIT_ROLES,
                    )
                else:
                    starts = starts.filter(received_by__is_superuser=True)
                started = starts.order_by("event_time").values_list("event_time", flat=True).first()
            ended = self.event.event_time
        else:
            digest = hashlib.sha1(f"{self.scope()}\n{job['namespace']}\n{job['name']}".encode()).hexdigest()[:16]
            key, kind, started, ended = f"openlineage-job-{digest}", Activity.Kind.TRANSFORMATION, None, None
        description = ((facets.get("documentation") or {}).get("description") or "")[:5000]
        known_absent = self.batch is not None and key in self.batch.absent_activities
        activity = None if known_absent else Activity.objects.filter(uri=mint_uri("activity", key)).first()
        if activity is not None:
            return activity
        source = self.web_iri((facets.get("sourceCodeLocation") or {}).get("url"), "the job's source code location")
        data = {
            "uri": mint_uri("activity", key),
            "kind": kind,
            "name": f"{job['namespace']}/{job['name']}"[:300],
            "description": description,
            "code_reference": source,
            "agent": self.agent(),
            "started_at": started or ended,
            "ended_at": ended,
        }
        record = activity_record
        if self.batch is not None and self.batch.deferring:  # checked now, written with the batch
            record = self.batch.derivations.activity
        try:
            # No savepoint: the service checks every field before it writes anything.
            return record(user=self.user, data=data)
        except ValidationError as exc:  # e.g. a code location that is not a valid URL: keep the rest
            self.problems.append(f"not recorded: the job's source code location — {' '.join(exc.messages)}")
            data["code_reference"] = ""
            return record(user=self.user, data=data)

    def derivations(self, activity: Activity, inputs: list[Dataset], outputs: list[Dataset]) -> None:
        for output in outputs:
            if not self.may_change(output):
                self.refuse(output, "derivations")
                continue
            for source in inputs:
                if source.pk == output.pk or not self.may_use(source):
                    continue
                if self.derivation_exists(source, output):
                    continue
                try:
                    deferred = self.batch is not None and self.batch.deferring
                    add = self.batch.derivations.add if deferred else derivation_add
                    add(
                        derived=output,
                        source=source,
                        activity=activity,
                        user=self.actor_for(output),
                        description=f"Recorded from OpenLineage run {self.event.run_id or activity.name}.",
                        valid_from=self.event.event_time,
                    )
                    if self.batch is not None:
                        self.batch.pairs.add((source.pk, output.pk))
                        if not deferred:
                            self.batch.derivations.note(source.pk, output.pk)
                except (ValidationError, PermissionDenied) as exc:
                    self.problems.append(
                        f"not applied: {self.label(output)} from {self.label(source)}: "
                        f"{' '.join(getattr(exc, 'messages', [str(exc)]))}"
                    )

    def derivation_exists(self, source: Dataset, derived: Dataset) -> bool:
        batch = self.batch
        if batch is not None and source.pk in batch.paired and derived.pk in batch.paired:
            return (source.pk, derived.pk) in batch.pairs
        return Derivation.objects.current().filter(derived=derived, source=source).exists()

    def field(self, dataset: Dataset, name: str) -> CatalogueField | None:
        existing = CatalogueField.objects.filter(dataset=dataset, name=name).first()
        if existing is not None or not self.may_change(dataset):
            return existing
        position = CatalogueField.objects.filter(dataset=dataset).count()
        try:
            return catalogue_services.field_save(
                dataset=dataset, user=self.actor_for(dataset), data={"name": name[:128], "position": position}
            )
        except ValidationError as exc:
            self.problems.append(f"not applied: field {name[:128]} of {self.label(dataset)}: {' '.join(exc.messages)}")
            return None

    def column_lineage(self, output: Dataset, facet: dict, activity: Activity | None) -> None:
        fields = facet.get("fields") or {}
        if not isinstance(fields, dict):
            return
        if not self.may_change(output):
            self.refuse(output, "column lineage")
            return
        for out_name, spec in fields.items():
            if not isinstance(spec, dict):
                continue
            derived = self.field(output, str(out_name))
            for source_ref in spec.get("inputFields") or []:
                if not isinstance(source_ref, dict) or not all(
                    source_ref.get(k) for k in ("namespace", "name", "field")
                ):
                    continue
                source_dataset = self.dataset(source_ref["namespace"], source_ref["name"])
                if not self.may_use(source_dataset):
                    self.refuse_source(source_dataset, f"column {out_name}")
                    continue
                source = self.field(source_dataset, str(source_ref["field"]))
                if source is None:
                    self.problems.append(
                        f"not applied: column {out_name} from {self.label(source_dataset)}.{source_ref['field']}: "
                        f"that dataset has no such field and the sender may not add one"
                    )
                    continue
                if derived is None or source.pk == derived.pk:
                    continue
                kind, description = _transformation(source_ref, spec)
                field_derivation_add(
                    derived=derived,
                    source=source,
                    kind=kind,
                    description=description,
                    activity=activity,
                    user=self.actor_for(output),
                )

    def quality(self, dataset: Dataset, facets: dict, activity: Activity | None) -> None:
        assertions = (facets.get("dataQualityAssertions") or {}).get("assertions") or []
        metrics = facets.get("dataQualityMetrics") or {}
        if not assertions and not metrics:
            return
        if not self.may_change(dataset):
            self.refuse(dataset, "quality results")
            return
        run_at = self.event.event_time
        run_by = f"{self.payload.get('producer', '')}"[:200]
        for assertion in assertions:
            if not isinstance(assertion, dict) or not assertion.get("assertion"):
                continue
            name = str(assertion.get("name") or assertion["assertion"])
            if assertion.get("column"):
                name = f"{name} ({assertion['column']})"
            if ValidationCheck.objects.filter(dataset=dataset, name=name[:200], run_at=run_at).exists():
                continue  # applied before: events are applied idempotently
            self.write(
                dataset,
                catalogue_services.validation_check_record,
                {
                    "name": name[:200],
                    "run_at": run_at,
                    "outcome": ValidationCheck.Outcome.PASS
                    if assertion.get("success")
                    else ValidationCheck.Outcome.FAIL,
                    "rule": str(assertion.get("description") or assertion.get("content") or assertion["assertion"]),
                    "run_by": run_by,
                    "activity": activity,
                },
            )
        row_count = metrics.get("rowCount")
        for column, values in (metrics.get("columnMetrics") or {}).items():
            if not isinstance(values, dict) or not isinstance(row_count, int | float) or row_count <= 0:
                continue
            if isinstance(values.get("nullCount"), int | float):
                self.measure(
                    dataset,
                    "completeness",
                    f"Share of non-empty values in {column}",
                    1 - values["nullCount"] / row_count,
                    run_at,
                )
            if isinstance(values.get("distinctCount"), int | float):
                self.measure(
                    dataset,
                    "uniqueness",
                    f"Share of distinct values in {column}",
                    min(1.0, values["distinctCount"] / row_count),
                    run_at,
                )

    def measure(self, dataset: Dataset, dimension: str, metric: str, value: float, when: datetime) -> None:
        if QualityMeasurement.objects.filter(dataset=dataset, metric=metric[:200], measured_at=when).exists():
            return  # applied before
        self.write(
            dataset,
            catalogue_services.quality_measurement_record,
            {
                "metric": metric[:200],
                "measured_at": when,
                "dimension": dimension,
                "value": max(0.0, min(1.0, value)),
                "unit": "ratio",
                "notes": "From an OpenLineage dataQualityMetrics facet.",
            },
        )

    def write(self, dataset: Dataset, service, data: dict) -> None:
        """One part written through its catalogue service, as the sender (or the system actor
        for a stub); what the service refuses becomes a problem the sender can read."""
        try:
            with transaction.atomic():
                service(dataset=dataset, user=self.actor_for(dataset), data=data)
        except (ValidationError, PermissionDenied) as exc:
            self.problems.append(
                f"not applied: {self.label(dataset)}: {' '.join(getattr(exc, 'messages', [str(exc)]))}"
            )

    def apply(self) -> None:
        kind = self.event.kind
        if kind == OpenLineageEvent.Kind.DATASET:
            ref = self.payload["dataset"]
            dataset = self.dataset(ref["namespace"], ref["name"])
            facets = ref.get("facets") or {}
            if facets.get("columnLineage"):
                self.column_lineage(dataset, facets["columnLineage"], None)
            self.quality(dataset, facets, None)
            return
        if kind == OpenLineageEvent.Kind.RUN and self.event.event_type not in ("COMPLETE", ""):
            return  # START/RUNNING/FAIL/ABORT are kept (START gives the activity's start) but make no lineage
        inputs_raw = self.payload.get("inputs") or []
        outputs_raw = self.payload.get("outputs") or []
        inputs = [self.dataset(ref["namespace"], ref["name"]) for ref in inputs_raw]
        outputs = [self.dataset(ref["namespace"], ref["name"]) for ref in outputs_raw]
        for source in {dataset.pk: dataset for dataset in inputs if not self.may_use(dataset)}.values():
            self.refuse_source(source, "lineage")
        activity = self.activity()
        self.derivations(activity, inputs, outputs)
        for ref, dataset in zip(outputs_raw, outputs, strict=True):
            facets = ref.get("facets") or {}
            if facets.get("columnLineage"):
                self.column_lineage(dataset, facets["columnLineage"], activity)
            self.quality(dataset, {**facets, **(ref.get("outputFacets") or {})}, activity)
        for ref, dataset in zip(inputs_raw, inputs, strict=True):
            self.quality(dataset, {**(ref.get("facets") or {}), **(ref.get("inputFacets") or {})}, activity)


def _transformation(source_ref: dict, spec: dict) -> tuple[str, str]:
    """Map OpenLineage's transformation type/subtype to a FieldDerivation kind."""
    subtypes = {
        "IDENTITY": FieldDerivation.Kind.IDENTITY,
        "TRANSFORMATION": FieldDerivation.Kind.TRANSFORMATION,
        "AGGREGATION": FieldDerivation.Kind.AGGREGATION,
        "FILTER": FieldDerivation.Kind.FILTER,
        "JOIN": FieldDerivation.Kind.JOIN,
        "GROUP_BY": FieldDerivation.Kind.GROUP_BY,
        "SORT": FieldDerivation.Kind.SORT,
    }
    transformations = [t for t in source_ref.get("transformations") or [] if isinstance(t, dict)]
    if transformations:
        first = transformations[0]
        if first.get("masking"):
            return FieldDerivation.Kind.MASKING, str(first.get("description") or "")
        kind = subtypes.get(str(first.get("subtype") or "").upper(), FieldDerivation.Kind.OTHER)
        return kind, str(first.get("description") or "")
    # The older facet shape: one transformationType per output field.
    kind = subtypes.get(str(spec.get("transformationType") or "").upper(), FieldDerivation.Kind.IDENTITY)
    return kind, str(spec.get("transformationDescription") or "")


def openlineage_event_apply(*, event_id: int) -> None:
    """Apply one stored event to the catalogue (idempotent; does nothing if already applied).

    An event whose application still raises (stored before today's checks, or a fault in the
    applier) is a poison event: its writes are undone, it is marked failed with the reason for
    the admin, and it is never picked up again until an admin asks ("apply again"), so it cannot
    block the events after it. A database that is down is not the event's fault: that raises,
    and the task is retried.
    """
    with transaction.atomic():
        try:
            event = (
                OpenLineageEvent.objects.select_for_update(of=("self",))
                .select_related("received_by")
                .filter(pk=event_id, processed_at__isnull=True, failed_at__isnull=True)
                .first()
            )
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # e.g. a stored time the driver cannot read back (a client-side error)
            return _event_fail(event_id, exc)
        if event is None:
            return
        applier = _Applier(event)
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this event's writes only
                applier.apply()
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            return _event_fail(event_id, exc)
        event.problems = applier.problems
        event.processed_at = timezone.now()
        event.save(update_fields=["problems", "processed_at"])


def openlineage_events_apply_pending(*, limit: int | None = None, received_before: datetime | None = None) -> int:
    """Apply the oldest pending events together, in the order they were received; returns how
    many were claimed (applied or failed).

    One transaction claims up to ``limit`` events (OPENLINEAGE_APPLY_BATCH) with FOR UPDATE SKIP
    LOCKED, so a second worker takes the next ones instead of waiting, applies each in its own
    savepoint with what the batch shares looked up once (``_Batch``), and marks them all at
    the end (``received_before``: only events received before then, for the sweep). The result is the one ``openlineage_event_apply`` gives event by event, in id
    order. An event that raises fails alone, as there: its writes are undone, it is kept with
    its error, and the others are applied. The lineage closure work the derivations record in
    the outbox is drained once for the batch, after it commits."""
    limit = limit or settings.OPENLINEAGE_APPLY_BATCH
    with transaction.atomic():
        pending = (
            OpenLineageEvent.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("received_by")
            .filter(processed_at__isnull=True, failed_at__isnull=True)
            .order_by("id")
        )
        if received_before is not None:
            pending = pending.filter(received_at__lt=received_before)
        pending = pending[:limit]
        try:
            events = list(pending)
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # a stored value the driver cannot read back: one by one, as before
            ids = list(pending.values_list("id", flat=True))
            for event_id in ids:
                openlineage_event_apply(event_id=event_id)
            return len(ids)
        _batch_apply(events)
    return len(events)


def _plain(event: OpenLineageEvent) -> bool:
    """An event whose only writes are stubs, an activity and derivations (no column lineage, no
    checks or measurements): its derivations are checked in memory and written with the batch's
    (``DerivationBatch``). Any other event reads and writes through the services one by one,
    after the derivations before it are written."""
    payload = event.payload
    if not isinstance(payload, dict):
        return False
    if event.kind == OpenLineageEvent.Kind.RUN and event.event_type not in ("COMPLETE", ""):
        return True  # makes no lineage
    if event.kind not in (OpenLineageEvent.Kind.RUN, OpenLineageEvent.Kind.JOB):
        return False
    inputs, outputs = payload.get("inputs") or [], payload.get("outputs") or []
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        return False
    for ref in inputs + outputs:
        if not isinstance(ref, dict):
            return False
        for key in ("facets", "inputFacets", "outputFacets"):
            facets = ref.get(key)
            if facets and not isinstance(facets, dict):
                return False
            if facets and any(facets.get(name) for name in ("columnLineage", *_QUALITY_FACETS)):
                return False
    return True


_QUALITY_FACETS = ("dataQualityAssertions", "dataQualityMetrics")


def _batch_apply(events: list[OpenLineageEvent]) -> None:
    batch = _Batch(events)
    applied, failed = [], []
    start = 0
    while start < len(events):
        end = start
        while end < len(events) and _plain(events[end]):
            end += 1
        if end - start > 1 and _apply_together(batch, events[start:end], applied):
            start = end
            continue
        # Not plain, alone, or one of a run failed (the run was undone): event by event.
        for event in events[start : max(end, start + 1)]:
            _apply_one(batch, event, applied, failed)
        start = max(end, start + 1)
    batch.derivations.flush()
    _mark_applied(applied)
    now = timezone.now()
    for event, error in failed:
        OpenLineageEvent.objects.filter(pk=event.pk).update(failed_at=now, error=error)


def _apply_together(batch: _Batch, run: list[OpenLineageEvent], applied: list) -> bool:
    """Apply a run of plain events under one savepoint instead of one each (two round trips an
    event saved); returns False, with all of the run's writes undone, if one of them raised, and
    the caller then applies them one by one, each in its own savepoint, so that one fails alone
    as before. Their derivations and activities are queued (``DerivationBatch``) and written
    with the batch's."""
    mark = batch.derivations.mark()
    done = []
    try:
        with transaction.atomic():
            _stubs_ahead(batch, run)
            for event in run:
                applier = _Applier(event, batch)
                batch.deferring = True
                applier.apply()
                done.append((event, applier.problems))
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        batch.derivations.discard_after(mark)  # the run's are not written
        batch.derivations.flush()  # the ones before it are, before the database is read again
        batch.forget()  # what the run looked up or made is undone
        return False
    now = timezone.now()  # the run's events were applied together
    for event, problems in done:
        event.problems, event.processed_at = problems, now
        applied.append(event)
    return True


def _mark_applied(events: list[OpenLineageEvent]) -> None:
    """Store that these events were applied, with what each found: the events without a
    problem in one UPDATE per moment they were applied (a run's share one), the others with
    bulk_update (a CASE per row, slow for hundreds)."""
    moments: dict = {}
    for event in events:
        if not event.problems:
            moments.setdefault(event.processed_at, []).append(event.pk)
    for moment, ids in moments.items():
        OpenLineageEvent.objects.filter(pk__in=ids).update(problems=[], processed_at=moment)
    with_problems = [event for event in events if event.problems]
    OpenLineageEvent.objects.bulk_update(with_problems, ["problems", "processed_at"], batch_size=500)


def _stubs_ahead(batch: _Batch, run: list[OpenLineageEvent]) -> None:
    """Make the stubs a run of plain events will name, together (``dataset_stubs_create``),
    before the run is applied: the names no alias held when the batch began, in the order the
    events name them (each event's inputs, then its outputs, as ``_Applier.apply`` asks for
    them), each named by the organisations of the first event that names it, as the run made
    one by one would. Inside the run's savepoint: a run that fails undoes them with the rest."""
    if not batch.prefetched:
        batch.prefetch()
    wanted: dict[tuple[str, str], list[int]] = {}
    for event in run:
        if event.kind == OpenLineageEvent.Kind.RUN and event.event_type not in ("COMPLETE", ""):
            continue  # makes no lineage, names no dataset
        organisation_ids = batch.organisation_ids(event.received_by)
        for ref in (event.payload.get("inputs") or []) + (event.payload.get("outputs") or []):
            key = (ref.get("namespace"), ref.get("name"))
            if key in batch.missing and key not in batch.aliases and key not in wanted:
                wanted[key] = organisation_ids
    made = dataset_stubs_create([(namespace, name, ids) for (namespace, name), ids in wanted.items()])
    for (key, organisation_ids), dataset in zip(wanted.items(), made, strict=True):
        batch.paired.add(dataset.pk)  # a new stub has no derivations yet
        batch.derivations.known_new(dataset.pk)
        batch.aliases[key] = dataset
        batch.named.add((dataset.pk, tuple(organisation_ids)))


def _apply_one(batch: _Batch, event: OpenLineageEvent, applied: list, failed: list) -> None:
    applier = _Applier(event, batch)
    batch.deferring = _plain(event)
    if not batch.deferring:  # it reads and writes as the services do: the derivations first
        batch.derivations.flush()
    mark = batch.derivations.mark()
    try:
        with transaction.atomic():  # a savepoint: a failure undoes this event's writes only
            applier.apply()
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.exception("OpenLineage event %s could not be applied; marked failed", event.pk)
        failed.append((event, f"{type(exc).__name__}: {exc}"[:2000]))
        batch.derivations.discard_after(mark)  # its derivations are not written
        batch.derivations.flush()  # the others' are, before the database is read again
        batch.forget()  # what it looked up or made may be undone
    else:
        event.problems, event.processed_at = applier.problems, timezone.now()
        applied.append(event)


def _event_fail(event_id: int, exc: Exception) -> None:
    # The traceback goes to the log for operators; the admin gets the exception's own words.
    logger.exception("OpenLineage event %s could not be applied; marked failed", event_id)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    OpenLineageEvent.objects.filter(pk=event_id).update(failed_at=timezone.now(), error=error)
