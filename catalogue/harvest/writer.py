"""Turning harvested records into datasets: the only code of a harvest that writes.

For each batch of records the writer looks up what the source brought in before (one query)
and sorts every record into one of:
- new: written with the bulk service (catalogue.bulk.BulkLoad: COPY on PostgreSQL, history,
  outbox work) for the whole batch in one savepoint. Each record's rows are validated first,
  so a bad record fails alone with its reason; if the database still refuses the batch, its
  records are written again one savepoint each, so only the culprit fails;
- changed (its content hash differs, or a harvest withdrew it and the source lists it again):
  rewritten through catalogue.services.dataset_reimport in its own savepoint;
- unchanged: nothing is written but the time it was last seen (one UPDATE per batch);
- detached by an admin: left alone.
Derivations (prov:wasDerivedFrom) are applied once every record is in, since a source may list
a derived dataset before the one it comes from; datasets that left the source are withdrawn
(never deleted) only after a complete run.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid as uuid_module

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from catalogue import outbox, services
from catalogue.bulk import BulkLoad, allocate_ids
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestRecordError, HarvestSource
from catalogue.harvest.records import content_hash
from catalogue.harvest.vocab import Vocabularies
from catalogue.harvest.vocab import availability as vocab_availability
from catalogue.models import Dataset, Distribution, Field, Keyword, mint_uri, unique_slug
from catalogue.models.records import validate_iri
from provenance import services as provenance_services
from provenance.models import Activity, Derivation

logger = logging.getLogger("provcat.harvest")

# Per-record problems kept per job (the counts stay exact beyond it).
MAX_RECORD_ERRORS = 1000
_url_validator = URLValidator(schemes=["http", "https"])


class RecordRefused(Exception):
    """This record cannot be brought in; the message says why, for a publisher."""


def clean_url(value: str) -> str:
    """An http(s) URL the catalogue can store and serve, or "" (javascript:, data:, junk...)."""
    if not value or len(value) > 1000:
        return ""
    try:
        _url_validator(value)
        validate_iri(value)
    except ValidationError:
        return ""
    return value


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        parsed = parse_date(value[:10])
    except ValueError:
        return None
    return parsed if parsed and 1000 <= parsed.year <= 9999 else None


def _datetime(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        day = _date(value)
        if day is None:
            return None
        parsed = dt.datetime(day.year, day.month, day.day)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def _email(value: str) -> str:
    value = value.removeprefix("mailto:").strip()
    try:
        Dataset._meta.get_field("contact_email").clean(value, None)
    except ValidationError:
        return ""
    return value


def _fits(model, name: str, value: str, label: str) -> str:
    limit = model._meta.get_field(name).max_length
    if limit and len(value) > limit:
        raise RecordRefused(f"The {label} is {len(value)} characters long; Provcat keeps at most {limit}.")
    return value


class HarvestWriter:
    """Writes one job's records; keeps the job's counts (saved by the runner)."""

    def __init__(self, job: HarvestJob, actor):
        self.job = job
        self.source: HarvestSource = job.source
        self.actor = actor
        self.vocab = Vocabularies()
        self.now = timezone.now()
        self.listed: set[str] = set()
        self.slugs_taken: set[str] = set()
        # (dataset id, source references) of records written in this job.
        self.derivations: list[tuple[int, list[str]]] = []
        self.errors_kept = job.record_errors.count()

    # -- outcome bookkeeping

    def fail(self, identifier: str, reason: str) -> None:
        self.job.failed += 1
        if self.errors_kept < MAX_RECORD_ERRORS:
            HarvestRecordError.objects.create(job=self.job, identifier=identifier[:1000], reason=reason)
            self.errors_kept += 1

    # -- one batch

    def write_batch(self, records: list[dict]) -> None:
        """Write one batch in one transaction (so the outbox nudges go once per batch); each
        record that can fail alone does so in its own savepoint."""
        with transaction.atomic():
            self._write_batch(records)

    def _write_batch(self, records: list[dict]) -> None:
        fresh = []
        for record in records:
            identifier = record["identifier"]
            if not identifier:
                self.fail("(no identifier)", "The record has no identifier, so it cannot be recognised later.")
                continue
            if identifier in self.listed:
                self.fail(identifier, "The source lists this dataset more than once; the first one was kept.")
                continue
            self.listed.add(identifier)
            fresh.append(record)
        known = {
            h.identifier: h
            for h in HarvestedDataset.objects.filter(
                source=self.source, identifier__in=[r["identifier"] for r in fresh]
            ).select_related("dataset")
        }
        new, seen = [], []
        for record in fresh:
            origin = known.get(record["identifier"])
            digest = content_hash(record)
            if origin is None:
                new.append((record, digest))
            elif origin.detached:
                self.job.unchanged += 1
            elif origin.content_hash == digest and not origin.withdrawn_by_harvest:
                self.job.unchanged += 1
                seen.append(origin.pk)
            else:
                self._update(record, digest, origin)
        if seen:
            HarvestedDataset.objects.filter(pk__in=seen).update(last_harvested_at=self.now, last_job=self.job)
        if new:
            self._create(new)

    def mark_unchanged(self, identifiers: list[str]) -> None:
        """Records the runner found unchanged without reading them (their page was the same):
        listed, counted, and seen now."""
        fresh = [i for i in identifiers if i not in self.listed]
        self.listed.update(fresh)
        self.job.unchanged += len(fresh)
        HarvestedDataset.objects.filter(source=self.source, identifier__in=fresh).update(
            last_harvested_at=self.now, last_job=self.job
        )

    # -- records as rows

    def _dataset_values(self, record: dict) -> tuple[dict, list[str], list]:
        vocab = self.vocab
        licence = vocab.licence(record["licence"])
        frequency = vocab.term("frequency", record["frequency"])
        language = vocab.term("language", record["language"])
        spatial_uri = clean_url(record["spatial_uri"])
        if not record["title"]:
            raise RecordRefused("The dataset has no title.")
        values = {
            "title": _fits(Dataset, "title", record["title"], "title"),
            "description": record["description"],
            "contact_name": _fits(Dataset, "contact_name", record["contact_name"], "contact name"),
            "contact_email": _email(record["contact_email"]),
            "licence": licence,
            "access_rights": vocab.access_rights(record["access_rights"]),
            "temporal_start": _date(record["temporal_start"]),
            "temporal_end": _date(record["temporal_end"]),
            "spatial_uri": spatial_uri,
            "spatial_label": _fits(Dataset, "spatial_label", record["spatial_label"], "place name")
            if spatial_uri
            else "",
            "frequency": frequency,
            "language": language,
            "version": _fits(Dataset, "version", record["version"], "version"),
            "version_notes": record["version_notes"],
            "conforms_to": clean_url(record["conforms_to"]),
            "landing_page": clean_url(record["landing_page"]),
            "issued": _date(record["issued"]),
            "modified": _datetime(record["modified"]),
        }
        keywords = [k for k in record["keywords"] if len(k) <= Keyword._meta.get_field("name").max_length]
        return values, keywords, vocab.themes(record["themes"])

    def _distribution_values(self, record: dict, dataset_licence) -> list[dict]:
        rows = []
        for position, dist in enumerate(record["distributions"]):
            access_url = clean_url(dist["access_url"]) or clean_url(dist["download_url"])
            if not access_url:
                continue  # nowhere to get the data: not a distribution Provcat can show
            licence = self.vocab.licence(dist["licence"])
            checksum, algorithm = dist["checksum"].lower(), dist["checksum_algorithm"]
            lengths = {"sha256": 64, "sha1": 40, "md5": 32}
            if (
                algorithm not in lengths
                or len(checksum) != lengths[algorithm]
                or any(c not in "0123456789abcdef" for c in checksum)
            ):
                checksum, algorithm = "", ""
            size = dist["byte_size"]
            rows.append(
                {
                    "uri": clean_url(dist["uri"]),
                    "title": dist["title"][:300],
                    "description": dist["description"],
                    "access_url": access_url,
                    "download_url": clean_url(dist["download_url"]),
                    "format": self.vocab.file_type(dist["format"]),
                    "media_type": self.vocab.media_type(dist["media_type"]),
                    "byte_size": size if size is not None and 0 <= size < 2**63 else None,
                    "checksum": checksum,
                    "checksum_algorithm": algorithm,
                    "licence": licence if licence is not None and licence != dataset_licence else None,
                    "rights": dist["rights"],
                    "conforms_to": clean_url(dist["conforms_to"]),
                    "availability": vocab_availability(dist["availability"]),
                    "issued": _date(dist["issued"]),
                    "modified": _datetime(dist["modified"]),
                    "position": position,
                }
            )
        return rows

    def _field_values(self, record: dict) -> list[dict]:
        rows, names = [], set()
        datatypes = set(Field.Datatype.values)
        for position, column in enumerate(record["fields"]):
            name = column["name"]
            if not name or name in names:
                continue
            names.add(name)
            constraints = {k: v for k, v in column["constraints"].items() if k in Field.ALLOWED_CONSTRAINTS}
            rows.append(
                {
                    "name": _fits(Field, "name", name, f"column name {name[:40]!r}"),
                    "title": column["title"][:200],
                    "definition": column["definition"],
                    "datatype": column["datatype"] if column["datatype"] in datatypes else Field.Datatype.STRING,
                    "unit": column["unit"][:50],
                    "required": column["required"],
                    "constraints": constraints,
                    "concept_uri": clean_url(column["concept_uri"]),
                    "position": position,
                }
            )
        return rows

    def _origin_values(self, record: dict, digest: str) -> dict:
        return {
            "identifier": record["identifier"][:1000],
            "original_uri": record["uri"][:1000],
            "source_page": clean_url(record["source_page"]),
            "source_publisher": record["publisher_name"][:300],
            "content_hash": digest,
            "last_harvested_at": self.now,
            "withdrawn_by_harvest": False,
        }

    def _slugs(self, items: list[dict]) -> None:
        """A free slug for each prepared dataset: its title's, else with a short random suffix
        (two queries for the whole batch, not one per record)."""
        wanted = {}
        for item in items:
            base = "-".join(filter(None, slugify(item["dataset"]["title"]).replace("_", "-").split("-")))
            wanted[id(item)] = base[:80].strip("-") or "dataset"
        taken = set(Dataset.objects.filter(slug__in=set(wanted.values())).values_list("slug", flat=True))
        for attempt in range(5):
            proposals = {}
            for item in items:
                if item["dataset"]["slug"]:
                    continue
                base = wanted[id(item)]
                slug = base if attempt == 0 else f"{base}-{uuid_module.uuid4().hex[:6]}"
                if slug not in taken and slug not in self.slugs_taken and slug not in proposals.values():
                    proposals[id(item)] = slug
            if attempt:
                taken |= set(Dataset.objects.filter(slug__in=list(proposals.values())).values_list("slug", flat=True))
            for item in items:
                slug = proposals.get(id(item))
                if slug and slug not in taken:
                    item["dataset"]["slug"] = slug
                    self.slugs_taken.add(slug)
            if all(item["dataset"]["slug"] for item in items):
                return
        for item in items:  # five unlucky draws in a row: the slow, certain way
            if not item["dataset"]["slug"]:
                item["dataset"]["slug"] = unique_slug(Dataset, wanted[id(item)])

    # -- new records: the bulk service

    def _create(self, items: list[tuple[dict, str]]) -> None:
        uris = [r["uri"] for r, _ in items if r["uri"]]
        taken_uris = set(Dataset.objects.filter(uri__in=uris).values_list("uri", flat=True)) if uris else set()
        prepared = []
        check = BulkLoad(user=self.actor)
        for record, digest in items:
            try:
                prepared.append(self._prepare(record, digest, taken_uris, check))
            except RecordRefused as exc:
                self.fail(record["identifier"], str(exc))
        if not prepared:
            return
        self._slugs(prepared)
        try:
            with transaction.atomic():
                self._bulk_write(prepared)
        except (IntegrityError, DatabaseError):
            logger.info("A batch of %s was refused by the database; writing it record by record", self.source)
            for item in prepared:
                try:
                    with transaction.atomic():
                        self._bulk_write([item])
                except (IntegrityError, DatabaseError) as exc:
                    self.fail(item["record"]["identifier"], f"The catalogue could not store this record: {exc}")
                    continue
            return

    def _prepare(self, record: dict, digest: str, taken_uris: set[str], check: BulkLoad) -> dict:
        """Every row of one new record, validated; RecordRefused says what is wrong."""
        uri = clean_url(record["uri"])
        if uri and uri in taken_uris:
            holder = Dataset.objects.filter(uri=uri).select_related("publisher").first()
            raise RecordRefused(
                f"A dataset with this URI is already in the catalogue ({holder.publisher.name if holder else 'elsewhere'}); "
                "it was not overwritten."
            )
        taken_uris.add(uri)
        values, keywords, themes = self._dataset_values(record)
        uid = uuid_module.uuid4()
        dataset = {
            "uuid": uid,
            "uri": uri or mint_uri("dataset", str(uid)),
            "slug": "",
            "publisher_id": self.source.organisation_id,
            "status": Dataset.Status.PUBLISHED,
            "published_at": self.now,
            "created_by_id": self.actor.pk,
            "revision": 1,
        }
        for name, value in values.items():
            if name in ("licence", "frequency", "language"):
                dataset[f"{name}_id"] = value.pk if value is not None else None
            else:
                dataset[name] = value
        distributions = []
        for row in self._distribution_values(record, values["licence"]):
            duid = uuid_module.uuid4()
            row = {**row, "uuid": duid}
            for name in ("format", "media_type", "licence"):
                term = row.pop(name)
                row[f"{name}_id"] = term.pk if term is not None else None
            distributions.append(row)
        fields = self._field_values(record)
        try:
            check.validate(Dataset, {**dataset, "slug": "slug-checked-later"})
            for row in distributions:
                check.validate(Distribution, {**row, "uri": row["uri"] or "https://x.invalid/"})
            for row in fields:
                check.validate(Field, row)
        except ValidationError as exc:
            raise RecordRefused(f"The record does not fit the catalogue: {'; '.join(exc.messages)}") from None
        return {
            "record": record,
            "digest": digest,
            "dataset": dataset,
            "keywords": keywords,
            "themes": [t.pk for t in themes],
            "distributions": distributions,
            "fields": fields,
        }

    def _bulk_write(self, prepared: list[dict]) -> None:
        load = BulkLoad(user=self.actor)
        ids = allocate_ids(Dataset, len(prepared))
        keyword_ids = self._keyword_ids({k for item in prepared for k in item["keywords"]})
        dist_uris = [d["uri"] for item in prepared for d in item["distributions"] if d["uri"]]
        taken = (
            set(Distribution.objects.filter(uri__in=dist_uris).values_list("uri", flat=True)) if dist_uris else set()
        )
        for pk, item in zip(ids, prepared, strict=True):
            item["dataset"]["id"] = pk
            load.add(Dataset, item["dataset"], validated=True)
            for name in dict.fromkeys(k.lower() for k in item["keywords"]):
                load.add(Dataset.keywords.through, {"dataset_id": pk, "keyword_id": keyword_ids[name]})
            for theme_id in item["themes"]:
                load.add(Dataset.themes.through, {"dataset_id": pk, "vocabularyterm_id": theme_id})
            for row in item["distributions"]:
                uri = row["uri"]
                if not uri or uri in taken:
                    uri = mint_uri("distribution", str(row["uuid"]))
                taken.add(uri)
                load.add(Distribution, {**row, "uri": uri, "dataset_id": pk}, validated=True)
            for row in item["fields"]:
                load.add(Field, {**row, "dataset_id": pk}, validated=True)
            load.add(
                HarvestedDataset,
                {
                    **self._origin_values(item["record"], item["digest"]),
                    "dataset_id": pk,
                    "source_id": self.source.pk,
                    "first_harvested_at": self.now,
                    "last_job_id": self.job.pk,
                    "detached_at": None,
                    "detached_by_id": None,
                },
            )
        load.finish()
        outbox.nudge(outbox.Kind.SEARCH, outbox.Kind.RDF, outbox.Kind.QUALITY, outbox.Kind.LINEAGE)
        # New links are checked as for any new distribution (the score's accessibility counts them).
        outbox.distribution_links_changed(Distribution.objects.filter(dataset_id__in=ids).values_list("pk", flat=True))
        self.job.created += len(prepared)
        for pk, item in zip(ids, prepared, strict=True):
            if item["record"]["derived_from"]:
                self.derivations.append((pk, item["record"]["derived_from"]))

    def _keyword_ids(self, names: set[str]) -> dict[str, int]:
        """Keyword ids by lower-cased name, creating the keywords not yet known (as
        catalogue.services does: one keyword per name, whatever its case in one record)."""
        wanted: dict[str, str] = {}
        for name in sorted(names):
            wanted.setdefault(name.lower(), name)
        if not wanted:
            return {}
        Keyword.objects.bulk_create([Keyword(name=name) for name in wanted.values()], ignore_conflicts=True)
        rows = Keyword.objects.filter(name__in=list(wanted.values())).values_list("pk", "name")
        return {name.lower(): pk for pk, name in rows}

    # -- changed records: one service call each

    def _update(self, record: dict, digest: str, origin: HarvestedDataset) -> None:
        try:
            values, keywords, themes = self._dataset_values(record)
            dataset = origin.dataset
            uri = clean_url(record["uri"])
            if uri and uri != dataset.uri and Dataset.objects.filter(uri=uri).exists():
                raise RecordRefused("Another dataset in the catalogue already has this record's new URI.")
            parts = []
            for row in self._distribution_values(record, values["licence"]):
                uri_value = row.pop("uri")
                parts.append(
                    Distribution(
                        **row,
                        uri=uri_value
                        if uri_value
                        and not Distribution.objects.filter(uri=uri_value).exclude(dataset=dataset).exists()
                        else "",
                    )
                )
            parts += [Field(**row) for row in self._field_values(record)]
            if origin.withdrawn_by_harvest and dataset.status == Dataset.Status.WITHDRAWN:
                values.update(status=Dataset.Status.PUBLISHED, withdrawn_at=None, withdrawn_reason="")
            with transaction.atomic():
                services.dataset_reimport(
                    dataset=dataset, user=self.actor, data=values, keywords=keywords, themes=themes, parts=parts
                )
                HarvestedDataset.objects.filter(pk=origin.pk).update(
                    **self._origin_values(record, digest), last_job=self.job
                )
        except RecordRefused as exc:
            self.fail(record["identifier"], str(exc))
            return
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            self.fail(record["identifier"], f"The record does not fit the catalogue: {'; '.join(messages)}")
            return
        except (IntegrityError, DatabaseError) as exc:
            self.fail(record["identifier"], f"The catalogue could not store this record: {exc}")
            return
        self.job.updated += 1
        self.derivations.append((origin.pk, record["derived_from"]))

    # -- after every record: derivations and withdrawals

    def harvest_activity(self) -> Activity:
        """The prov:Activity that stands for this source's harvests in the derivations they record."""
        uri = mint_uri("activity", f"harvest-source-{self.source.pk}")
        activity = Activity.objects.filter(uri=uri).first()
        if activity is None:
            activity = provenance_services.activity_record(
                user=self.actor,
                data={
                    "uri": uri,
                    "kind": Activity.Kind.HARVEST,
                    "name": f"Harvest of {self.source.name}"[:300],
                    "description": f"Derivations stated by the harvested catalogue {self.source.url}",
                },
            )
        return activity

    def apply_derivations(self) -> None:
        """Make each written dataset's derivations those its source states (prov:wasDerivedFrom):
        in one transaction, each derivation in its own savepoint (a cycle fails alone)."""
        if not self.derivations:
            return
        with transaction.atomic():
            self._apply_derivations()

    def _apply_derivations(self) -> None:
        activity = self.harvest_activity()
        references = {ref for _, refs in self.derivations for ref in refs}
        by_uri = dict(Dataset.objects.filter(uri__in=references).values_list("uri", "pk"))
        by_identifier = dict(
            HarvestedDataset.objects.filter(source=self.source, identifier__in=references).values_list(
                "identifier", "dataset_id"
            )
        )
        for derived_id, refs in self.derivations:
            wanted = {by_uri.get(ref) or by_identifier.get(ref) for ref in refs} - {None, derived_id}
            current = {
                d.source_id: d for d in Derivation.objects.current().filter(derived_id=derived_id, activity=activity)
            }
            derived = None
            for source_id in wanted - set(current):
                derived = derived or Dataset.objects.get(pk=derived_id)
                try:
                    with transaction.atomic():
                        provenance_services.derivation_add(
                            derived=derived,
                            source=Dataset.objects.get(pk=source_id),
                            activity=activity,
                            user=self.actor,
                            description=f"Stated by the harvested catalogue {self.source.name}",
                        )
                except (ValidationError, PermissionDenied) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    identifier = (
                        HarvestedDataset.objects.filter(pk=derived_id).values_list("identifier", flat=True).first()
                    )
                    self.fail(identifier or str(derived_id), f"Its derivation was not recorded: {'; '.join(messages)}")
            for source_id in set(current) - wanted:
                provenance_services.derivation_remove(derivation=current[source_id], user=self.actor)

    def withdraw_missing(self, listed: set[str]) -> None:
        """Withdraw (never delete) the datasets of this source that a complete listing no longer has."""
        gone = (
            HarvestedDataset.objects.filter(
                source=self.source, detached_at__isnull=True, dataset__status=Dataset.Status.PUBLISHED
            )
            .exclude(identifier__in=listed)
            .select_related("dataset")
            if len(listed) < 30_000
            else [
                h
                for h in HarvestedDataset.objects.filter(
                    source=self.source, detached_at__isnull=True, dataset__status=Dataset.Status.PUBLISHED
                ).select_related("dataset")
                if h.identifier not in listed
            ]
        )
        day = self.now.date().isoformat()
        for origin in gone:
            with transaction.atomic():
                services.dataset_withdraw(
                    dataset=origin.dataset,
                    user=self.actor,
                    reason=f"The source “{self.source.name}” no longer lists this dataset (harvest of {day}).",
                )
                HarvestedDataset.objects.filter(pk=origin.pk).update(withdrawn_by_harvest=True, last_job=self.job)
            self.job.withdrawn += 1
