"""Scoring many datasets in one pass (quality_assess_many: the outbox drain, the sweep and
`manage.py quality_rescore`) gives the same assessments, dataset scores and outbox records as
scoring them one at a time with quality_assess, the reference path."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from catalogue import outbox
from catalogue.models import Dataset, DerivedWork, Distribution, Keyword, LinkCheck, QualityAssessment
from catalogue.quality import services, tasks

pytestmark = pytest.mark.django_db


def _varied_catalogue() -> list[int]:
    """Generated datasets (with lineage, checks, collection methods, never scored), some
    scored since and then changed, with link checks that answered, failed or name an old
    URL, and some that fail the DCAT-AP gate."""
    from bench.generate import generate

    generate(60, seed=9)
    ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
    generated = ids[-40:]
    for pk in generated[:10]:
        services.quality_assess(dataset_id=pk)
    # Changed after their last score: a keyword more, a description gone (publication problem).
    for dataset in Dataset.objects.filter(pk__in=generated[:4]):
        dataset.keywords.add(Keyword.objects.get_or_create(name="rescored")[0])
    Dataset.objects.filter(pk__in=generated[4:6]).update(description="")
    Dataset.objects.filter(pk__in=ids[:3]).update(description="")
    # Link checks: reachable, not reachable, and one for a URL the distribution no longer has.
    for n, distribution in enumerate(Distribution.objects.filter(dataset_id__in=ids[::3]).order_by("pk")[:30]):
        url = distribution.access_url if n % 3 else "https://example.org/old"
        LinkCheck.objects.update_or_create(
            distribution=distribution,
            kind=LinkCheck.Kind.ACCESS,
            defaults={"url": url, "reachable": n % 2 == 0, "checked_at": timezone.now()},
        )
    # A dataset's stored score differs from what it will get: its record must be rebuilt.
    Dataset.objects.filter(pk__in=ids[5:8]).update(quality_score=1, quality_band="poor")
    return ids


def _outcome(score_them, ids) -> dict:
    """What scoring ``ids`` writes, rolled back afterwards so both paths start alike."""
    with transaction.atomic():
        DerivedWork.objects.all().delete()
        before = set(QualityAssessment.objects.values_list("pk", flat=True))
        score_them(ids)
        outcome = {
            "assessments": sorted(
                (a.dataset_id, a.mqa_score, a.band, a.provcat_score, a.provcat_max, repr(a.breakdown))
                for a in QualityAssessment.objects.exclude(pk__in=before)
            ),
            "outbox": sorted(DerivedWork.objects.values_list("kind", "target_id")),
            "datasets": sorted(Dataset.objects.values_list("pk", "quality_score", "quality_band")),
            "unscored": Dataset.objects.filter(pk__in=ids, quality_scored_at__isnull=True).count(),
        }
        transaction.set_rollback(True)
    return outcome


def _dcat_ap_points(breakdown: str) -> int:
    import ast

    dimensions = ast.literal_eval(breakdown)
    return next(i["points"] for d in dimensions for i in d.get("indicators", []) if i["key"] == "dcat_ap")


def one_at_a_time(ids):
    for pk in ids:
        services.quality_assess(dataset_id=pk)


def test_batch_scoring_writes_what_scoring_one_at_a_time_writes():
    ids = _varied_catalogue()
    reference = _outcome(one_at_a_time, ids)
    # The varied set exercises every branch: new and unchanged assessments, changed stored
    # scores (RDF rebuilt), and both answers of the DCAT-AP gate.
    assert 0 < len(reference["assessments"]) < len(ids)
    kinds = {kind for kind, _ in reference["outbox"]}
    assert kinds == {outbox.Kind.SEARCH, outbox.Kind.RDF}
    assert {_dcat_ap_points(a[5]) for a in reference["assessments"]} == {0, 30}
    assert reference["unscored"] == 0

    assert _outcome(lambda ids: services.quality_assess_many(ids), ids) == reference
    # In batches that split the set unevenly, and through the command that scores everything.
    assert (
        _outcome(lambda ids: [services.quality_assess_many(ids[i : i + 7]) for i in range(0, len(ids), 7)], ids)
        == reference
    )
    assert _outcome(lambda ids: call_command("quality_rescore", "--all", "--batch-size", "13"), ids) == reference


def test_the_drain_and_the_sweep_score_in_batches_like_one_at_a_time():
    ids = _varied_catalogue()
    reference = _outcome(one_at_a_time, ids)

    def drain(ids):
        outbox.record(outbox.Kind.QUALITY, ids)
        assert tasks.quality_score_datasets() == len(ids)
        DerivedWork.objects.filter(kind=outbox.Kind.QUALITY).delete()

    assert _outcome(drain, ids) == reference

    def sweep(ids):
        Dataset.objects.update(quality_scored_at=None)
        assert tasks.quality_sweep(limit=len(ids)) == len(ids)

    assert _outcome(sweep, ids) == reference


def test_ids_of_deleted_datasets_are_skipped():
    from bench.generate import generate

    generate(3, seed=9)
    pk = Dataset.objects.order_by("pk").values_list("pk", flat=True).first()
    assert services.quality_assess_many([pk, 10**9]) == 1
    assert services.quality_assess_many([10**9]) == 0


def test_the_rescore_command_says_which_datasets():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--all or --unscored"):
        call_command("quality_rescore")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("quality_rescore", "--all", "--batch-size", "0")
