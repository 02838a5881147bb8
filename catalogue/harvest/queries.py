"""Reads of harvesting for its pages and API: the sources with their latest job, a source's
jobs and their record errors, and the quality of what a source brought in.

Who may see a dataset is decided in catalogue.access; sources, jobs and their reports are
public (a harvested catalogue's provenance is public information), and the datasets counted
on a source's quality page are the ones the visitor may see.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalogue import access
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestSource
from catalogue.models import Dataset, LinkCheck, Membership, Organisation, QualityAssessment
from catalogue.quality.score import BANDS, MQA_MAX

JOBS_PER_PAGE = 20
RECORD_ERRORS_PER_PAGE = 50
# The quality page's lists: the indicators missed most often, and the weakest datasets.
TOP_PROBLEMS = 10
LOWEST_DATASETS = 10
PROVCAT_DIMENSION = "provcat"
BAND_LABELS = {"excellent": "Excellent", "good": "Good", "sufficient": "Sufficient", "bad": "Bad"}


def sources_with_latest_job() -> QuerySet:
    """Every source with its organisation, the status and time of its newest job, and how many
    datasets it keeps up to date (detached ones are local now): one query."""
    newest = HarvestJob.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-id")
    kept = HarvestedDataset.objects.filter(source=OuterRef("pk"), detached_at__isnull=True)
    return (
        HarvestSource.objects.select_related("organisation")
        .annotate(
            last_job_id=Subquery(newest.values("id")[:1]),
            last_job_status=Subquery(newest.values("status")[:1]),
            last_job_at=Subquery(
                newest.annotate(at=Coalesce("finished_at", "started_at", "created_at")).values("at")[:1]
            ),
            dataset_count=Coalesce(
                Subquery(kept.order_by().values("source").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
        )
        .order_by("organisation__name", "name", "pk")
    )


def source_jobs(source: HarvestSource) -> QuerySet:
    """The source's jobs, newest first."""
    return source.jobs.order_by("-created_at", "-id")


def active_job(source: HarvestSource) -> HarvestJob | None:
    return source.jobs.filter(status__in=HarvestJob.ACTIVE).first()


def job_record_errors(job: HarvestJob) -> QuerySet:
    return job.record_errors.order_by("id")


def job_with_source(pk: int) -> HarvestJob | None:
    return HarvestJob.objects.select_related("source__organisation", "requested_by").filter(pk=pk).first()


def organisations_managed_by(user) -> QuerySet:
    """The organisations whose harvest sources ``user`` manages (all of them for site administrators)."""
    if access.sees_everything(user):
        return Organisation.objects.order_by("name")
    ids = access.member_organisation_ids(user, roles=(Membership.Role.ADMIN,))
    return Organisation.objects.filter(pk__in=ids).order_by("name")


# -- a source's quality ----------------------------------------------------------------------


def _source_datasets(user, source: HarvestSource) -> QuerySet:
    """The datasets the source keeps up to date (not detached, not withdrawn) that ``user`` may see."""
    datasets = Dataset.objects.filter(harvest__source=source, harvest__detached_at__isnull=True).exclude(
        status=Dataset.Status.WITHDRAWN
    )
    return access.visible_datasets(user, datasets)


def source_quality(user, source: HarvestSource) -> dict:
    """The score distribution of the source's datasets, their mean MQA score, the indicators
    they miss most often (from each one's latest assessment), their links' reachability and the
    weakest of them: five queries, whatever the number of datasets."""
    datasets = _source_datasets(user, source)
    bands = {f"band_{name}": Count("pk", filter=Q(quality_band=name)) for name, _ in BANDS}
    figures = datasets.aggregate(total=Count("pk"), scored=Count("quality_score"), mean=Avg("quality_score"), **bands)
    total = figures["total"]
    distribution = []
    for name, minimum in BANDS:
        count = figures[f"band_{name}"]
        distribution.append(
            {
                "band": name,
                "label": BAND_LABELS[name],
                "minimum": minimum,
                "count": count,
                "percent": _percent(count, total),
            }
        )
    unscored = total - figures["scored"]
    distribution.append(
        {
            "band": "none",
            "label": "Not scored yet",
            "minimum": None,
            "count": unscored,
            "percent": _percent(unscored, total),
        }
    )
    lowest = list(
        datasets.filter(quality_score__isnull=False)
        .only("slug", "title", "quality_score", "quality_band")
        .order_by("quality_score", "title", "pk")[:LOWEST_DATASETS]
    )
    return {
        "total": total,
        "scored": figures["scored"],
        "mean": round(figures["mean"]) if figures["mean"] is not None else None,
        "max": MQA_MAX,
        "bands": distribution,
        "problems": _common_problems(datasets, figures["scored"]),
        "links": _link_reachability(datasets),
        "lowest": lowest,
    }


