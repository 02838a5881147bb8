"""Writes of the quality capability: a dataset's score and the link checks behind its
accessibility dimension. Run by workers from the outbox; nobody edits these by hand."""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from catalogue import outbox
from catalogue.locks import QUALITY_ASSESSMENTS, lock_datasets
from catalogue.models import Dataset, Distribution, LinkCheck, QualityAssessment
from catalogue.own_site import is_own_url, own_url_answer
from catalogue.quality.facts import facts_for_dataset, facts_for_datasets
from catalogue.quality.score import score
from lib.collector import collector_paused
from lib.netpolicy import RefusedAddress, fetch


def quality_assess(*, dataset_id: int):
    """Compute the dataset's score now, store it on the dataset, and keep it in the history
    when it differs from the last one."""

    started = timezone.now()
    dataset = Dataset.objects.select_related("publisher", "licence", "frequency").filter(pk=dataset_id).first()
    if dataset is None:
        return None
    result = score(facts_for_dataset(dataset, now=started))
    breakdown = [d.as_dict() for d in result.dimensions] + [result.provcat.as_dict()]
    with transaction.atomic():
        lock_datasets(QUALITY_ASSESSMENTS, [dataset_id])  # two workers scoring it take turns
        latest = QualityAssessment.objects.filter(dataset_id=dataset_id).order_by("-computed_at").first()
        if latest is None or (latest.mqa_score, latest.provcat_score, latest.breakdown) != (
            result.mqa_score,
            result.provcat_score,
            breakdown,
        ):
            # The search page shows the score and filters on its band.
            outbox.record(outbox.Kind.SEARCH, [dataset_id])
            latest = QualityAssessment.objects.create(
                dataset_id=dataset_id,
                computed_at=started,
                mqa_score=result.mqa_score,
                band=result.band,
                provcat_score=result.provcat_score,
                provcat_max=result.provcat.maximum,
                breakdown=breakdown,
            )
        # update(), not save(): a score is not an edit, so no new revision or history record.
        Dataset.objects.filter(pk=dataset_id).update(
            quality_score=result.mqa_score, quality_band=result.band, quality_scored_at=started
        )
        if (dataset.quality_score, dataset.quality_band) != (result.mqa_score, result.band):
            # The stored DCAT-AP record shows the score (dqv): it must be rebuilt.
            outbox.record(outbox.Kind.RDF, [dataset_id])
    return latest


def quality_assess_many(dataset_ids) -> int:
    """``quality_assess`` for many datasets in one pass, with the same results: the facts and
    DCAT-AP records gathered in a fixed number of queries, the SHACL gate run compiled, and
    the new assessments, dataset scores and outbox records written in bulk. Returns how many
    datasets were scored (ids of datasets that no longer exist are skipped)."""
    started = timezone.now()
    with collector_paused():
        datasets, facts = facts_for_datasets(dataset_ids, now=started)
        results = {pk: score(f) for pk, f in facts.items()}
    if not datasets:
        return 0
    with transaction.atomic():
        lock_datasets(QUALITY_ASSESSMENTS, list(datasets))  # two workers scoring one take turns
        latest = _latest_assessments(list(datasets))
        new, rescored = [], []
        for pk, result in results.items():
            breakdown = [d.as_dict() for d in result.dimensions] + [result.provcat.as_dict()]
            last = latest.get(pk)
            if last is None or (last.mqa_score, last.provcat_score, last.breakdown) != (
                result.mqa_score,
                result.provcat_score,
                breakdown,
            ):
                new.append(
                    QualityAssessment(
                        dataset_id=pk,
                        computed_at=started,
                        mqa_score=result.mqa_score,
                        band=result.band,
                        provcat_score=result.provcat_score,
                        provcat_max=result.provcat.maximum,
                        breakdown=breakdown,
                    )
                )
            dataset = datasets[pk]
            if (dataset.quality_score, dataset.quality_band) != (result.mqa_score, result.band):
                rescored.append(pk)
            dataset.quality_score, dataset.quality_band, dataset.quality_scored_at = (
                result.mqa_score,
                result.band,
                started,
            )
        # The search page shows the score and filters on its band; the stored DCAT-AP record
        # shows the score (dqv) and must be rebuilt when it changed.
        outbox.record_many({outbox.Kind.SEARCH: [a.dataset_id for a in new], outbox.Kind.RDF: rescored})
        QualityAssessment.objects.bulk_create(new)
        # bulk_update(), not save(): a score is not an edit, so no new revision or history record.
        # One dataset (a publish) is a plain UPDATE: the same row written, without the CASE.
        if len(datasets) == 1:
            [(pk, dataset)] = datasets.items()
            Dataset.objects.filter(pk=pk).update(
                quality_score=dataset.quality_score,
                quality_band=dataset.quality_band,
                quality_scored_at=dataset.quality_scored_at,
            )
        else:
            Dataset.objects.bulk_update(
                list(datasets.values()), ["quality_score", "quality_band", "quality_scored_at"], batch_size=500
            )
    return len(datasets)


