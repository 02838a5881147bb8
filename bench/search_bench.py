"""Search bench (issue 15): the analyst bench's 50 searches, and searches that need the
search to understand people: stemmed plurals, synonyms (UK/US spellings, abbreviations),
misspellings answered with "did you mean", and empty results that offer broader searches.

Run on a 100k synthetic catalogue with the search index and vocabulary built:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_<you>
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py search_reindex      # entries, facet totals and the vocabulary
    .venv/bin/python bench/search_bench.py

Measured over HTTP against gunicorn (2 sync workers, DEBUG off) on 127.0.0.1 as an
anonymous visitor, one request after another, ``--rounds`` rounds; prints p50 and p95 for
the 50 searches of bench/analyst_bench.py, for the new ones, and for each kind of new one.
The same script runs on a tree without issue 15's search (copy it there) for the "before".
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.analyst_bench import QUERIES, fetch, percentile, start_gunicorn  # noqa: E402

# Kind -> searches. The synthetic catalogue's titles say "Hospital admissions", "labour
# market", "by local authority"; misspellings are one or two letters out.
MEANING_QUERIES = {
    "stemmed": [
        "/?q=admission",
        "/?q=hospital+admission",
        "/?q=estimate+populations",
        "/?q=school+pupil",
        "/?q=road+casualty",
    ],
    "synonym": [
        "/?q=labor+market",
        "/?q=LA+population",
        "/?q=GDP",
        "/?q=NHS+waiting+times",
        "/?q=ONS+census",
    ],
    "misspelt": [
        "/?q=popualtion",
        "/?q=hospitl+admisions",
        "/?q=unemployemnt",
        "/?q=traffic+countz",
        "/?q=greenhuse+gas",
    ],
    "empty": [
        "/?q=zqxjv",
        "/?q=quokka+census+cheese",
        "/?q=population&theme=SOCI&format=PDF&checks=failing&lineage=no",
        "/?q=flood&publisher=ons",
        "/?q=labor+market&publisher=dft&format=ODS",
    ],
}


def summary(label: str, values: list[float]) -> str:
    return (
        f"{label}: n {len(values)}, p50 {statistics.median(values):.1f} ms, "
        f"p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    meaning = [q for group in MEANING_QUERIES.values() for q in group]
    # Plain HTTP on 127.0.0.1: no redirect to HTTPS (on by default with DEBUG off).
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    with tempfile.TemporaryDirectory() as static_root:
        server = start_gunicorn(args.port, static_root, 0, "")
        try:
            for path in QUERIES[:10] + meaning[:10]:  # warm both workers
                fetch(args.port, path)
            timings: dict[str, list[float]] = {}
            slowest: dict[str, float] = {}
            for _ in range(args.rounds):
                for kind, paths in [("analyst", QUERIES), *MEANING_QUERIES.items()]:
                    for path in paths:
                        status, elapsed, _size = fetch(args.port, path)
                        assert status == 200, (path, status)
                        timings.setdefault(kind, []).append(elapsed)
                        slowest[path] = max(slowest.get(path, 0.0), elapsed)
            print(summary("analyst bench's 50 searches", timings["analyst"]))
            print(summary("issue 15's 20 searches", [t for k in MEANING_QUERIES for t in timings[k]]))
            for kind in MEANING_QUERIES:
                print("  " + summary(kind, timings[kind]))
            print(summary("all", [t for values in timings.values() for t in values]))
            print(
                "slowest:", ", ".join(f"{p} {ms:.0f} ms" for p, ms in sorted(slowest.items(), key=lambda i: -i[1])[:6])
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