def _percent(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


# Of each dataset's latest assessment (found on the narrow index columns, then read once),
# the MQA indicators short of full marks, counted by indicator and hint (PostgreSQL: one
# query over jsonb, a few dozen rows back). Provcat's own dimension is left out, as from the
# score: the page compares with the MQA's.
_PROBLEMS_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (qa.dataset_id) qa.id
    FROM catalogue_qualityassessment qa
    WHERE qa.dataset_id IN ({datasets})
    ORDER BY qa.dataset_id, qa.computed_at DESC, qa.id DESC
)
SELECT dimension.value ->> 'label', indicator.value ->> 'key', indicator.value ->> 'label',
       indicator.value ->> 'hint', COUNT(*),
       SUM((indicator.value ->> 'max')::int - (indicator.value ->> 'points')::int)
FROM latest
JOIN catalogue_qualityassessment assessment ON assessment.id = latest.id,
     jsonb_array_elements(assessment.breakdown) AS dimension,
     jsonb_array_elements(dimension.value -> 'indicators') AS indicator
WHERE dimension.value ->> 'key' <> %s
  AND (indicator.value ->> 'points')::int < (indicator.value ->> 'max')::int
GROUP BY 1, 2, 3, 4
"""


def _common_problems(datasets: QuerySet, scored: int) -> list[dict]:
    """The indicators the datasets' latest assessments miss most often, each with the hint
    most of them were given."""
    if not scored:
        return []
    rows = _problem_rows_in_sql(datasets) if connection.vendor == "postgresql" else _problem_rows_in_python(datasets)
    counts: Counter = Counter()
    lost: Counter = Counter()
    hints: dict[tuple, Counter] = {}
    for dimension, key, label, hint, count, points_lost in rows:
        indicator = (dimension, key, label)
        counts[indicator] += count
        lost[indicator] += points_lost
        hints.setdefault(indicator, Counter())[hint or ""] += count
    ordered = sorted(counts, key=lambda i: (-counts[i], -lost[i], i[1]))[:TOP_PROBLEMS]
    return [
        {
            "dimension": dimension,
            "key": key,
            "label": label,
            "count": counts[(dimension, key, label)],
            "percent": _percent(counts[(dimension, key, label)], scored),
            "points_lost": lost[(dimension, key, label)],
            "hint": min(hints[(dimension, key, label)].items(), key=lambda item: (-item[1], item[0]))[0],
        }
        for dimension, key, label in ordered
    ]


def _problem_rows_in_sql(datasets: QuerySet) -> list[tuple]:
    """(dimension, indicator key, indicator label, hint, datasets, points lost) rows, on PostgreSQL."""
    ids_sql, ids_params = datasets.order_by().values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Planned as huge (a row per indicator of every assessment), the statement would be
        # JIT-compiled: at 10,000 datasets that took 650 ms of a 900 ms query.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_PROBLEMS_SQL.format(datasets=ids_sql), [*ids_params, PROVCAT_DIMENSION])
        return cursor.fetchall()


def _problem_rows_in_python(datasets: QuerySet) -> list[tuple]:
    """The same rows where the database has no jsonb (SQLite, the embedded default)."""
    latest = QualityAssessment.objects.filter(dataset_id__in=datasets.order_by().values("pk")).order_by(
        "dataset_id", "-computed_at", "-id"
    )
    rows: Counter = Counter()
    lost: Counter = Counter()
    seen = set()
    for dataset_id, breakdown in latest.values_list("dataset_id", "breakdown").iterator():
        if dataset_id in seen:
            continue
        seen.add(dataset_id)
        for dimension in breakdown:
            if dimension.get("key") == PROVCAT_DIMENSION:
                continue
            for indicator in dimension.get("indicators", ()):
                if indicator["points"] < indicator["max"]:
                    row = (dimension["label"], indicator["key"], indicator["label"], indicator.get("hint", ""))
                    rows[row] += 1
                    lost[row] += indicator["max"] - indicator["points"]
    return [(*row, count, lost[row]) for row, count in rows.items()]


def _link_reachability(datasets: QuerySet) -> list[dict]:
    """Of the link checks of the datasets' distributions: how many answered, by kind of link."""
    rows = (
        LinkCheck.objects.filter(distribution__dataset__in=datasets.order_by().values("pk"))
        .values("kind")
        .annotate(checked=Count("pk"), reachable=Count("pk", filter=Q(reachable=True)))
        .order_by("kind")
    )
    labels = dict(LinkCheck.Kind.choices)
    return [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]),
            "checked": row["checked"],
            "reachable": row["reachable"],
            "unreachable": row["checked"] - row["reachable"],
            "percent": _percent(row["reachable"], row["checked"]),
        }
        for row in rows
    ]