def _latest_assessments(dataset_ids: list[int]) -> dict[int, QualityAssessment]:
    """dataset id -> its most recent assessment, in one query."""
    fields = ("dataset_id", "mqa_score", "provcat_score", "breakdown")
    if len(dataset_ids) == 1:  # a publish: the same row read without the correlated subquery
        latest = (
            QualityAssessment.objects.filter(dataset_id=dataset_ids[0]).order_by("-computed_at").only(*fields).first()
        )
        return {} if latest is None else {latest.dataset_id: latest}
    newest = (
        QualityAssessment.objects.filter(dataset_id=OuterRef("dataset_id")).order_by("-computed_at").values("pk")[:1]
    )
    rows = QualityAssessment.objects.filter(dataset_id__in=dataset_ids, pk=Subquery(newest)).only(*fields)
    return {a.dataset_id: a for a in rows}


def _ask(url: str, *, allow_loopback: bool, timeout: float) -> tuple[int, int | None]:
    """The status and size (Content-Length, when given) ``url`` answers with; raises OSError
    or RefusedAddress. This site's own links are asked in-process (see own_site)."""
    if is_own_url(url):
        answer = own_url_answer(url)
        if answer.elsewhere is None:
            return answer.status, answer.content_length
        url = answer.elsewhere
    response = fetch(url, allow_loopback=allow_loopback, timeout=timeout, max_bytes=1024, truncate=True)
    length = response.headers.get("content-length", "")
    return response.status, int(length) if length.isdigit() else None


def link_check_record(*, distribution_id: int, allow_loopback: bool, timeout: float) -> None:
    """Ask the distribution's access and download URLs whether they answer, and record it,
    with the size the server reported for the download."""
    distribution = Distribution.objects.filter(pk=distribution_id).first()
    if distribution is None:
        return
    urls = {LinkCheck.Kind.ACCESS: distribution.access_url, LinkCheck.Kind.DOWNLOAD: distribution.download_url}
    answers: dict[str, tuple] = {}  # a direct download gives the same URL twice: ask it once
    for kind, url in urls.items():
        if not url:
            LinkCheck.objects.filter(distribution=distribution, kind=kind).delete()
            continue
        if url not in answers:
            status, size, error = None, None, ""
            try:
                status, size = _ask(url, allow_loopback=allow_loopback, timeout=timeout)
            except RefusedAddress as exc:
                error = f"Refused: {exc}"
            except OSError as exc:
                error = str(exc)[:300]
            answers[url] = (status, size, error)
        status, size, error = answers[url]
        reachable = status is not None and status < 400
        LinkCheck.objects.update_or_create(
            distribution=distribution,
            kind=kind,
            defaults={
                "url": url,
                "checked_at": timezone.now(),
                "reachable": reachable,
                "status_code": status,
                "error": error[:300],
                "byte_size": size if reachable else None,
            },
        )
    # The accessibility dimension of the score rests on the answers.
    with transaction.atomic():
        outbox.record(outbox.Kind.QUALITY, [distribution.dataset_id])


def quality_rescore_all(*, batch_size: int = 500, progress=None) -> int:
    """Score every dataset again (after a change to the scoring method), ``batch_size`` per
    pass, each pass in its own transaction. Returns how many were scored."""
    done, last = 0, 0
    total = Dataset.objects.count()
    while True:
        ids = list(Dataset.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        done += quality_assess_many(ids)
        last = ids[-1]
        if progress is not None:
            progress(done, total)
