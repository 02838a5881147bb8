"""What the glossary costs at 100,000 datasets: search, suggestion, the index rebuild, the
concept page's "measured by" read and a definition change of the most-measured concept.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_glossary
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_glossary
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/14     # a Redis database no worker reads
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/glossary_load.py --seed 1         # if the copy has no glossary yet
    .venv/bin/python bench/glossary_bench.py [--runs 50] [--changes 2]

Everything runs in this process (no network): catalogue.glossary.queries for search and
suggestion, as the publisher's form and the glossary page call them; the concept page
through Django's test client when catalogue.glossary.views exists, else the queries that
page needs; catalogue.glossary.services.concept_update for a definition change, then the
search drain task (catalogue.search.tasks.search_drain) run here as one worker would.
Each read is timed once cold (the first call in the process, or after the glossary
changed) and then ``--runs`` times warm: median, p95 and max in milliseconds.

The Celery broker must be a Redis database no worker reads: the change's nudge then waits
there, and the drain is timed here. Without a broker, tasks run eagerly and the outbox's
100,000-dataset backlog of the generator would drain inside the first change.
The definition changes are left in the copy (run it on a copy, never on provcat_bench).
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
os.environ.setdefault("PROVCAT_PAGE_CACHE_SECONDS", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_ROOT", "/tmp/provcat-bench-static")

SEARCHES = {
    "a label": "household",
    "a partial word": "claim",
    "a definition word": "methodology",
    "two words": "rate population",
    "a nonsense word": "xyzzyq",
}
COLUMN_NAMES = ["household_id", "la_code", "claimant_count", "age_band", "x"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(call, runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(label: str, times: list[float], cold: float | None = None, note: str = "") -> str:
    first = f"cold {cold:7.1f}   " if cold is not None else " " * 15
    return (
        f"  {label:48s} {first}median {statistics.median(times):6.1f}   p95 {percentile(times, 0.95):6.1f}   "
        f"max {max(times):6.1f} ms   {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--changes", type=int, default=2, help="definition changes of the most-measured concept")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        sys.exit("Set CELERY_BROKER_URL to a Redis database that no worker reads (see the docstring).")

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from catalogue import access, outbox
    from catalogue.actors import system_actor
    from catalogue.glossary import queries, services
    from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme
    from catalogue.models import Dataset, Field, Membership, Organisation
    from catalogue.search.tasks import search_drain

    fields = Field.objects.count()
    linked = Field.objects.exclude(concept_uri="").count()
    top = (
        Field.objects.exclude(concept_uri="")
        .values("concept_uri")
        .annotate(n=Count("id"))
        .order_by("-n", "concept_uri")
        .first()
    )
    if top is None or not Concept.objects.filter(uri=top["concept_uri"]).exists():
        sys.exit("No field measures a glossary concept: run bench/glossary_load.py first.")
    concept = Concept.objects.select_related("scheme").get(uri=top["concept_uri"])
    print(
        f"datasets {Dataset.objects.count():,}; fields {fields:,}, {linked:,} linked to a concept "
        f"({100 * linked / fields:.1f}%); schemes {ConceptScheme.objects.count()}, "
        f"concepts {Concept.objects.count():,}, links {ConceptLink.objects.count():,}"
    )
    print(
        f"most measured: “{concept.pref_label}” ({concept.scheme.slug}) by {top['n']:,} fields in "
        f"{Field.objects.filter(concept_uri=concept.uri).values('dataset_id').distinct().count():,} datasets"
    )

    anon = AnonymousUser()
    member, _ = get_user_model().objects.get_or_create(username="bench-glossary-member")
    dwp = Organisation.objects.get(abbreviation="DWP")
    Membership.objects.get_or_create(user=member, organisation=dwp, defaults={"role": Membership.Role.EDITOR})

    # Reads: the first call in this process builds the index; then warm.
    print(f"\nglossary search (queries.glossary_search, limit 50; {args.runs} warm runs), anonymous user:")
    for number, (label, q) in enumerate(SEARCHES.items()):
        cold = timed(lambda q=q: queries.glossary_search(anon, q), 1)[0]
        times = timed(lambda q=q: queries.glossary_search(anon, q), args.runs)
        found = queries.glossary_search(anon, q)
        best = f"“{found[0].concept.pref_label}” ({found[0].why})" if found else "nothing"
        print(line(f"{label}: {q!r}", times, cold if number == 0 else None, f"{len(found)} found, first {best}"))
    print(f"\nsuggestion (queries.suggest, limit 5), an editor of {dwp.abbreviation}:")
    for name in COLUMN_NAMES:
        times = timed(lambda name=name: queries.suggest(member, name), args.runs)
        found = queries.suggest(member, name)
        names = ", ".join(f"“{m.concept.pref_label}” ({m.concept.scheme.organisation.abbreviation})" for m in found[:3])
        print(line(f"{name!r}", times, note=names or "nothing"))

    print("\nwhere a warm call goes:")
    print(line("the index's stamp query", timed(queries._index.current, args.runs)))
    indexed, lookup = queries._index.current()
    for q in ("household", "claim"):
        asked = queries.words(q)
        matching = lookup.candidates(asked)
        print(
            line(
                f"scoring every concept ({len(indexed):,}), {q!r}",
                timed(lambda asked=asked: [queries._score(c, asked) for c in indexed], args.runs),
            )
        )
        print(
            line(
                f"lookup + scoring the {len(matching)} matching, {q!r}",
                timed(
                    lambda asked=asked: [queries._score(indexed[p], asked) for p in lookup.candidates(asked)], args.runs
                ),
            )
        )
    rebuild = timed(lambda: queries._Words.of(queries._Index._load()), max(5, args.runs // 5))
    print(line("index rebuild (read concepts, word lookup)", rebuild))

    # The concept page: every dataset and field that measures the concept.
    visible = access.visible_datasets(anon, Dataset.objects.all())
    measuring = Field.objects.filter(concept_uri=concept.uri)

    datasets = visible.filter(pk__in=measuring.values("dataset_id"))

    def page_of_datasets() -> None:
        page = list(datasets.select_related("publisher").order_by("title", "pk")[:50])
        list(measuring.filter(dataset__in=page).values_list("dataset_id", "name", "title"))

    reads = {
        "count of datasets": datasets.count,
        "datasets per organisation": lambda: list(
            datasets.values("publisher__name").annotate(n=Count("id")).order_by("-n")
        ),
        "first 50 datasets (band, publisher) + fields": page_of_datasets,
    }
    print(f"\nthe concept page's “measured by” for “{concept.pref_label}”, anonymous user:")
    for label, read in reads.items():
        cold = timed(read, 1)[0]
        print(line(label, timed(read, max(10, args.runs // 5)), cold))
    try:
        import catalogue.glossary.views  # noqa: F401  (the page exists once H1's views are merged)
    except ImportError:
        print("  (catalogue.glossary.views does not exist yet: the page itself is not timed)")
    else:
        call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages need the manifest
        client = Client()
        path = concept.get_absolute_url()

        def page() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        cold = timed(page, 1)[0]
        print(line(f"GET {path}", timed(page, max(10, args.runs // 5)), cold))

    # A definition change of the most-measured concept, then the search work it sets off.
    waiting = outbox.pending(outbox.Kind.SEARCH)
    if waiting:
        print(f"\n{waiting:,} search rows were already waiting: draining them first")
        search_drain()
    actor = system_actor("glossary-bench")
    original = concept.definition
    print(f"\ndefinition changes of “{concept.pref_label}” (services.concept_update), then the search drain:")
    for number in range(args.changes):
        definition = original if number % 2 else original + " Revised for the benchmark."
        started = time.perf_counter()
        concept = services.concept_update(actor, concept, definition=definition, change_note="Benchmark change.")
        service = time.perf_counter() - started
        rows = outbox.pending(outbox.Kind.SEARCH)
        started = time.perf_counter()
        first = queries.glossary_search(anon, "geography")
        first_search = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        drained = search_drain()
        drain = time.perf_counter() - started
        print(
            f"  change {number + 1}: service {service:.2f} s ({rows:,} search rows recorded); "
            f"next glossary search {first_search:.0f} ms (index rebuilt, {len(first)} found); "
            f"search drain {drain:.1f} s for {drained:,} rows ({drained / drain:,.0f} datasets/s)"
        )
    connection.close()


if __name__ == "__main__":
    main()
