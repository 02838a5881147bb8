"""The glossary of the synthetic catalogue: a dozen departments' SKOS schemes, and the
generated data dictionaries linked to their concepts.

    .venv/bin/python bench/glossary_load.py [--seed 1] [--reset]      # on a generated database
    .venv/bin/python bench/generate.py --datasets 100000 --glossary    # as the generator's last step

From tests:

    from bench.glossary_load import load_glossary
    summary = load_glossary(seed=1)

What it writes, shaped like a cross-government glossary:

- one published scheme for each of twelve departments (``SCHEME_OWNERS``; the last one a
  draft), 300-500 concepts each: the department's own version of the core data-dictionary
  concepts (household, person, age band, ...), topic concepts from its subjects and the
  census topics, and statistical series under each topic ("Road casualties: rate per
  100,000 population"), with alternative labels, a snake_case hidden label (how columns
  are named: a concept's hidden labels are the column names that measure it), a definition of a sentence or two, and a second version for one in twenty;
- the ONS scheme also holds the cross-government standards (statistical geography code,
  reference period, postcode, UPRN, SIC, SOC, deprivation decile) that every department
  links its columns to, each an exact match of its SDMX or external equivalent;
- matches from each department's core concepts to the ONS ones: exact for most, close for
  "household", "person", "employment status" and "number of people" (definitions differ),
  "benefit unit" a broad match of "household", "claimant count" related to "unemployment
  (ILO)"; series concepts broader than their topic;
- ``Field.concept_uri`` set in two set-based UPDATEs: the standard columns (area_code,
  la_code, period, year, postcode, ...) in 30-92% of the datasets that have them, the
  departmental ones in 35%, each to the concept of the publisher's own scheme (ONS's when
  the publisher has none). About 37% of fields end up linked, and the statistical
  geography code is measured by about 100,000 fields.

Concepts, versions and links go in through the bulk service (catalogue.bulk.BulkLoad, COPY
on PostgreSQL), not catalogue.glossary.services: the services check each concept against
the database (label clashes, IRIs in other schemes, the SKOS rules of every link, one query
or more each) and record search work for the fields that measure it, which for ~5,000
concepts and a million linked fields would take many minutes and queue work for every
dataset many times over. The rules the services enforce hold here by construction (unique
preferred labels per scheme, disjoint labels, matches only across schemes, no link stated
twice) and tests/bench/test_glossary_load.py checks them. Like the generator, this step
records no search work: search entries that read concept labels need ``search_reindex``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import vocab  # noqa: E402

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SCHEME_OWNERS = ("ONS", "DfT", "DHSC", "NHSE", "DfE", "HMRC", "DWP", "Defra", "EA", "HO", "MHCLG", "MoJ")
DRAFT_OWNERS = ("MoJ",)  # one scheme still in draft: only its members see it
SDMX = "http://purl.org/linked-data/sdmx/2009/dimension#"
DEPARTMENTAL_SHARE = 35  # percent of the datasets with such a column that link it

# The cross-government standards, in the ONS scheme only: (key, label, alt labels, definition,
# columns that measure it, percent of datasets with such a column that link it, external match).
STANDARDS = [
    (
        "geography",
        "Statistical geography code",
        ["GSS code", "Area code", "ONS geography code"],
        "The nine-character Government Statistical Service code of a statistical or administrative "
        "area (country, region, local authority, LSOA), e.g. E09000001. Codes are not reused.",
        ["area_code", "region_code", "la_code", "lsoa_code"],
        92,
        SDMX + "refArea",
    ),
    (
        "area-name",
        "Area name",
        ["Geography name"],
        "The official name of a statistical or administrative area, as the Register of Geographic Codes records it.",
        ["area_name", "la_name"],
        80,
        "",
    ),
    (
        "period",
        "Reference period",
        ["Time period", "Period"],
        "The period of time the observation refers to: a year, quarter, month or day, written as ISO 8601.",
        ["period", "year", "month", "date"],
        85,
        SDMX + "refPeriod",
    ),
    (
        "postcode",
        "Postcode",
        ["Unit postcode"],
        "A Royal Mail unit postcode, for about 15 addresses on average, as the National Statistics Postcode Lookup lists it.",
        ["postcode"],
        85,
        "",
    ),
    (
        "uprn",
        "Unique Property Reference Number",
        ["UPRN"],
        "The identifier of an addressable location in Great Britain, endorsed by the Data Standards Authority in 2020.",
        ["uprn"],
        90,
        "",
    ),
    (
        "sic",
        "Standard Industrial Classification 2007",
        ["SIC 2007", "Industry"],
        "The class of economic activity of a business, from the UK Standard Industrial Classification of 2007.",
        ["sic_code"],
        85,
        "",
    ),
    (
        "soc",
        "Standard Occupational Classification 2020",
        ["SOC 2020", "Occupation"],
        "The occupation of a person in their main job, from the Standard Occupational Classification 2020.",
        ["soc_code"],
        85,
        "",
    ),
    (
        "imd",
        "Index of Multiple Deprivation decile",
        ["IMD decile", "Deprivation decile"],
        "The decile of an LSOA's rank on the English Index of Multiple Deprivation, 1 the most deprived tenth.",
        ["imd_decile"],
        80,
        "",
    ),
    (
        "coordinates",
        "Geographic coordinates",
        ["Grid reference", "Location"],
        "The position of a point, as WGS84 latitude and longitude or British National Grid easting and northing.",
        ["latitude", "longitude", "easting", "northing"],
        30,
        "",
    ),
]

# Concepts every scheme defines in its own words: (key, label, alt labels, definition, columns,
# how a department's version matches the ONS one).
CORE = [
    (
        "household",
        "Household",
        ["Private household"],
        "One person living alone, or a group of people (not necessarily related) living at the same "
        "address who share cooking facilities and share a living room, sitting room or dining area.",
        ["household_id"],
        "closeMatch",
    ),
    (
        "person",
        "Person",
        ["Individual"],
        "A person counted once, identified by a stable pseudonym across the records of one source.",
        ["person_id"],
        "closeMatch",
    ),
    (
        "organisation",
        "Reporting organisation",
        ["Reporting body"],
        "The public body that supplied the record.",
        ["organisation_id"],
        "exactMatch",
    ),
    ("age", "Age", ["Age in completed years"], "Age in completed years on the reference date.", ["age"], "exactMatch"),
    (
        "age-band",
        "Age band",
        ["Age group", "Five-year age band"],
        "Age in completed years grouped in five-year bands, the last open-ended.",
        ["age_band"],
        "exactMatch",
    ),
    (
        "sex",
        "Sex",
        ["Sex at birth"],
        "Sex as recorded by the source: female, male or not known.",
        ["sex"],
        "exactMatch",
    ),
    (
        "ethnic-group",
        "Ethnic group",
        ["Ethnicity"],
        "The ethnic group a person identifies with, in the five harmonised high-level categories.",
        ["ethnic_group"],
        "exactMatch",
    ),
    (
        "count",
        "Number of people",
        ["Headcount", "Count of people"],
        "The number of people in the group the row describes, rounded for disclosure control.",
        ["count"],
        "closeMatch",
    ),
    (
        "rate",
        "Rate per 100,000 population",
        ["Crude rate"],
        "Events divided by the mid-year population estimate of the area, multiplied by 100,000.",
        ["rate_per_100k"],
        "exactMatch",
    ),
    (
        "percentage",
        "Percentage of total",
        ["Proportion", "Share of total"],
        "The group's share of the total, in percent.",
        ["percentage"],
        "exactMatch",
    ),
    (
        "confidence",
        "95% confidence interval",
        ["Confidence limits"],
        "The range that contains the true value with 95% probability under the survey's design.",
        ["lower_ci", "upper_ci"],
        "exactMatch",
    ),
    (
        "amount",
        "Amount in pounds sterling",
        ["Expenditure", "Value in GBP"],
        "A monetary amount in pounds sterling, in cash terms unless the series says otherwise.",
        ["amount_gbp", "amount_gbp_thousands"],
        "exactMatch",
    ),
    (
        "weight",
        "Survey weight",
        ["Grossing weight"],
        "The number of people in the population a responding case stands for.",
        ["weight"],
        "exactMatch",
    ),
    (
        "tenure",
        "Housing tenure",
        ["Tenure"],
        "Whether the household owns or rents its accommodation, and from whom.",
        ["tenure"],
        "exactMatch",
    ),
    (
        "employment",
        "Employment status",
        ["Economic activity status"],
        "Whether a person is employed, unemployed or economically inactive in the reference week, "
        "following the International Labour Organisation definitions.",
        ["employment_status"],
        "closeMatch",
    ),
    (
        "qualification",
        "Highest qualification",
        ["Highest level of qualification"],
        "The highest qualification a person holds, on the Regulated Qualifications Framework levels.",
        ["qualification"],
        "exactMatch",
    ),
    (
        "provisional",
        "Provisional figure",
        ["Provisional estimate"],
        "A figure published before all returns are in, to be revised at the next release.",
        ["is_provisional"],
        "exactMatch",
    ),
    (
        "imputed",
        "Imputed value",
        ["Imputation"],
        "A value estimated from similar records because the source did not supply it.",
        ["is_imputed"],
        "exactMatch",
    ),
    (
        "suppressed",
        "Suppressed value",
        ["Disclosure control suppression"],
        "A value withheld because publishing it could identify a person or business.",
        ["suppressed"],
        "exactMatch",
    ),
    (
        "duration",
        "Duration of episode",
        ["Length of stay"],
        "Days from the start of an episode to its end, counting the first day.",
        ["duration_days"],
        "exactMatch",
    ),
    (
        "waiting",
        "Waiting time",
        ["Wait"],
        "Weeks from referral or application to the start of the service.",
        ["wait_weeks"],
        "exactMatch",
    ),
    (
        "start-date",
        "Episode start date",
        ["Start of episode"],
        "The day an episode of care, a claim or a case started.",
        ["start_date"],
        "exactMatch",
    ),
]

# What only some schemes define, and how they relate to the ONS concepts.
EXTRA = {
    "ONS": [
        (
            "ilo-unemployment",
            "Unemployment (ILO)",
            ["ILO unemployment", "Unemployed"],
            "People without a job who are available to start work within two weeks and have looked "
            "for work in the last four weeks or are waiting to start a job (Labour Force Survey).",
        ),
        (
            "claimant-count",
            "Claimant count",
            ["Claimants"],
            "An administrative count of people claiming benefits mainly because they are unemployed: "
            "Jobseeker's Allowance and, from 2015, Universal Credit claimants required to seek work.",
        ),
        (
            "usual-resident",
            "Usual resident",
            ["Usually resident population"],
            "Anyone in the UK on census day who stays, or intends to stay, 12 months or more, or who has "
            "a permanent UK address and is abroad for less than 12 months.",
        ),
    ],
    "DWP": [
        (
            "benefit-unit",
            "Benefit unit",
            ["Family unit"],
            "One adult, their spouse or cohabiting partner, and any dependent children. A household "
            "holds one or more benefit units.",
        ),
        (
            "claimant-count",
            "Claimant count",
            ["Claimants"],
            "People claiming Universal Credit or Jobseeker's Allowance who are required to look for work, "
            "counted on the second Thursday of the month.",
        ),
    ],
}
# (owner, key, kind, ONS key) stated by the department's scheme.
EXTRA_MATCHES = [
    ("DWP", "benefit-unit", "broadMatch", "household"),
    ("DWP", "claimant-count", "exactMatch", "claimant-count"),
]
EXTRA_RELATED = [("ONS", "claimant-count", "ilo-unemployment")]  # related within the scheme

# How each department says a household differs from the harmonised definition.
DEFINITION_VARIANTS = {
    ("DWP", "household"): "The people living at an address who share living arrangements, as a claim records "
    "them; a household holds one or more benefit units, so counts compare only after aggregating.",
    ("MHCLG", "household"): "One person or a group of people who have the accommodation as their only or main "
    "residence and share one meal a day or the living accommodation (the 1981-2001 Census definition).",
    ("HMRC", "person"): "A taxpayer or claimant identified by National Insurance number.",
    ("DWP", "employment"): "Whether a claimant is in paid work in the assessment period, from Real Time "
    "Information on earnings rather than the ILO definitions.",
    ("NHSE", "count"): "The number of episodes or attendances, so one patient may be counted several times.",
}

# Statistical series under a topic: (label template, alternative label template, short name).
MEASURES = [
    ("{t}: count", "Number of {l}", "count"),
    ("{t}: rate per 100,000 population", "{t} rate", "rate"),
    ("{t}: percentage change on a year earlier", "Annual change in {l}", "pct_change"),
    ("{t}: median", "Median {l}", "median"),
    ("{t}: mean", "Average {l}", "mean"),
    ("{t}: total", "Total {l}", "total"),
    ("{t}: index (2015=100)", "{t} index", "index"),
    ("{t}: seasonally adjusted estimate", "{t} (SA)", "sa"),
    ("{t}: provisional estimate", "", "provisional"),
    ("{t}: revised estimate", "", "revised"),
    ("{t}: share of the population", "Proportion of people: {l}", "share"),
    ("{t}: three-year average", "{t} 3-year average", "avg3"),
    ("{t}: cumulative total in the year to date", "{t} year to date", "ytd"),
    ("{t}: lower quartile", "", "lq"),
    ("{t}: upper quartile", "", "uq"),
    ("{t}: per household", "", "per_household"),
    ("{t}: per head of population", "{t} per capita", "per_capita"),
    ("{t}: cost", "Spending on {l}", "cost"),
    ("{t}: quarterly estimate", "", "quarterly"),
    ("{t}: by local authority", "", "by_la"),
]
MEASURE_SENTENCES = {
    "count": "counted in the reference period",
    "rate": "per 100,000 people of the area's mid-year population estimate",
    "pct_change": "as the percentage change from the same period a year earlier",
    "median": "as the median of the records in the period",
    "mean": "as the arithmetic mean of the records in the period",
    "total": "summed over the period and area",
    "index": "as an index with the 2015 average set to 100",
    "sa": "adjusted for regular seasonal patterns with X-13ARIMA-SEATS",
    "provisional": "as first estimated, before late returns arrive",
    "revised": "as revised with late returns and corrections",
    "share": "as a share of the resident population",
    "avg3": "averaged over three consecutive years to reduce sampling variability",
    "ytd": "added up from the start of the financial year",
    "lq": "at the 25th percentile of the distribution",
    "uq": "at the 75th percentile of the distribution",
    "per_household": "divided by the number of households",
    "per_capita": "divided by the resident population",
    "cost": "in pounds sterling at current prices",
    "quarterly": "for each calendar quarter",
    "by_la": "for each local authority district",
}
DEFINITION_TAILS = [
    "Figures for the latest period are provisional and revised the following quarter.",
    "Derived from administrative records; records without a valid postcode are excluded.",
    "Counts are rounded to the nearest five for disclosure control.",
    "Follows the Government Statistical Service harmonised standard.",
    "Counts episodes rather than people, so a person may be counted more than once.",
    "A survey-based estimate, weighted to the mid-year population estimates.",
    "Covers England only; the devolved administrations publish their own series.",
    "Comparable with earlier years from 2015 only, after a change in methodology.",
    "Includes estimates for non-response.",
    "",
    "",
]
TOPIC_KEYWORDS = [k for k in vocab.GENERIC_KEYWORDS if " " not in k and k not in {"region", "geography", "indicators"}]


@dataclass
class GlossarySummary:
    schemes: int
    concepts: int
    versions: int
    links: int
    fields: int
    fields_linked: int
    most_measured_uri: str
    most_measured_fields: int
    seconds: float

    def lines(self) -> list[str]:
        share = 100 * self.fields_linked / self.fields if self.fields else 0
        return [
            f"schemes={self.schemes} concepts={self.concepts:,} versions={self.versions:,} links={self.links:,}",
            f"fields={self.fields:,} linked to a concept={self.fields_linked:,} ({share:.1f}%)",
            f"most measured: {self.most_measured_uri} by {self.most_measured_fields:,} fields",
            f"written in {self.seconds:.1f} s",
        ]


class GlossaryNotEmpty(RuntimeError):
    """The database already holds concept schemes; load only into an empty glossary (or reset)."""


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _plan_scheme(rng: random.Random, owner: str, org_name: str, subjects: list[str]) -> list[dict]:
    """The concepts of one department's scheme, as dicts (``key``, labels, definition,
    ``broader``: the key of its topic, ``columns``)."""
    concepts = []
    for key, label, alt, definition, columns, _kind in CORE:
        concepts.append(
            {
                "key": key,
                "label": label,
                "alt": list(alt),
                "hidden": list(columns),
                "definition": DEFINITION_VARIANTS.get((owner, key), definition),
                "columns": columns,
            }
        )
    for key, label, alt, definition in EXTRA.get(owner, []):
        concepts.append(
            {"key": key, "label": label, "alt": list(alt), "hidden": [_snake(label)], "definition": definition}
        )
    topics = list(subjects)
    for topic in rng.sample(vocab.CENSUS_TOPICS + TOPIC_KEYWORDS, 20 - len(topics)):
        if topic.capitalize() not in topics:
            topics.append(topic.capitalize())
    taken = {c["label"].casefold() for c in concepts}
    series = []
    for topic in topics:
        if topic.casefold() in taken:
            continue
        taken.add(topic.casefold())
        tail = rng.choice(DEFINITION_TAILS)
        concepts.append(
            {
                "key": f"topic-{_snake(topic)}",
                "label": topic,
                "alt": [],
                "hidden": [],
                "definition": f"Statistics on {topic.lower()} published by the {org_name}. {tail}".strip(),
            }
        )
        series += [(topic, measure) for measure in MEASURES]
    wanted = rng.randint(300, 500) - len(concepts)
    for topic, (label_t, alt_t, short) in sorted(rng.sample(series, min(wanted, len(series)))):
        label = label_t.format(t=topic, l=topic.lower())
        if label.casefold() in taken:
            continue
        taken.add(label.casefold())
        alt = [alt_t.format(t=topic, l=topic.lower())] if alt_t else []
        tail = rng.choice(DEFINITION_TAILS)
        concepts.append(
            {
                "key": f"series-{_snake(topic)}-{short}",
                "label": label,
                "alt": alt,
                "hidden": [f"{_snake(topic)}_{short}"],
                "definition": f"{topic}, {MEASURE_SENTENCES[short]}. {tail}".strip(),
                "broader": f"topic-{_snake(topic)}",
            }
        )
    return concepts


def load_glossary(seed: int = 1, *, reset: bool = False, progress=None) -> GlossarySummary:
    """Write the glossary and link the generated fields to it; the same seed gives the same glossary."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils.text import slugify

    from catalogue.actors import system_actor
    from catalogue.bulk import BulkLoad, allocate_ids
    from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme, ConceptVersion
    from catalogue.models import Dataset, Field, Organisation, mint_uri

    say = progress or (lambda message: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    actor = system_actor("generator")
    with transaction.atomic():
        if reset:
            ConceptScheme.objects.all().delete()
        if ConceptScheme.objects.exists():
            raise GlossaryNotEmpty("The database already holds concept schemes; pass --reset to replace them.")
        orgs = {o.abbreviation: o for o in Organisation.objects.filter(abbreviation__in=SCHEME_OWNERS)}
        owners = [abbr for abbr in SCHEME_OWNERS if abbr in orgs]
        if "ONS" not in orgs:
            raise LookupError("The ONS organisation is missing: generate the catalogue first.")
        subjects = {o[1]: o[4] for o in vocab.ORGANISATIONS}

        load = BulkLoad(user=actor)
        scheme_ids = dict(zip(owners, allocate_ids(ConceptScheme, len(owners)), strict=True))
        scheme_uris = {}
        planned: dict[str, list[dict]] = {}
        for owner in owners:
            slug = f"{slugify(owner)}-definitions"
            scheme_uris[owner] = mint_uri("glossary", slug)
            load.add(
                ConceptScheme,
                {
                    "id": scheme_ids[owner],
                    "organisation_id": orgs[owner].pk,
                    "slug": slug,
                    "uri": scheme_uris[owner],
                    "title": f"{orgs[owner].name}: data definitions",
                    "description": f"The concepts {orgs[owner].name} measures in its statistics, with their definitions.",
                    "version": "1.0",
                    "status": "draft" if owner in DRAFT_OWNERS else "published",
                    "revision": 1,
                    "created_at": EPOCH,
                    "updated_at": EPOCH,
                },
            )
            planned[owner] = _plan_scheme(rng, owner, orgs[owner].name, subjects.get(owner, []))
        ons_standards = [
            {
                "key": key,
                "label": label,
                "alt": alt,
                "hidden": list(columns),
                "definition": definition,
                "columns": columns,
            }
            for key, label, alt, definition, columns, _share, _match in STANDARDS
        ]
        planned["ONS"] = ons_standards + planned["ONS"]

        uri_of: dict[tuple[str, str], str] = {}
        id_of: dict[tuple[str, str], int] = {}
        n_concepts = n_versions = 0
        for owner in owners:
            ids = allocate_ids(Concept, len(planned[owner]))
            slugs: set[str] = set()
            for pk, concept in zip(ids, planned[owner], strict=True):
                slug = base = slugify(concept["label"])[:90].strip("-") or "concept"
                k = 2
                while slug in slugs:
                    slug, k = f"{base}-{k}", k + 1
                slugs.add(slug)
                uri = f"{scheme_uris[owner]}/{slug}"
                uri_of[(owner, concept["key"])] = uri
                id_of[(owner, concept["key"])] = pk
                # SKOS S13: a label is preferred, alternative or hidden, never two of them.
                alt = [a for a in concept["alt"] if a.casefold() != concept["label"].casefold()]
                named = {concept["label"].casefold(), *(a.casefold() for a in alt)}
                meaning = {
                    "pref_label": concept["label"],
                    "alt_labels": alt,
                    "hidden_labels": [h for h in concept["hidden"] if h.casefold() not in named],
                    "definition": concept["definition"],
                    "scope_note": "",
                    "example": "",
                    "source": "",
                    "source_url": "",
                }
                revised = rng.random() < 0.05 and ". " in concept["definition"]
                version = 2 if revised else 1
                load.add(
                    Concept,
                    {
                        "id": pk,
                        "scheme_id": scheme_ids[owner],
                        "slug": slug,
                        "uri": uri,
                        "notation": "",
                        "history_note": "",
                        "version": version,
                        "created_at": EPOCH,
                        "updated_at": EPOCH,
                        **meaning,
                    },
                )
                n_concepts += 1
                first = dict(meaning, definition=concept["definition"].split(". ")[0] + ".") if revised else meaning
                history = [(1, first, "First recorded.")]
                if revised:
                    history.append((2, meaning, "Definition clarified."))
                for number, values, note in history:
                    load.add(
                        ConceptVersion,
                        {
                            "concept_id": pk,
                            "version": number,
                            "change_note": note,
                            "changed_at": EPOCH,
                            "changed_by_id": actor.pk,
                            **values,
                        },
                    )
                    n_versions += 1

        links: list[tuple[int, str, str]] = []
        for key, _label, _alt, _definition, _columns, _share, external in STANDARDS:
            if external:
                links.append((id_of[("ONS", key)], "exactMatch", external))
        for owner in owners:
            if owner != "ONS":
                for key, _label, _alt, _definition, _columns, kind in CORE:
                    links.append((id_of[(owner, key)], kind, uri_of[("ONS", key)]))
            for concept in planned[owner]:
                if "broader" in concept:
                    links.append((id_of[(owner, concept["key"])], "broader", uri_of[(owner, concept["broader"])]))
                elif concept["key"].startswith("topic-") and owner != "ONS" and ("ONS", concept["key"]) in uri_of:
                    links.append((id_of[(owner, concept["key"])], "closeMatch", uri_of[("ONS", concept["key"])]))
        for owner, key, kind, ons_key in EXTRA_MATCHES:
            if owner in owners:
                links.append((id_of[(owner, key)], kind, uri_of[("ONS", ons_key)]))
        for owner, key, other in EXTRA_RELATED:
            links.append((id_of[(owner, key)], "related", uri_of[(owner, other)]))
        for concept_id, kind, target in links:
            load.add(
                ConceptLink,
                {
                    "concept_id": concept_id,
                    "kind": kind,
                    "target_uri": target,
                    "created_at": EPOCH,
                    "created_by_id": actor.pk,
                },
            )
        load.finish()
        say(
            f"  {len(owners)} schemes, {n_concepts:,} concepts, {len(links):,} links ({time.perf_counter() - started:.1f} s)"
        )

        # The fields: which concept each column name links to, for each publisher.
        all_orgs = list(Organisation.objects.values_list("pk", "abbreviation"))
        mapping = []
        for salt, (key, _label, _alt, _definition, columns, share, _external) in enumerate(STANDARDS):
            for name in columns:
                mapping += [(name, org_pk, uri_of[("ONS", key)], share, salt) for org_pk, _ in all_orgs]
        for salt, (key, _label, _alt, _definition, columns, _kind) in enumerate(CORE, start=len(STANDARDS)):
            for name in columns:
                for org_pk, abbr in all_orgs:
                    owner = abbr if abbr in scheme_ids else "ONS"
                    mapping.append((name, org_pk, uri_of[(owner, key)], DEPARTMENTAL_SHARE, salt))
        quote = connection.ops.quote_name
        field_table, dataset_table = quote(Field._meta.db_table), quote(Dataset._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {field_table} SET concept_uri = '' WHERE concept_uri <> ''")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_concept_map "
                "(name varchar(100), publisher_id integer, uri varchar(500), share integer, salt integer)"
            )
            cursor.executemany("INSERT INTO bench_concept_map VALUES (%s, %s, %s, %s, %s)", mapping)
            # A column is linked in ``share`` percent of the datasets that have it, picked by a
            # hash of the dataset's id, so the same seed links the same fields.
            cursor.execute(
                f"UPDATE {field_table} SET concept_uri = m.uri "
                f"FROM {dataset_table} d, bench_concept_map m "
                f"WHERE d.id = {field_table}.dataset_id AND m.name = {field_table}.name "
                f"AND m.publisher_id = d.publisher_id "
                f"AND ({field_table}.dataset_id * 2654435761 + m.salt * 7919) % 100 < m.share"
            )
            cursor.execute("DROP TABLE bench_concept_map")
        say(f"  fields linked ({time.perf_counter() - started:.1f} s)")

    fields = Field.objects.count()
    linked = Field.objects.exclude(concept_uri="").count()
    top = (
        Field.objects.exclude(concept_uri="")
        .values("concept_uri")
        .annotate(n=Count("id"))
        .order_by("-n", "concept_uri")
        .first()
    ) or {"concept_uri": "", "n": 0}
    return GlossarySummary(
        schemes=len(owners),
        concepts=n_concepts,
        versions=n_versions,
        links=len(links),
        fields=fields,
        fields_linked=linked,
        most_measured_uri=top["concept_uri"],
        most_measured_fields=top["n"],
        seconds=time.perf_counter() - started,
    )


def analyze() -> None:
    """Refresh the planner's statistics of the tables this step wrote (PostgreSQL)."""
    from django.db import connection

    from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme, ConceptVersion
    from catalogue.models import Field

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (ConceptScheme, Concept, ConceptVersion, ConceptLink, Field):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="delete the existing glossary first")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    try:
        summary = load_glossary(args.seed, reset=args.reset, progress=print)
    except GlossaryNotEmpty as exc:
        sys.exit(str(exc))
    analyze()
    connection.close()
    for line in summary.lines():
        print(line)


if __name__ == "__main__":
    main()
