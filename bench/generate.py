"""A synthetic catalogue shaped like government data, written with bulk inserts.

    .venv/bin/python bench/generate.py --datasets 100000 --seed 1 [--reset]

fills the database named by DATABASE_URL (SQLite by default). From tests:

    from bench.generate import generate
    summary = generate(500, seed=1)

The derivation graph is built like real government lineage rather than at random:

- a few hundred hub datasets (censuses, registers, surveys) each feed hundreds to
  thousands of others; fan-outs follow a heavy-tailed (Pareto) law, and a register's
  snapshot is sometimes derived from the previous one;
- every other dataset is a step of a pipeline of 2-10 steps (collection -> cleaned ->
  ... -> linked -> ... -> aggregated -> published), each step derived from the one before;
- pipelines sit in programmes of one organisation; "secondary" pipelines of a
  programme also use the outputs of its "primary" ones (tiers), so lineage crosses
  pipelines without turning into one giant tangle;
- about two derivations per dataset in all. Datasets are numbered in topological order
  (hubs first, pipelines in tier order) and every edge goes from a lower to a higher
  number, so the graph is acyclic by construction.

Everything is drawn from one random.Random(seed), UUIDs included, so a seed gives the
same catalogue every time. Rows go through the bulk service (catalogue.bulk.BulkLoad) as
the system actor ``provcat-generator``: every row validated as its model would, COPY on
PostgreSQL and bulk_create elsewhere, a history record per dataset, and the derived work
recorded in the outbox. save() is not called, so URIs and slugs are set here. Run the
rebuild commands afterwards (rebuild_lineage, search_reindex, rdf_refresh --all): they do
the recorded work in bulk and clear it from the outbox.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import math
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import vocab  # noqa: E402
from bench.closure_pairs import ClosureStats, closure_stats  # noqa: E402

UTC = dt.UTC
EPOCH = dt.datetime(2026, 1, 1, tzinfo=UTC)  # "now" for the synthetic catalogue, so runs are repeatable
MAX_HUBS = 300
DERIVATIONS_PER_DATASET = 2.0
HUB_EDGE_SHARE = 0.9  # hub -> dataset edges per dataset; the rest of the budget is chains and cross-links
PIPELINE_LENGTHS = list(range(2, 11))
PIPELINE_LENGTH_WEIGHTS = [8, 14, 18, 18, 14, 10, 8, 6, 4]
HUB_TARGET_STAGES = {
    "census": ["weighted", "linked", "aggregated", "modelled"],
    "register": ["linked", "deduplicated", "validated", "cleaned"],
    "survey": ["linked", "modelled", "imputed", "weighted"],
}


class CatalogueNotEmpty(RuntimeError):
    """The database already holds datasets; generate only into an empty one (or --reset)."""


# ---------------------------------------------------------------------------
# The plan: which datasets exist and how they derive from each other (no database).


@dataclass
class Pipeline:
    org: int
    programme: int
    tier: int
    subject: str
    breakdown: str
    place: int
    year: int
    frequency: str
    start: int  # index of its first dataset
    stages: list[str]


@dataclass
class Hub:
    kind: str  # census / register / survey
    title: str
    series: str
    org: int
    year: int


@dataclass
class Plan:
    n: int
    hubs: list[Hub]
    pipelines: list[Pipeline]
    pipeline_of: list[int]  # per dataset: its pipeline, -1 for hubs
    edges: list[tuple[int, int]]  # (source, derived), source < derived
    hub_fanout: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, items: list, cum_weights: list[float]):
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]


def _hub_pool() -> list[tuple[str, str, str, str, int]]:
    """(kind, title, series, org abbreviation, year) for every possible hub dataset."""
    pool = []
    for year in vocab.CENSUS_YEARS:
        for topic in vocab.CENSUS_TOPICS:
            pool.append(("census", f"Census {year}: {topic}", f"Census: {topic}", "ONS", year))
    for name, org in vocab.REGISTERS:
        for year in vocab.REGISTER_YEARS:
            pool.append(("register", f"{name}, {year} snapshot", name, org, year))
    for name, org in vocab.SURVEYS:
        for year in vocab.SURVEY_YEARS:
            pool.append(("survey", f"{name} {year}: respondent microdata", name, org, year))
    return pool


def plan_catalogue(n: int, rng: random.Random, n_orgs: int, n_hubs: int | None = None) -> Plan:
    if n < 2:
        raise ValueError("Generate at least 2 datasets.")
    orgs = vocab.ORGANISATIONS[:n_orgs]
    abbr_index = {o[1]: i for i, o in enumerate(orgs)}
    if n_hubs is None:
        n_hubs = min(MAX_HUBS, max(3, round(n * 0.003)))
    n_hubs = max(1, min(n_hubs, n // 10 or 1))

    # Hubs: censuses first, then registers, then surveys, each series in year order, so a
    # snapshot can derive from the previous one and a survey from a census.
    pool = _hub_pool()
    picked = rng.sample(pool, min(n_hubs, len(pool)))
    while len(picked) < n_hubs:  # more hubs than the pool: further releases of the same series
        kind, title, series, org, year = rng.choice(pool)
        picked.append((kind, f"{title} (release {len(picked)})", series, org, year))
    kind_rank = {"census": 0, "register": 1, "survey": 2}
    picked.sort(key=lambda h: (kind_rank[h[0]], h[2], h[4], h[1]))
    hubs = [
        Hub(kind, title, series, abbr_index.get(org, rng.randrange(len(orgs))), year)
        for kind, title, series, org, year in picked
    ]
    edges: set[tuple[int, int]] = set()
    census_hubs = [i for i, h in enumerate(hubs) if h.kind == "census"]
    for i, hub in enumerate(hubs):
        if i and hubs[i - 1].series == hub.series and rng.random() < 0.3:
            edges.add((i - 1, i))
        if hub.kind != "census" and census_hubs and rng.random() < 0.2:
            earlier = [c for c in census_hubs if c < i]
            if earlier:
                edges.add((rng.choice(earlier), i))

    # Pipelines, grouped in programmes of one organisation, laid out in tier order.
    pipelines: list[Pipeline] = []
    pipeline_of = [-1] * n_hubs
    org_weights = list(accumulate(3.0 if i < 8 else 1.0 for i in range(len(orgs))))
    length_cum = list(accumulate(PIPELINE_LENGTH_WEIGHTS))
    place_cum = list(accumulate(vocab.PLACE_WEIGHTS))
    freq_codes = [f for f, _ in vocab.PIPELINE_FREQUENCIES]
    freq_cum = list(accumulate(w for _, w in vocab.PIPELINE_FREQUENCIES))
    middle = vocab.STAGES[1:-1]
    programmes: list[list[int]] = []  # pipeline indices per programme
    next_index = n_hubs
    while next_index < n:
        org = _weighted(rng, list(range(len(orgs))), org_weights)
        size = int(math.exp(rng.uniform(math.log(3), math.log(60))))
        subject = rng.choice(orgs[org][4])
        frequency = _weighted(rng, freq_codes, freq_cum)
        members: list[int] = []
        for k in range(size):
            remaining = n - next_index
            if remaining <= 0:
                break
            length = _weighted(rng, PIPELINE_LENGTHS, length_cum)
            length = min(length, remaining)
            if remaining - length == 1:  # never leave a single dataset over
                length = length + 1 if length < 10 else length - 1
            stages = ["collection", *sorted(rng.sample(middle, max(0, length - 2)), key=middle.index)]
            stages = stages + ["published"] if length >= 2 else stages
            tier = 0 if k < max(1, round(size * 0.6)) else (1 if k < round(size * 0.9) else 2)
            pipeline = Pipeline(
                org=org,
                programme=len(programmes),
                tier=tier,
                subject=subject,
                breakdown=rng.choice(vocab.BREAKDOWNS),
                place=_weighted(rng, list(range(len(vocab.PLACES))), place_cum),
                year=rng.randint(2008, 2025),
                frequency=frequency,
                start=next_index,
                stages=stages,
            )
            members.append(len(pipelines))
            pipelines.append(pipeline)
            pipeline_of.extend([len(pipelines) - 1] * length)
            for step in range(1, length):
                edges.add((next_index + step - 1, next_index + step))
                if step >= 2 and rng.random() < 0.08:  # e.g. tables that also use the cleaned records
                    edges.add((next_index + step - 2, next_index + step))
            next_index += length
        programmes.append(members)

    # Hub fan-outs: heavy-tailed (Pareto, alpha 1.5), scaled so hubs make HUB_EDGE_SHARE
    # derivations per dataset: at 100k datasets about a hundred to a few thousand each.
    hub_budget = HUB_EDGE_SHARE * n
    fan_max = min(len(pipelines), max(n // 20, 50))
    draws = [rng.paretovariate(1.5) for _ in hubs]
    low, high = 0.0, float(n)
    for _ in range(50):  # bisect the scale so the capped fan-outs add up to the budget
        scale = (low + high) / 2
        if sum(min(fan_max, round(scale * d)) for d in draws) < hub_budget:
            low = scale
        else:
            high = scale
    fanouts = [max(1, min(fan_max, round(low * d))) for d in draws]
    for h, (hub, fanout) in enumerate(zip(hubs, fanouts, strict=True)):
        preferred = HUB_TARGET_STAGES[hub.kind]
        for p in rng.sample(range(len(pipelines)), min(fanout, len(pipelines))):
            pipeline = pipelines[p]
            if hub.kind == "register" and rng.random() < 0.15:
                step = 0  # a register as the sampling frame of a collection
            else:
                step = next((pipeline.stages.index(s) for s in preferred if s in pipeline.stages), None)
                if step is None:
                    step = rng.randrange(1, len(pipeline.stages)) if len(pipeline.stages) > 1 else 0
            edges.add((h, pipeline.start + step))

    # Cross-links inside programmes: a secondary pipeline uses a primary one's outputs.
    budget = round(DERIVATIONS_PER_DATASET * n) - len(edges)
    secondary = [p for p in range(len(pipelines)) if pipelines[p].tier > 0]
    attempts, max_attempts = 0, 20 * budget + 1000
    while budget > 0 and secondary and attempts < max_attempts:
        attempts += 1
        target = pipelines[rng.choice(secondary)]
        members = programmes[target.programme]
        lower = [q for q in members if pipelines[q].tier < target.tier]
        source_pipeline = pipelines[rng.choice(lower)]
        roll = rng.random()
        src_stages = source_pipeline.stages
        if roll < 0.6:
            s = len(src_stages) - 1
        elif roll < 0.85 and ("aggregated" in src_stages or "modelled" in src_stages):
            s = src_stages.index("aggregated" if "aggregated" in src_stages else "modelled")
        else:
            s = rng.randrange(len(src_stages))
        if "linked" in target.stages and rng.random() < 0.5:
            t = target.stages.index("linked")
        else:
            t = rng.randrange(1, len(target.stages)) if len(target.stages) > 1 else 0
        edge = (source_pipeline.start + s, target.start + t)
        if edge not in edges:
            edges.add(edge)
            budget -= 1

    ordered = sorted(edges, key=lambda e: (e[1], e[0]))
    assert all(s < d for s, d in ordered), "edges must go from lower to higher topological rank"
    return Plan(n=n, hubs=hubs, pipelines=pipelines, pipeline_of=pipeline_of, edges=ordered, hub_fanout=fanouts)


# ---------------------------------------------------------------------------
def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# How long publishers say they will keep a file (dcatap:availability): most say nothing beyond
# the form's default (Available), series with a long-term commitment say Stable, files of
# statistics in development Experimental, and a few one-off extracts Temporary.
AVAILABILITY = [("TEMPORARY", 2), ("EXPERIMENTAL", 6), ("AVAILABLE", 62), ("STABLE", 30)]


def _availability(key: uuid.UUID) -> str:
    """Drawn from the distribution's UUID, not the generator's stream, so adding it changed
    nothing else a seed generates."""
    roll = key.int % 100
    for code, weight in AVAILABILITY:
        if roll < weight:
            return code
        roll -= weight
    return AVAILABILITY[-1][0]


def _day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    moment = dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC) + dt.timedelta(minutes=rng.randrange(480))
    return min(moment, EPOCH)


# ---------------------------------------------------------------------------
# The generator.


@dataclass
class Summary:
    datasets: int
    seed: int
    rows: dict[str, int]
    derivations: int
    hubs: int
    pipelines: int
    hub_fanout: list[int]
    plan_seconds: float
    write_seconds: float
    closure: ClosureStats | None = None
    edges: list[tuple[int, int]] = field(default_factory=list, repr=False)  # (source, derived) dataset indices

    def lines(self) -> list[str]:
        fan = sorted(self.hub_fanout)
        out = [
            f"datasets={self.datasets:,} seed={self.seed} hubs={self.hubs} pipelines={self.pipelines:,}",
            f"derivations={self.derivations:,} ({self.derivations / self.datasets:.2f} per dataset)",
            f"hub fan-out: min={fan[0]} median={fan[len(fan) // 2]} max={fan[-1]}",
            "rows: " + ", ".join(f"{k}={v:,}" for k, v in self.rows.items()),
            f"rows in all={sum(self.rows.values()):,}",
            f"plan {self.plan_seconds:.1f} s, write {self.write_seconds:.1f} s",
        ]
        if self.closure:
            out += self.closure.lines()
        return out


def reset_catalogue() -> None:
    """Empty the catalogue: datasets, organisations, keywords, agents, activities, their history,
    and every table that refers to them (TRUNCATE ... CASCADE, or Django's emulation of it on
    SQLite). Raw SQL on purpose: deleting 100,000 datasets one signal at a time would queue
    work for every one of them."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    from catalogue.models import Dataset, DerivedWork, Keyword, Organisation
    from provenance.models import Activity, Agent

    # The outbox too: work recorded for the datasets being removed means nothing any more.
    models = [Dataset, Organisation, Keyword, Agent, Activity, DerivedWork]
    history = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in ("catalogue", "provenance") and m.__name__.startswith("Historical")
    ]
    tables = [m._meta.db_table for m in models + history]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses to run while deferred foreign-key checks are pending in the
            # same transaction (e.g. a test that already generated a catalogue): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def generate(
    n_datasets: int = 100_000,
    seed: int = 1,
    *,
    organisations: int = 40,
    hubs: int | None = None,
    batch_size: int = 5_000,
    reset: bool = False,
    closure: bool = False,
    progress=None,
) -> Summary:
    """Write a synthetic catalogue of n_datasets datasets; the same seed gives the same catalogue."""
    from django.conf import settings
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils.text import slugify

    from catalogue.actors import system_actor
    from catalogue.bulk import BulkLoad
    from catalogue.models import (
        CollectionMethod,
        Dataset,
        Distribution,
        Field,
        Keyword,
        Organisation,
        QualityMeasurement,
        ValidationCheck,
        VocabularyTerm,
        mint_uri,
    )
    from provenance.models import Activity, Agent, Derivation

    if not 1 <= organisations <= len(vocab.ORGANISATIONS):
        raise ValueError(f"organisations must be between 1 and {len(vocab.ORGANISATIONS)}")
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    plan = plan_catalogue(n_datasets, rng, organisations, hubs)
    plan_seconds = time.perf_counter() - started
    say(f"planned {n_datasets:,} datasets, {len(plan.edges):,} derivations in {plan_seconds:.1f} s")

    base = settings.PROVCAT_BASE_URI
    started = time.perf_counter()
    with transaction.atomic():
        if reset:
            reset_catalogue()
        existing = Dataset.objects.count()
        if existing:
            raise CatalogueNotEmpty(
                f"The database already holds {existing:,} datasets; pass --reset (reset=True) to replace them."
            )
        terms = {(t.scheme, t.code): t.pk for t in VocabularyTerm.objects.all()}
        file_types = {t.code: t.media_type for t in VocabularyTerm.objects.filter(scheme="file-type")}

        def term(scheme: str, code: str) -> int:
            try:
                return terms[(scheme, code)]
            except KeyError:
                raise LookupError(f"Vocabulary term {scheme}/{code} is missing; run migrate first.") from None

        load = BulkLoad(user=system_actor("generator"), batch_size=batch_size)
        models = [
            Organisation,
            Keyword,
            Agent,
            Dataset,
            Dataset.keywords.through,
            Dataset.themes.through,
            CollectionMethod,
            Distribution,
            Field,
            ValidationCheck,
            QualityMeasurement,
            Activity,
            Derivation,
        ]
        next_id = {}
        for model in models:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            next_id[model] = (last or 0) + 1

        def new_id(model) -> int:
            value = next_id[model]
            next_id[model] = value + 1
            return value

        # Organisations and their agents (the body itself, its pipeline software, its staff).
        orgs = vocab.ORGANISATIONS[:organisations]
        existing_orgs = dict(Organisation.objects.values_list("name", "pk"))
        org_ids, org_emails = [], []
        taken_slugs = set(Organisation.objects.values_list("slug", flat=True))
        for name, abbr, kind, _themes, subjects in orgs:
            domain = f"{slugify(abbr)}.example.gov.uk"
            org_emails.append(f"statistics@{domain}")
            if name in existing_orgs:
                org_ids.append(existing_orgs[name])
            else:
                slug = slugify(abbr)
                while slug in taken_slugs:
                    slug += "-x"
                taken_slugs.add(slug)
                pk = new_id(Organisation)
                org_ids.append(pk)
                load.add(
                    Organisation,
                    {
                        "id": pk,
                        "name": name,
                        "slug": slug,
                        "uri": mint_uri("organisation", slug),
                        "kind": kind,
                        "abbreviation": abbr,
                        "description": f"{name} publishes statistics on {', '.join(s.lower() for s in subjects[:3])}.",
                        "homepage": f"{base}/organisations/{slug}/",
                        "email": f"statistics@{domain}",
                        "requires_review": rng.random() < 0.3,
                        "created_at": EPOCH,
                        "updated_at": EPOCH,
                    },
                )
        org_agents = []
        for i, (name, abbr, _kind, _themes, _subjects) in enumerate(orgs):
            people = rng.sample(vocab.PERSON_NAMES, 3)
            specs = [(name, "organisation", org_emails[i])]
            specs += [(f"{abbr} {tool}", "software", "") for tool in vocab.PIPELINE_TOOLS[:2]]
            specs += [(p, "person", f"{p.lower().replace(' ', '.')}@{slugify(abbr)}.example.gov.uk") for p in people]
            ids = []
            for agent_name, kind, email in specs:
                key = _uuid(rng)
                pk = new_id(Agent)
                ids.append(pk)
                load.add(
                    Agent,
                    {
                        "id": pk,
                        "uuid": key,
                        "uri": mint_uri("agent", str(key)),
                        "name": agent_name,
                        "kind": kind,
                        "email": email,
                        "homepage": "",
                        "organisation_id": org_ids[i],
                    },
                )
            org_agents.append(ids)

        # Keywords: one shared pool, so keywords work as facets.
        keyword_names = set(vocab.GENERIC_KEYWORDS) | set(vocab.STAGES) | {p for p, _ in vocab.PLACES}
        keyword_names |= {"census", "register", "survey"}
        for _name, abbr, _kind, _themes, subjects in orgs:
            keyword_names.add(abbr.lower())
            keyword_names.update(s.lower() for s in subjects)
        for _kind, _title, series, _org, _year in _hub_pool():
            keyword_names.add(series.lower()[:100])
        keyword_ids = dict(Keyword.objects.values_list("name", "pk"))
        for name in sorted(keyword_names):
            if name not in keyword_ids:
                keyword_ids[name] = pk = new_id(Keyword)
                load.add(Keyword, {"id": pk, "name": name})
        load.flush()

        org_keywords = [
            [keyword_ids[abbr.lower()]] + [keyword_ids[s.lower()] for s in subjects] for _, abbr, _, _, subjects in orgs
        ]
        generic_keywords = [keyword_ids[k] for k in vocab.GENERIC_KEYWORDS]
        org_themes = [[term("theme", code) for code in themes] for _, _, _, themes, _ in orgs]
        all_themes = [pk for (scheme, _code), pk in terms.items() if scheme == "theme"]
        licence_codes = [c for c, _ in vocab.LICENCES]
        licence_cum = list(accumulate(w for _, w in vocab.LICENCES))
        format_codes = [c for c, _ in vocab.FORMATS]
        format_cum = list(accumulate(w for _, w in vocab.FORMATS))
        media_ids = {code: terms.get(("media-type", file_types.get(code, ""))) for code in format_codes}
        extensions = {"RDF_TURTLE": "ttl", "GEOJSON": "geojson", "XLSX": "xlsx", "PARQUET": "parquet"}
        language_eng, language_cym = term("language", "ENG"), term("language", "CYM")
        freq_ids = {code: pk for (scheme, code), pk in terms.items() if scheme == "frequency"}
        slugs = set(Dataset.objects.values_list("slug", flat=True))
        derived_inputs: dict[int, list[int]] = {}
        for source, derived in plan.edges:
            derived_inputs.setdefault(derived, []).append(source)
        dataset_ids = [0] * n_datasets
        issued_at: list[dt.datetime] = [EPOCH] * n_datasets
        activity_of: dict[int, int] = {}
        edge_index = 0
        dimensions = list(QualityMeasurement.Dimension.values)

        for i in range(n_datasets):
            p = plan.pipeline_of[i]
            if p < 0:
                hub = plan.hubs[i]
                org, year, stage = hub.org, hub.year, hub.kind
                title = hub.title
                place_label, place_code = (
                    ("England and Wales", "K04000001") if hub.kind == "census" else ("United Kingdom", "K02000001")
                )
                subject = hub.series
                frequency = {"census": "DECENNIAL", "register": "MONTHLY", "survey": "ANNUAL"}[hub.kind]
                description = {
                    "census": f"Results of the {year} census on {hub.series.split(': ')[-1]}, for every person and "
                    "household in England and Wales.",
                    "register": f"A snapshot of the {hub.series} taken in {year}. The register is the reference "
                    "list other statistics are linked to and weighted against.",
                    "survey": f"Record-level responses to the {hub.series} for {year}, with design weights.",
                }[hub.kind]
                if hub.kind == "census":
                    access = "PUBLIC"
                else:
                    access = "RESTRICTED" if rng.random() < 0.35 else "PUBLIC"
                status = "published"
            else:
                pipeline = plan.pipelines[p]
                org, year = pipeline.org, pipeline.year
                stage = pipeline.stages[i - pipeline.start]
                place_label, place_code = vocab.PLACES[pipeline.place]
                subject = pipeline.subject
                title = vocab.STAGE_TITLES[stage].format(s=subject, b=pipeline.breakdown, g=place_label, y=year)
                frequency = pipeline.frequency
                description = (
                    f"{vocab.STAGE_SENTENCES[stage]} {subject}{pipeline.breakdown} for {place_label}, {year}. "
                    f"Produced by {orgs[org][0]}. {rng.choice(vocab.CAVEATS)}"
                ).strip()
                roll = rng.random()
                if stage == "collection":
                    access = "RESTRICTED" if roll < 0.15 else ("NON_PUBLIC" if roll < 0.2 else "PUBLIC")
                else:
                    access = "RESTRICTED" if roll < 0.04 else ("NON_PUBLIC" if roll < 0.05 else "PUBLIC")
                roll = rng.random()
                status = "draft" if roll < 0.06 else ("withdrawn" if roll < 0.09 else "published")

            slug = base_slug = slugify(title)[:90].strip("-")
            k = 2
            while slug in slugs:
                slug = f"{base_slug}-{k}"
                k += 1
            slugs.add(slug)
            key = _uuid(rng)
            pk = dataset_ids[i] = new_id(Dataset)
            issued_day = min(_day(rng, min(year + 1, 2025)), EPOCH.date())
            issued = issued_at[i] = _moment(rng, issued_day)
            modified = min(issued + dt.timedelta(days=rng.randrange(0, 400)), EPOCH)
            load.add(
                Dataset,
                {
                    "id": pk,
                    "uuid": key,
                    "uri": mint_uri("dataset", str(key)),
                    "slug": slug,
                    "title": title,
                    "description": description,
                    "publisher_id": org_ids[org],
                    "contact_name": f"{orgs[org][1]} statistics team",
                    "contact_email": org_emails[org],
                    "licence_id": None
                    if access == "NON_PUBLIC"
                    else term("licence", _weighted(rng, licence_codes, licence_cum)),
                    "access_rights": access,
                    "temporal_start": dt.date(year, 1, 1),
                    "temporal_end": dt.date(year, 12, 31),
                    "spatial_uri": f"http://statistics.data.gov.uk/id/statistical-geography/{place_code}",
                    "spatial_label": place_label,
                    "frequency_id": freq_ids.get(frequency),
                    "language_id": language_cym if place_label == "Wales" and rng.random() < 0.3 else language_eng,
                    "version": f"{year}.{rng.randint(1, 4)}",
                    "version_notes": "",
                    "conforms_to": "",
                    "landing_page": f"{base}/datasets/{slug}/",
                    "issued": issued_day,
                    "modified": modified,
                    "status": status,
                    "published_at": issued if status != "draft" else None,
                    "withdrawn_at": modified if status == "withdrawn" else None,
                    "withdrawn_reason": "Superseded by a revised series; see the replacement dataset."
                    if status == "withdrawn"
                    else "",
                    "created_at": issued,
                    "updated_at": modified,
                },
            )

            # Keywords and themes (M2M rows).
            chosen = {keyword_ids[stage], keyword_ids[place_label], keyword_ids[subject.lower()[:100]]}
            chosen.update(rng.sample(org_keywords[org], min(2, len(org_keywords[org]))))
            chosen.update(rng.sample(generic_keywords, rng.randint(0, 3)))
            for keyword in sorted(chosen):
                load.add(
                    Dataset.keywords.through,
                    {"id": new_id(Dataset.keywords.through), "dataset_id": pk, "keyword_id": keyword},
                )
            themes = set(rng.sample(org_themes[org], rng.randint(1, len(org_themes[org]))))
            if rng.random() < 0.1:
                themes.add(rng.choice(all_themes))
            for theme in sorted(themes):
                load.add(
                    Dataset.themes.through,
                    {"id": new_id(Dataset.themes.through), "dataset_id": pk, "vocabularyterm_id": theme},
                )

            # How it was collected.
            if p < 0:
                method = hub.kind
            elif stage == "collection":
                method = rng.choice(["survey", "administrative", "administrative", "sensor", "register", "other"])
            else:
                method = "modelled" if stage == "modelled" else "derived"
            load.add(
                CollectionMethod,
                {
                    "id": new_id(CollectionMethod),
                    "dataset_id": pk,
                    "method_type": method,
                    "description": vocab.STAGE_SENTENCES.get(stage, description),
                    "population": f"All {subject.lower()} records for {place_label}.",
                    "sample_size": rng.randint(1_000, 500_000) if method == "survey" else None,
                    "period_start": dt.date(year, 1, 1),
                    "period_end": dt.date(year, 12, 31),
                    "source_systems": f"{orgs[org][1]} case management system" if method == "administrative" else "",
                },
            )

            # Distributions: 1-5.
            distribution_ids = []
            for position in range(rng.randint(1, 5)):
                fmt = _weighted(rng, format_codes, format_cum)
                dist_key = _uuid(rng)
                dist_pk = new_id(Distribution)
                distribution_ids.append(dist_pk)
                has_checksum = fmt != "HTML" and rng.random() < 0.5
                load.add(
                    Distribution,
                    {
                        "id": dist_pk,
                        "uuid": dist_key,
                        "uri": mint_uri("distribution", str(dist_key)),
                        "dataset_id": pk,
                        "title": f"{title} ({fmt})" if fmt != "HTML" else f"{title}: web page",
                        "description": "",
                        "access_url": f"{base}/datasets/{slug}/",
                        "download_url": ""
                        if fmt == "HTML"
                        else f"{base}/files/{slug}/{position + 1}.{extensions.get(fmt, fmt.lower())}",
                        "format_id": term("file-type", fmt),
                        "media_type_id": media_ids[fmt],
                        "byte_size": int(rng.lognormvariate(13, 2)) if fmt != "HTML" else None,
                        "checksum": f"{rng.getrandbits(256):064x}" if has_checksum else "",
                        "checksum_algorithm": "sha256" if has_checksum else "",
                        "licence_id": None,
                        "rights": "",
                        "conforms_to": "",
                        "availability": _availability(dist_key),
                        "issued": issued_day,
                        "modified": modified,
                        "position": position,
                    },
                )

            # Data dictionary: 5-30 fields.
            for position, column in enumerate(rng.sample(vocab.COLUMNS, rng.randint(5, 30))):
                name, col_title, datatype, unit, definition, constraints = column
                load.add(
                    Field,
                    {
                        "id": new_id(Field),
                        "dataset_id": pk,
                        "position": position,
                        "name": name,
                        "title": col_title,
                        "definition": definition,
                        "datatype": datatype,
                        "unit": unit,
                        "required": rng.random() < 0.4,
                        "constraints": constraints,
                        "concept_uri": vocab.CONCEPT_BASE + vocab.CONCEPTS[name] if name in vocab.CONCEPTS else "",
                    },
                )

            # Some validation checks and quality measurements.
            if rng.random() < 0.3:
                for check_name, rule in rng.sample(vocab.CHECK_NAMES, rng.randint(1, 3)):
                    checked = rng.randint(100, 2_000_000)
                    roll = rng.random()
                    outcome = "pass" if roll < 0.8 else ("warn" if roll < 0.93 else "fail")
                    failed = 0 if outcome == "pass" else rng.randint(1, max(1, checked // 50))
                    load.add(
                        ValidationCheck,
                        {
                            "id": new_id(ValidationCheck),
                            "dataset_id": pk,
                            "name": check_name,
                            "rule": rule,
                            "run_at": min(issued - dt.timedelta(hours=rng.randint(1, 72)), EPOCH),
                            "run_by": f"{orgs[org][1]} {vocab.PIPELINE_TOOLS[0]}",
                            "outcome": outcome,
                            "records_checked": checked,
                            "records_failed": failed,
                            "notes": "",
                            "activity_id": None,
                        },
                    )
            if rng.random() < 0.25:
                for dimension in rng.sample(dimensions, rng.randint(1, 3)):
                    percent = rng.random() < 0.5
                    value = round(rng.uniform(0.7, 1.0), 4)
                    load.add(
                        QualityMeasurement,
                        {
                            "id": new_id(QualityMeasurement),
                            "dataset_id": pk,
                            "distribution_id": rng.choice(distribution_ids) if rng.random() < 0.3 else None,
                            "dimension": dimension,
                            "metric": f"{dimension.capitalize()} of {subject.lower()} records",
                            "value": round(value * 100, 2) if percent else value,
                            "unit": "percent" if percent else "ratio",
                            "measured_at": issued,
                            "notes": "",
                        },
                    )

            # The activity that made it, and its derivations.
            inputs = derived_inputs.get(i)
            if inputs:
                act_key = _uuid(rng)
                act_pk = activity_of[i] = new_id(Activity)
                started_at = issued - dt.timedelta(hours=rng.randint(2, 240))
                load.add(
                    Activity,
                    {
                        "id": act_pk,
                        "uuid": act_key,
                        "uri": mint_uri("activity", str(act_key)),
                        "kind": "collection" if stage == "collection" else "transformation",
                        "name": f"Produce {title}"[:300],
                        "description": vocab.STAGE_SENTENCES.get(stage, description),
                        "code_reference": f"{base}/code/{slugify(orgs[org][1])}/{stage}",
                        "agent_id": rng.choice(org_agents[org][1:]),
                        "started_at": started_at,
                        "ended_at": issued,
                        "created_at": issued,
                    },
                )
                while edge_index < len(plan.edges) and plan.edges[edge_index][1] == i:
                    source = plan.edges[edge_index][0]
                    edge_index += 1
                    valid_from = max(issued, issued_at[source])
                    load.add(
                        Derivation,
                        {
                            "id": new_id(Derivation),
                            "derived_id": pk,
                            "source_id": dataset_ids[source],
                            "activity_id": act_pk,
                            "description": "",
                            "valid_from": valid_from,
                            "valid_to": None,
                            "created_at": valid_from,
                            "created_by_id": None,
                        },
                    )

            if (i + 1) % batch_size == 0 or i + 1 == n_datasets:
                load.flush()
                say(f"  {i + 1:,} datasets written ({time.perf_counter() - started:.0f} s)")

        assert edge_index == len(plan.edges)
        rows = load.finish()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [*models, Dataset.history.model]):
                cursor.execute(statement)
    write_seconds = time.perf_counter() - started

    summary = Summary(
        datasets=n_datasets,
        seed=seed,
        rows=rows,
        derivations=len(plan.edges),
        hubs=len(plan.hubs),
        pipelines=len(plan.pipelines),
        hub_fanout=plan.hub_fanout,
        plan_seconds=plan_seconds,
        write_seconds=write_seconds,
        edges=plan.edges,
    )
    if closure:
        summary.closure = closure_stats(range(n_datasets), plan.edges)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--organisations", type=int, default=40)
    parser.add_argument("--hubs", type=int, default=None, help="default: 0.3%% of datasets, at most 300")
    parser.add_argument("--batch-size", type=int, default=5_000, help="datasets per write batch")
    parser.add_argument("--reset", action="store_true", help="delete the existing catalogue first")
    parser.add_argument("--no-closure", action="store_true", help="skip counting (ancestor, descendant) pairs")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE on PostgreSQL")
    parser.add_argument(
        "--glossary", action="store_true", help="then load the glossary and link fields to it (bench/glossary_load.py)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    try:
        summary = generate(
            args.datasets,
            args.seed,
            organisations=args.organisations,
            hubs=args.hubs,
            batch_size=args.batch_size,
            reset=args.reset,
            progress=print,
        )
    except CatalogueNotEmpty as exc:
        sys.exit(str(exc))
    loaded = time.perf_counter() - started
    print(f"written and committed in {loaded:.1f} s")
    if args.glossary:
        from bench.glossary_load import load_glossary

        for line in load_glossary(args.seed, reset=args.reset, progress=print).lines():
            print(line)
    if connection.vendor == "postgresql" and not args.no_analyze:
        analyze_started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE in {time.perf_counter() - analyze_started:.1f} s")
    connection.close()  # leave no connection open, so the database can be copied with createdb -T
    if not args.no_closure:
        summary.closure = closure_stats(range(args.datasets), summary.edges)
    for line in summary.lines():
        print(line)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
