"""Reads behind the publisher's pages: the dashboard, the history and its diffs, the
sources a derivation may name, and the live score of an unsaved form.

Access decisions come from catalogue.access; nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from catalogue import access, workflow
from catalogue.models import (
    CollectionMethod,
    Dataset,
    DatasetDraft,
    Distribution,
    Field,
    LinkCheck,
    Organisation,
    VocabularyTerm,
)
from catalogue.publish.hints import hints_merged
from catalogue.quality.score import CHECK_PERIOD_DAYS, DatasetFacts, DistributionFacts, score
from provenance.queries import failing_dataset_ids

BANDS = ("excellent", "good", "sufficient", "bad")


def derivation_sources_for(user, dataset: Dataset | None):
    """Datasets the user may name as sources: those they can see, other than this one."""
    queryset = access.visible_datasets(user).select_related("publisher").order_by("title")
    if dataset is not None:
        queryset = queryset.exclude(pk=dataset.pk)
    return queryset


# --- the dashboard -----------------------------------------------------------------------


def overdue(dataset: Dataset, now) -> bool:
    """Published, with a regular frequency, and not changed for longer than that period."""
    if dataset.status != Dataset.Status.PUBLISHED or not dataset.frequency_id:
        return False
    days = CHECK_PERIOD_DAYS.get(dataset.frequency.code)
    if days is None:
        return False
    last = dataset.modified or dataset.published_at or dataset.updated_at
    return last is not None and now - last > timedelta(days=days)


def dashboard_for(user) -> dict:
    org_ids = access.member_organisation_ids(user)
    if user.is_superuser and not org_ids:
        datasets = Dataset.objects.all()
    else:
        datasets = Dataset.objects.filter(publisher_id__in=org_ids)
    datasets = datasets.select_related("publisher", "frequency", "review_requested_by")
    counts = {
        (row["status"], row["quality_band"] or "none"): row["n"]
        for row in datasets.values("status", "quality_band").annotate(n=Count("id"))
    }
    statuses = [s for s, _ in Dataset.Status.choices]
    table = [
        {
            "status": label,
            "cells": [counts.get((status, band), 0) for band in (*BANDS, "none")],
            "total": sum(n for (s, _), n in counts.items() if s == status),
        }
        for status, label in Dataset.Status.choices
    ]
    ids = list(datasets.values_list("pk", flat=True))
    failing = failing_dataset_ids(ids) if ids else set()
    now = timezone.now()
    candidates = datasets.filter(status=Dataset.Status.PUBLISHED, frequency__isnull=False).order_by("title")
    return {
        "organisations": access.editable_organisations(user) | _member_organisations(user),
        "manageable": [o for o in _member_organisations(user) if access.can_manage_organisation(user, o.pk)],
        "bands": BANDS,
        "table": table,
        "statuses": statuses,
        "reviews": _reviews(user, datasets),
        "published_drafts": DatasetDraft.objects.filter(dataset__in=datasets)
        .select_related("dataset", "created_by")
        .order_by("-updated_at")[:20],
        "drafts": datasets.filter(status=Dataset.Status.DRAFT, review_requested_by__isnull=True).order_by(
            "-updated_at"
        )[:20],
        "failing": datasets.filter(pk__in=failing).order_by("title"),
        "overdue": [d for d in candidates if overdue(d, now)],
        "weakest": datasets.exclude(quality_score__isnull=True).order_by("quality_score", "title")[:10],
        "total": len(ids),
    }


def _reviews(user, datasets) -> dict:
    """What waits for whom: the user's to review, the user's waiting for others (with who can
    approve when no one else in the organisation can), and the user's returned with comments."""
    reviews = workflow.reviews_for_dashboard(user, datasets)
    for item in reviews["by_others"]:
        mine = item["requested_by"] is not None and item["requested_by"].pk == user.pk
        item["note"] = workflow.only_reviewer_note(item["dataset"], user) if mine else ""
    return reviews


