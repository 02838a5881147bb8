"""DCAT-AP recommended shapes: warnings on /catalog pages of 100, old code against new.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_<you>
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_<you>
    .venv/bin/python manage.py migrate
    git worktree add /tmp/provcat-before <old commit> && ln -s "$PWD/.venv" /tmp/provcat-before/.venv
    .venv/bin/python bench/shapes_bench.py --before /tmp/provcat-before [--pages 5] [--page-size 100] [--served]

For each code tree (the old one given by --before, then this one), a child process run with
that tree first on sys.path builds the same pages the way /catalog serves them (the catalogue
node, its links, and each dataset's record from catalogue.rdf.record.records_for, the
stored-record builder) straight from the database, so the bench copy needs no stored
records and nothing is written to it. Each page is validated with pyshacl (no inference)
against that tree's shapes_recommended.ttl (Warnings, counted per shape path) and against
shapes.ttl + range.ttl (Violations: must stay 0). Pages: the first page in /catalog order
(dataset id) and --pages - 1 more drawn at random (seeded) from the whole catalogue; each
dataset's record is also validated alone against the recommended shapes, as
/datasets/<slug>.ttl serves it. With --served, the first page's records are also stored
(that tree's rebuild_records: this writes RdfRecord rows into the copy) and /catalog.ttl is
fetched through the whole view (Django's test client) and validated the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _environment():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def page_graph(ids: list[int]):
    """The graph /catalog serves for these datasets (without the Hydra paging links)."""
    from django.db.models import Max, Min
    from rdflib import Graph

    from catalogue.models import Dataset
    from catalogue.rdf import dcat
    from catalogue.rdf.record import records_for

    records = records_for(ids)
    graph = Graph()
    pairs = list(Dataset.objects.filter(pk__in=list(records)).order_by("pk").values_list("uri", "uuid"))
    # /catalog dates the catalogue from its stored records; the copy has none, so from the datasets.
    dates = Dataset.objects.aggregate(issued=Min("created_at"), modified=Max("updated_at"))
    catalogue = dcat.catalog_triples(issued=dates["issued"], modified=dates["modified"])
    for triple in catalogue + dcat.catalog_link_triples([(u, str(k)) for u, k in pairs]):
        graph.add(triple)
    for triples in records.values():
        for triple in triples:
            graph.add(triple)
    return graph, records


def served_page(ids: list[int], recommended, gate) -> dict:
    """The first page as /catalog.ttl serves it over the whole view, from stored records built
    (by that tree's rebuild_records) for these datasets only: the copy's only stored records."""
    from django.test import Client
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    from catalogue.dcat.records import rebuild_records

    rebuild_records(ids)
    response = Client().get(f"/catalog.ttl?page_size={len(ids)}", secure=True)
    if response.status_code != 200:
        raise SystemExit(f"/catalog.ttl answered {response.status_code}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    graph = Graph().parse(data=body.decode(), format="turtle")
    _, report, _ = validate(graph, shacl_graph=recommended, inference="none")
    warnings = Counter(
        str(report.value(r, SH.resultPath)).replace("http://data.europa.eu/r5r/", "dcatap:")
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )
    conforms, _, _ = validate(graph, shacl_graph=gate, inference="none")
    return {"status": response.status_code, "warnings": dict(warnings), "conforms": conforms}


def child(page_ids: list[list[int]], served: bool = False) -> dict:
    import django

    django.setup()
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    shapes = Path.cwd() / "catalogue" / "rdf" / "shapes"
    recommended = Graph().parse(shapes / "shapes_recommended.ttl")
    gate = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        gate.parse(shapes / name)
    pages = []
    for ids in page_ids:
        started = time.perf_counter()
        graph, records = page_graph(ids)
        datasets = len(records)
        built = time.perf_counter() - started
        _, report, _ = validate(graph, shacl_graph=recommended, inference="none")
        warnings = Counter(
            str(report.value(r, SH.resultPath)).replace("http://data.europa.eu/r5r/", "dcatap:")
            for r in report.subjects(RDF.type, SH.ValidationResult)
        )
        _, gate_report, _ = validate(graph, shacl_graph=gate, inference="none")
        violations = sum(
            1
            for r in gate_report.subjects(RDF.type, SH.ValidationResult)
            if gate_report.value(r, SH.resultSeverity) == SH.Violation
        )
        validated = time.perf_counter() - started - built
        # Each dataset's own record (/datasets/<slug>.ttl), validated alone.
        single = Counter()
        for triples in records.values():
            alone = Graph()
            for triple in triples:
                alone.add(triple)
            _, report, _ = validate(alone, shacl_graph=recommended, inference="none")
            single[sum(1 for _ in report.subjects(RDF.type, SH.ValidationResult))] += 1
        pages.append(
            {
                "datasets": datasets,
                "record_warnings": sum(n * k for n, k in single.items()),
                "records_with_warnings": sum(k for n, k in single.items() if n),
                "triples": len(graph),
                "warnings": dict(warnings),
                "violations": violations,
                "build_s": round(built, 2),
                "validate_s": round(validated, 2),
            }
        )
    return {"pages": pages, "served": served_page(page_ids[0], recommended, gate) if served else None}


def choose_pages(count: int, size: int, seed: int) -> list[list[int]]:
    """The first page in /catalog order and count - 1 random pages (dataset ids)."""
    import django

    django.setup()
    from catalogue.access import catalogued_datasets

    ids = list(catalogued_datasets().order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    starts = [0] + sorted(rng.sample(range(size, len(ids) - size, size), count - 1)) if count > 1 else [0]
    return [ids[s : s + size] for s in starts]


def run_tree(tree: Path, pages: list[list[int]], served: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *(["--served"] if served else [])],
        input=json.dumps(pages),
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def uptime() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(before: dict, after: dict, loads: dict) -> str:
    paths = sorted({p for run in (before, after) for page in run["pages"] for p in page["warnings"]})
    lines = [
        "| shape path | " + " | ".join(f"page {i + 1} before / after" for i in range(len(before["pages"]))) + " |",
        "|---|" + "---|" * len(before["pages"]),
    ]
    for path in paths:
        cells = [
            f"{b['warnings'].get(path, 0)} / {a['warnings'].get(path, 0)}"
            for b, a in zip(before["pages"], after["pages"], strict=True)
        ]
        lines.append(f"| {path} | " + " | ".join(cells) + " |")
    for label, key in (
        ("**warnings**", None),
        ("datasets", "datasets"),
        ("violations (mandatory)", "violations"),
        ("warnings in the single records", "record_warnings"),
        ("single records with a warning", "records_with_warnings"),
    ):
        cells = []
        for b, a in zip(before["pages"], after["pages"], strict=True):
            if key is None:
                cells.append(f"**{sum(b['warnings'].values())} / {sum(a['warnings'].values())}**")
            else:
                cells.append(f"{b[key]} / {a[key]}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, run in (("before", before), ("after", after)):
        for i, page in enumerate(run["pages"]):
            per = sum(page["warnings"].values()) / max(page["datasets"], 1)
            lines.append(
                f"{name} page {i + 1}: {page['datasets']} datasets, {page['triples']} triples, "
                f"{per:.2f} warnings per dataset, built in {page['build_s']} s, validated in {page['validate_s']} s"
            )
    for name, run in (("before", before), ("after", after)):
        if run.get("served"):
            served = run["served"]
            lines.append(
                f"{name}, /catalog.ttl?page_size=100 as served from stored records (HTTP {served['status']}): "
                f"{sum(served['warnings'].values())} warnings {served['warnings']}, mandatory shapes conform: "
                f"{served['conforms']}"
            )
    lines.append(f"load average (1, 5, 15 min): before {loads['before']}, after {loads['after']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="a worktree of the old code")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--served",
        action="store_true",
        help="also store the first page's records (rebuild_records, writes to the copy) and validate "
        "/catalog.ttl as served",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _environment()
    if args.child:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(child(json.loads(sys.stdin.read()), served=args.served)))
        return
    sys.path.insert(0, str(HERE))
    pages = choose_pages(args.pages, args.page_size, args.seed)
    loads = {}
    runs = {}
    for name, tree in (("before", args.before), ("after", HERE)):
        if tree is None:
            continue
        loads[name] = uptime()
        runs[name] = run_tree(tree.resolve(), pages, args.served)
        print(f"{name}: {json.dumps(runs[name])}", flush=True)
    if "before" in runs:
        print(report(runs["before"], runs["after"], loads))


if __name__ == "__main__":
    main()
