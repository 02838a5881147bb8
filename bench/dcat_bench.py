"""DCAT endpoints at scale: stored-fragment pages and dumps versus the naive way.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_dcat
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_dcat
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py rdf_refresh --all --workers 2
    .venv/bin/python bench/dcat_bench.py [--runs 30] [--write]

Requests go through Django's test client in this process (the whole view, middleware
and streamed body, no network). "Naive" is what the leading catalogue does per request:
fill one rdflib Graph from the ORM for the page's datasets (same mapping, same
prefetching) and serialise it. Each full dump runs in a fresh child process that reads
the streamed body and reports wall time and its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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


def setup():
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; getrusage's ru_maxrss would carry the parent's peak
    across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_get(client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    return (time.perf_counter() - started) * 1000, size


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def naive_page(page_size: int, after: int | None) -> int:
    """One rdflib Graph from the ORM for a page, serialised as Turtle (what is done per request elsewhere)."""
    from rdflib import Graph

    from catalogue.access import catalogued_datasets
    from catalogue.models import Dataset
    from catalogue.rdf import dcat
    from catalogue.rdf.namespaces import PREFIXES
    from catalogue.rdf.record import catalogued_source_ids, record_triples, with_rdf_relations

    queryset = catalogued_datasets(Dataset.objects.all()).order_by("pk")
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    total = catalogued_datasets().count()
    datasets = list(with_rdf_relations(queryset)[:page_size])
    sources = catalogued_source_ids(datasets)
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in dcat.catalog_triples() + dcat.catalog_link_triples([(d.uri, str(d.uuid)) for d in datasets]):
        graph.add(triple)
    for triple in dcat.hydra_triples(
        view="http://testserver/catalog.ttl",
        total=total,
        page_size=page_size,
        first="http://testserver/catalog.ttl?page=1",
        last="http://testserver/catalog.ttl?page=999",
        next_="http://testserver/catalog.ttl?cursor=x",
        previous=None,
    ):
        graph.add(triple)
    for dataset in datasets:
        for triple in record_triples(dataset, public_source_ids=sources):
            graph.add(triple)
    return len(graph.serialize(format="turtle"))


def measure_pages(runs: int) -> dict:
    from django.test import Client

    from catalogue.access import catalogued_datasets
    from catalogue.dcat.pages import encode_cursor
    from catalogue.models import Dataset

    client = Client()
    ids = list(
        catalogued_datasets(Dataset.objects.filter(rdf_record__in_catalogue=True))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deep_after = ids[int(len(ids) * 0.9)]  # a page 90% of the way through the catalogue
    results = {"catalogued": len(ids)}
    for size in (100, 1000):
        n = runs if size == 100 else max(5, runs // 3)
        cases = {
            "first page": f"/catalog.ttl?page_size={size}",
            "deep page (cursor)": f"/catalog.ttl?page_size={size}&cursor={encode_cursor({'a': deep_after})}",
            "deep page (page=N offset)": f"/catalog.ttl?page_size={size}&page={int(len(ids) * 0.9) // size}",
        }
        for label, url in cases.items():
            timed_get(client, url)  # warm
            samples, size_bytes = [], 0
            for _ in range(n):
                ms, size_bytes = timed_get(client, url)
                samples.append(ms)
            p50, p95 = percentiles(samples)
            results[f"{size} {label}"] = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "bytes": size_bytes,
                "runs": n,
            }
        naive_samples = []
        naive_runs = max(3, runs // 5) if size == 100 else 3
        naive_page(size, None)
        for _ in range(naive_runs):
            started = time.perf_counter()
            naive_page(size, None)
            naive_samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(naive_samples)
        results[f"{size} naive (rdflib Graph from ORM)"] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "runs": naive_runs,
        }
    return results


def dump_child(suffix: str) -> None:
    """Run in a child process: stream one full dump and report time, size and peak RSS."""
    setup()
    from django.test import Client

    client = Client()
    client.get("/catalog.ttl?page_size=1")  # warm imports so the baseline is fair
    baseline = peak_rss_mb()
    started = time.perf_counter()
    response = client.get(f"/catalog/dump.{suffix}")
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "suffix": suffix,
                "seconds": round(seconds, 1),
                "bytes": size,
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "rss_before_mb": round(baseline, 1),
            }
        )
    )


def measure_dumps(suffixes: list[str]) -> list[dict]:
    results = []
    for suffix in suffixes:
        out = subprocess.run(
            [sys.executable, __file__, "--dump-child", suffix], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  dump .{suffix}: {results[-1]}", flush=True)
    return results


def report(pages: dict, dumps: list[dict]) -> str:
    lines = [
        "## DCAT",
        "",
        f"Catalogue: {pages['catalogued']:,} catalogued datasets of the 100,000-dataset synthetic catalogue "
        "(bench/generate.py --seed 1) on PostgreSQL, stored records built with `manage.py rdf_refresh --all`. "
        "Requests through Django's test client in-process (view + middleware + streamed body), 2-core shared machine. "
        "`bench/dcat_bench.py`.",
        "",
        "| /catalog.ttl | p50 ms | p95 ms | body |",
        "|---|---:|---:|---:|",
    ]
    for key, value in pages.items():
        if key == "catalogued":
            continue
        body = f"{value['bytes'] / 1e6:.1f} MB" if "bytes" in value else ""
        lines.append(f"| {key} | {value['p50_ms']} | {value['p95_ms']} | {body} |")
    for size in (100, 1000):
        ratio = pages[f"{size} naive (rdflib Graph from ORM)"]["p50_ms"] / pages[f"{size} first page"]["p50_ms"]
        lines.append("")
        lines.append(
            f"Page of {size}: stored fragments are {ratio:.0f}x faster than the naive rdflib Graph (p50, same run)."
        )
    lines += [
        "",
        "| full dump | wall time | size | peak RSS of the process (before the dump) |",
        "|---|---:|---:|---:|",
    ]
    for d in dumps:
        lines.append(
            f"| /catalog/dump.{d['suffix']} | {d['seconds']} s | {d['bytes'] / 1e9:.2f} GB | {d['peak_rss_mb']} MB ({d['rss_before_mb']} MB) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--dumps", default="ttl,nt,jsonld,rdf")
    parser.add_argument("--only-dumps", action="store_true", help="skip the page measurements")
    parser.add_argument("--write", action="store_true", help="append the section to bench/RESULTS.md")
    parser.add_argument("--dump-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump_child:
        dump_child(args.dump_child)
        return
    dumps = measure_dumps([s for s in args.dumps.split(",") if s])
    if args.only_dumps:
        return
    setup()
    pages = measure_pages(args.runs)
    for key, value in pages.items():
        print(f"  {key}: {value}", flush=True)
    text = report(pages, dumps)
    print(text)
    if args.write:
        results = Path(__file__).resolve().parent / "RESULTS.md"
        with results.open("a") as handle:
            handle.write(("\n" if results.exists() and results.stat().st_size else "") + text)


if __name__ == "__main__":
    main()