def _member_organisations(user):
    return Organisation.objects.filter(pk__in=access.member_organisation_ids(user))


# --- history -------------------------------------------------------------------------------

SHOWN_FIELDS = [
    *(name for name in Dataset.DESCRIPTION_FIELDS if name != "version_notes"),
    "status",
    "withdrawn_reason",
]


def history_versions(dataset: Dataset) -> list:
    return list(dataset.history.select_related("history_user").order_by("-history_date", "-history_id"))


def _parts_as_of(model, dataset: Dataset, moment) -> dict:
    rows = model.history.as_of(moment).filter(dataset_id=dataset.pk)
    if model is Distribution:
        return {r.id: f"{r.title or r.access_url} ({r.access_url})" for r in rows}
    if model is CollectionMethod:
        return {r.id: f"{CollectionMethod.MethodType(r.method_type).label}: {r.description}" for r in rows}
    return {r.id: f"{r.name}: {r.definition or '(no definition)'}" for r in rows}


def _label(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def version_diff(dataset: Dataset, older_id: int, newer_id: int) -> dict:
    """What changed between two versions: properties, keywords and themes, distributions,
    fields and the collection method (what a restore puts back)."""
    versions = {v.history_id: v for v in dataset.history.filter(history_id__in=[older_id, newer_id])}
    older, newer = versions[older_id], versions[newer_id]
    if older.history_date > newer.history_date:
        older, newer = newer, older
    changes = []
    terms = {}
    for name in SHOWN_FIELDS:
        field = Dataset._meta.get_field(name)
        before, after = getattr(older, field.attname), getattr(newer, field.attname)
        if before != after:
            if field.is_relation:
                ids = [i for i in (before, after) if i]
                terms.update({t.pk: t.label for t in VocabularyTerm.objects.filter(pk__in=ids)})
                before, after = terms.get(before), terms.get(after)
            changes.append({"field": field.verbose_name, "before": _label(before), "after": _label(after)})
    for name, attr in (("keywords", "keyword"), ("themes", "vocabularyterm")):
        before = {str(getattr(r, attr)) for r in getattr(older, name).all()}
        after = {str(getattr(r, attr)) for r in getattr(newer, name).all()}
        if before != after:
            changes.append(
                {"field": name, "before": ", ".join(sorted(before)) or "—", "after": ", ".join(sorted(after)) or "—"}
            )
    parts = []
    for model, label in ((Distribution, "Distribution"), (Field, "Field"), (CollectionMethod, "Collection method")):
        before = _parts_as_of(model, dataset, older.history_date)
        after = _parts_as_of(model, dataset, newer.history_date)
        for pk in sorted(set(before) | set(after)):
            if before.get(pk) != after.get(pk):
                parts.append({"kind": label, "before": before.get(pk, "—"), "after": after.get(pk, "—")})
    return {"older": older, "newer": newer, "changes": changes, "parts": parts}


# --- the live score of an unsaved form --------------------------------------------------------


def _rows(data, prefix: str) -> list[dict]:
    """The non-deleted rows of a formset in raw POST data."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    rows = []
    for i in range(min(total, 500)):
        row = {key[len(f"{prefix}-{i}-") :]: data.get(key) for key in data if key.startswith(f"{prefix}-{i}-")}
        if row.get("DELETE") in ("on", "true", "1"):
            continue
        if any(
            v
            for k, v in row.items()
            if k not in ("id", "dataset", "DELETE", "datatype", "required", "outcome", "dimension")
        ):
            rows.append(row)
    return rows


def _term(pk, scheme: str, terms: dict):
    try:
        return terms.get((scheme, int(pk)))
    except (TypeError, ValueError):
        return None


def live_score(data, dataset: Dataset | None) -> dict:
    """Score the form's data as it stands, without saving anything.

    Link reachability is known only for saved distributions whose URL has not changed;
    DCAT-AP conformance is estimated as "the mandatory properties are filled in".
    """
    distributions = _rows(data, "distributions")
    ids = set()
    for name in ("licence",):
        ids.add(data.get(name))
    for row in distributions:
        ids.update([row.get("format"), row.get("media_type"), row.get("licence")])
    terms = {
        (t.scheme, t.pk): t
        for t in VocabularyTerm.objects.filter(pk__in=[int(i) for i in ids if i and str(i).isdigit()])
    }
    dataset_licence = _term(data.get("licence"), "licence", terms)
    checks = {}
    if dataset is not None:
        for check in LinkCheck.objects.filter(distribution__dataset=dataset):
            checks[(check.distribution_id, check.kind, check.url)] = check.reachable
    facts_distributions = []
    for row in distributions:
        fmt = _term(row.get("format"), "file-type", terms)
        media = _term(row.get("media_type"), "media-type", terms)
        licence = _term(row.get("licence"), "licence", terms) or dataset_licence
        pk = int(row["id"]) if (row.get("id") or "").isdigit() else None
        access, download = (row.get("access_url") or "").strip(), (row.get("download_url") or "").strip()
        facts_distributions.append(
            DistributionFacts(
                access_url=access,
                download_url=download,
                has_format=fmt is not None,
                has_media_type=media is not None,
                format_from_vocabulary=fmt is not None or media is not None,
                non_proprietary=bool(fmt and fmt.non_proprietary),
                machine_readable=bool(fmt and fmt.machine_readable),
                has_licence=licence is not None,
                licence_from_vocabulary=licence is not None,
                has_rights=bool((row.get("rights") or "").strip()),
                has_byte_size=bool((row.get("byte_size") or "").strip()),
                access_reachable=checks.get((pk, "access", access)) if access else False,
                download_reachable=checks.get((pk, "download", download)) if download else False,
            )
        )
    fields = _rows(data, "fields")
    checks_rows = _rows(data, "checks")
    latest_check = None
    now = timezone.now()
    for row in checks_rows:
        latest_check = now if row.get("name") else latest_check
    if dataset is not None and latest_check is None:
        latest_check = dataset.validation_checks.aggregate(latest=Max("run_at"))["latest"]
    method_type = data.get("method-method_type") or ""
    has_method = bool(method_type and (data.get("method-description") or "").strip())
    has_sources = bool((data.get("derivation-sources") or "").strip())
    frequency = None
    if (data.get("frequency") or "").isdigit():
        frequency = VocabularyTerm.objects.filter(pk=int(data["frequency"])).values_list("code", flat=True).first()
    title, description = (data.get("title") or "").strip(), (data.get("description") or "").strip()
    keywords = [k for k in (data.get("keywords") or "").replace(";", ",").split(",") if k.strip()]
    themes = data.getlist("themes") if hasattr(data, "getlist") else data.get("themes") or []
    facts = DatasetFacts(
        keywords=len(keywords),
        themes=len(themes),
        has_spatial=bool((data.get("spatial_uri") or "").strip()),
        has_temporal=bool(data.get("temporal_start") or data.get("temporal_end")),
        has_access_rights=bool(data.get("access_rights")),
        access_rights_from_vocabulary=data.get("access_rights") in Dataset.AccessRights.values,
        has_contact_point=bool((data.get("contact_email") or "").strip() or (data.get("contact_name") or "").strip()),
        has_publisher=dataset is not None or bool(data.get("publisher")),
        has_issued=bool(data.get("issued")),
        has_modified=bool(data.get("modified")),
        dcat_ap_conforms=bool(title and description and all(d.access_url for d in facts_distributions)),
        distributions=facts_distributions,
        fields_total=len(fields),
        fields_defined=sum(1 for f in fields if (f.get("definition") or "").strip()),
        has_collection_method=has_method,
        is_derived=method_type == "derived" or has_sources,
        has_lineage=has_sources,
        latest_check_at=latest_check,
        frequency_code=frequency or "",
        now=now,
    )
    result = score(facts).as_dict()
    result["hints"] = hints_merged(result["hints"])
    return result
