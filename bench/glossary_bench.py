"""What the glossary costs at 100,000 datasets: search, suggestion and the index rebuild
(``queries``), the glossary's pages (``pages``), and a definition change of the
most-measured concept (``changes``).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/10     # a Redis database no worker reads
    .venv/bin/python bench/glossary_bench.py --parts queries,pages [--runs 50]
    # the changes write: on a copy only
    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_glossary
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_glossary \
        .venv/bin/python bench/glossary_bench.py --parts changes [--changes 2]

(``bench/generate.py --datasets 100000 --seed 1 --glossary`` builds such a catalogue;
``bench/glossary_load.py --seed 1`` adds the glossary to one that has none.)

Everything runs in this process (no network): catalogue.glossary.queries for search and
suggestion, as the publisher's form and the glossary page call them; the pages through
Django's test client (DEBUG off, static files collected), anonymous and signed in as an
editor of DWP: the glossary search, suggest.json, the biggest scheme's page and its Turtle
and CSV, the most-measured concept's page (its first page of fields and a later one) and
the compatibility check of two datasets of different publishers that share many concepts;
catalogue.glossary.services.concept_update for a definition change, then the search drain
task (catalogue.search.tasks.search_drain) run here as one worker would. Each read is timed
once cold (the first call in the process, or after the glossary changed) and then
``--runs`` times warm: median, p95 and max in milliseconds; for a page, the queries of one
warm request too.

The Celery broker must be a Redis database no worker reads: the change's nudge then waits
there, and the drain is timed here. Without a broker, tasks run eagerly and the outbox's
100,000-dataset backlog of the generator would drain inside the first change.
The pages part adds one user (bench-glossary-member, an editor of DWP) and nothing else.
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
PARTS = ("queries", "pages", "changes")
LATER_PAGE = 100  # a later page of the most-measured concept's fields (50 a page)


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


def _compare_pair(anon) -> tuple[str, str]:
    """Two datasets everyone sees, of different publishers, with many fields measuring the same
    concepts: the one with the most linked fields, and the one sharing most of its concepts."""
    from django.db.models import Count, Q

    from catalogue import access
    from catalogue.models import Dataset, Field

    visible = access.visible_datasets(anon, Dataset.objects.all())
    first = (
        visible.annotate(n=Count("fields", filter=~Q(fields__concept_uri="")))
        .order_by("-n", "pk")
        .values("pk", "slug")
        .first()
    )
    uris = set(
        Field.objects.filter(dataset_id=first["pk"]).exclude(concept_uri="").values_list("concept_uri", flat=True)
    )
    publisher = Dataset.objects.values_list("publisher_id", flat=True).get(pk=first["pk"])
    second = (
        Field.objects.filter(concept_uri__in=uris, dataset__in=visible.exclude(publisher_id=publisher))
        .values("dataset__slug")
        .annotate(shared=Count("concept_uri", distinct=True), n=Count("id"))
        .order_by("-shared", "-n", "dataset__slug")
        .first()
    )
    return first["slug"], second["dataset__slug"]


def _pages(runs: int, concept, member) -> None:
    """The glossary's pages through Django's test client, anonymous and signed in as ``member``:
    one cold request, then ``runs`` warm ones; the queries of one warm request."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalogue.glossary.models import ConceptScheme

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages need the manifest

    scheme = ConceptScheme.objects.annotate(n=Count("concepts")).order_by("-n", "pk").first()
    left, right = _compare_pair(AnonymousUser())
    page = concept.get_absolute_url()
    paths = {
        "search 'household'": "/glossary/?q=household",
        "search 'geography'": "/glossary/?q=geography",
        "suggest.json 'household_id'": "/glossary/suggest.json?name=household_id",
        f"scheme page ({scheme.n} concepts)": scheme.get_absolute_url(),
        "concept page, first page of fields": page,
        f"concept page, page {LATER_PAGE} of fields": f"{page}?page={LATER_PAGE}",
        "scheme as Turtle": f"/glossary/{scheme.slug}.ttl",
        "scheme as CSV": f"/glossary/{scheme.slug}.csv",
        "compare two datasets": f"/compare/?datasets={left},{right}",
    }
    print(f"\nthe pages (Django's test client in this process; {runs} warm runs):")
    print(f"  biggest scheme: {scheme.slug}; most-measured concept: {page}; compared: {left}, {right}")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(member)
    for who, client in (("anonymous", anonymous), (f"{member.username} (a member)", signed_in)):
        print(f"  as {who}:")
        for label, path in paths.items():

            def get(path=path, client=client):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response

            cold = timed(get, 1)[0]
            times = timed(get, runs)
            with CaptureQueriesContext(connection) as captured:
                size = len(get().content)
            print(line(label, times, cold, f"{len(captured)} queries, {size / 1024:,.0f} KiB"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--changes", type=int, default=2, help="definition changes of the most-measured concept")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"which parts to run, comma-separated, of: {', '.join(PARTS)} (changes write: run it on a copy)",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"--parts: one or more of {', '.join(PARTS)}")

    import django

    django.setup()
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        sys.exit("Set CELERY_BROKER_URL to a Redis database that no worker reads (see the docstring).")

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.db.models import Count

    from catalogue import outbox
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

    if "queries" in parts:
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
            names = ", ".join(
                f"“{m.concept.pref_label}” ({m.concept.scheme.organisation.abbreviation})" for m in found[:3]
            )
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
                        lambda asked=asked: [queries._score(indexed[p], asked) for p in lookup.candidates(asked)],
                        args.runs,
                    ),
                )
            )
        rebuild = timed(lambda: queries._Words.of(queries._Index._load()), max(5, args.runs // 5))
        print(line("index rebuild (read concepts, word lookup)", rebuild))

    if "pages" in parts:
        _pages(args.runs, concept, member)

    if "changes" in parts and args.changes:
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
