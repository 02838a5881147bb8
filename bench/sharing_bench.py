"""What sharing agreements cost the recipient's reads, on the 100k synthetic catalogue.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_sharing
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_sharing
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/sharing_bench.py [--runs 20] [--levels 0,100,2500,10000]

A member of a recipient organisation reads, besides the public datasets and their own
organisation's, the datasets that agreements in force share with them: the access rule
(catalogue.access) adds them to every read as a subquery (``pk IN (SELECT dataset_id FROM
the agreements in force ...)``); the per-object check reads them once. This script measures that cost as the number of shared datasets
grows: for each level it (re)creates agreements through the services (approved by both
sides) covering that many published datasets of other organisations, restricted ones
first, then times, for a viewer of the recipient organisation, through Django's test
client in this process (no network):

- the clause's values read on their own (``covered_dataset_ids``: what the per-object check reads);
- the search page: no query, a common word, a word with a facet filter (facet counts included);
- /api/v1/datasets/?page_size=50 and the organisation page of a provider;
- the page of one shared restricted dataset.

Level 0 is the same viewer with no agreement (the baseline). Median and p95 over --runs.
The agreements it creates are left in the copy (run it on a copy, never on provcat_bench).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
os.environ.setdefault("PROVCAT_PAGE_CACHE_SECONDS", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_ROOT", "/tmp/provcat-bench-static")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--levels", default="0,100,2500,10000")
    args = parser.parse_args()

    import django

    django.setup()
    import datetime

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages need the manifest

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from catalogue.actors import system_actor
    from catalogue.models import Dataset, Field, Membership, Organisation
    from catalogue.sharing import services
    from catalogue.sharing.models import SharingAgreement, covered_dataset_ids

    actor = system_actor("sharing-bench")
    organisations = list(Organisation.objects.annotate(n=Count("datasets")).order_by("-n", "pk"))
    recipient, providers = organisations[0], organisations[1:]
    User = get_user_model()
    viewer, _ = User.objects.get_or_create(username="bench-recipient-viewer")
    Membership.objects.get_or_create(user=viewer, organisation=recipient, defaults={"role": Membership.Role.VIEWER})
    print(f"datasets: {Dataset.objects.count():,}; recipient: {recipient.name}; viewer: {viewer.username}")

    client = Client()
    client.force_login(viewer)

    def timed(path: str) -> tuple[float, float]:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        return statistics.median(times) * 1000, percentile(times, 0.95) * 1000

    def share(level: int) -> Dataset | None:
        SharingAgreement.objects.filter(recipient=recipient).delete()
        remaining, first_restricted = level, None
        today = timezone.localdate()
        for provider in providers:
            if remaining <= 0:
                break
            datasets = list(
                Dataset.objects.filter(publisher=provider, status=Dataset.Status.PUBLISHED).order_by(
                    "access_rights", "pk"
                )[:remaining]
            )
            if not datasets:
                continue
            ordered = sorted(datasets, key=lambda d: d.access_rights == Dataset.AccessRights.PUBLIC)
            first_restricted = first_restricted or next((d for d in ordered if d.access_rights != "PUBLIC"), None)
            first_field = {}
            for dataset_id, name in (
                Field.objects.filter(dataset__in=datasets)
                .order_by("dataset_id", "position", "pk")
                .values_list("dataset_id", "name")
            ):
                first_field.setdefault(dataset_id, name)
            agreement = services.agreement_propose(
                user=actor,
                provider=provider,
                recipient=recipient,
                proposed_by=provider,
                data={
                    "name": f"Bench share from {provider.name}",
                    "purpose": "Benchmark.",
                    "benefits": "Figures.",
                    "lawful_basis": "gdpr-6-1-e",
                    "retention_period": "One year.",
                    "start_date": today - datetime.timedelta(days=1),
                    "end_date": today + datetime.timedelta(days=365),
                    "contact_name": "Bench",
                    "contact_email": "bench@example.gov",
                },
                datasets=ordered,
                data_items=list(first_field.items()),
            )
            services.agreement_approve(agreement=agreement, user=actor, side="provider")
            services.agreement_approve(agreement=agreement, user=actor, side="recipient")
            remaining -= len(datasets)
        return first_restricted

    provider_slug = providers[0].slug
    paths = {
        "search, no query": "/",
        "search 'population'": "/?q=population",
        "search 'health' + facet": "/?q=health&t=HEAL",
        "API list, 50": "/api/v1/datasets/?page_size=50",
        "organisation page": f"/organisations/{provider_slug}/",
    }
    for level in [int(x) for x in args.levels.split(",")]:
        started = time.perf_counter()
        restricted = share(level)
        setup = time.perf_counter() - started
        shared = covered_dataset_ids([recipient.pk])
        clause = []
        for _ in range(args.runs):
            started = time.perf_counter()
            covered_dataset_ids([recipient.pk])
            clause.append(time.perf_counter() - started)
        print(
            f"\nshared datasets: {len(shared):,} (agreements made and approved in {setup:.1f} s); "
            f"clause query median {statistics.median(clause) * 1000:.1f} ms, p95 {percentile(clause, 0.95) * 1000:.1f} ms"
        )
        for label, path in paths.items():
            p50, p95 = timed(path)
            print(f"  {label:28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        if restricted is not None:
            p50, p95 = timed(f"/datasets/{restricted.slug}/")
            print(f"  {'shared restricted dataset page':28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
