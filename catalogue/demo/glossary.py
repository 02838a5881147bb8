"""The demo's glossary: departments' definitions, matched and conflicting, written through the
glossary's services (catalogue.glossary.services) as their editors would write them, and the
demo datasets' fields that measure them (``FIELD_CONCEPTS``, read by the loader as it writes
the data dictionaries).

- ONS's "Population and household definitions": the GSS harmonised household (since 2011),
  usual resident, ILO unemployment and the local authority district; its archived 1981-2001
  census household is a closeMatch of today's, with a historyNote; its code list of local
  authority districts gives the ``la_code`` columns their codes.
- MHCLG's "Housing and homelessness definitions": the household of the homelessness
  legislation (not the census household: nobody says they match, and the compatibility
  check shows both definitions side by side) and the local housing authority, an exactMatch
  of ONS's local authority district.
- HMRC's "Benefit and earnings definitions" (the demo's benefits department, see
  catalogue.demo.agreements): the benefit unit, a broadMatch of ONS's household (aggregate
  to compare), and the claimant count's claimant, a relatedMatch (never an exactMatch) of
  ILO unemployment, in two versions: Universal Credit joined the count in June 2015.

So /compare/?datasets=household-projections,homelessness-tables shows ``la_code`` joinable
(through the exactMatch) and ``households`` conflicting (two definitions of a household).

Loading is idempotent: a scheme already there (by slug) is left as it is.
Definitions and sources: the glossary reference (shared/reference/glossary.md, section 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from catalogue.glossary import services
from catalogue.glossary.models import ConceptLink, ConceptScheme
from catalogue.models import Organisation

Kind = ConceptLink.Kind


def _scheme_uri(slug: str) -> str:
    return f"{settings.PROVCAT_BASE_URI}/id/glossary/{slug}"


def _concept_uri(scheme: str, slug: str) -> str:
    return f"{_scheme_uri(scheme)}/{slug}"


ONS = "ons-population-and-household-definitions"
ONS_1981 = "ons-census-1981-2001-definitions"
LAD_CODES = "ons-local-authority-districts-2023"
MHCLG = "mhclg-housing-and-homelessness-definitions"
HMRC = "hmrc-benefit-and-earnings-definitions"

HOUSEHOLD = _concept_uri(ONS, "household")
USUAL_RESIDENT = _concept_uri(ONS, "usual-resident")
UNEMPLOYED_ILO = _concept_uri(ONS, "unemployed-ilo")
LOCAL_AUTHORITY_DISTRICT = _concept_uri(ONS, "local-authority-district")
CENSUS_1981_HOUSEHOLD = _concept_uri(ONS_1981, "household-1981-2001")
HOMELESSNESS_HOUSEHOLD = _concept_uri(MHCLG, "household")
LOCAL_HOUSING_AUTHORITY = _concept_uri(MHCLG, "local-housing-authority")
DWELLING = _concept_uri(MHCLG, "dwelling")
BENEFIT_UNIT = _concept_uri(HMRC, "benefit-unit")
CLAIMANT = _concept_uri(HMRC, "claimant")
LAD_CODE_LIST = _scheme_uri(LAD_CODES)

_ONS_LA = {"la_code": (LOCAL_AUTHORITY_DISTRICT, LAD_CODE_LIST)}
_MHCLG_LA = {"la_code": (LOCAL_HOUSING_AUTHORITY, LAD_CODE_LIST)}

# (dataset slug) -> {field name: (concept IRI, code list IRI)}: the demo data dictionaries'
# links to the glossary.
FIELD_CONCEPTS: dict[str, dict[str, tuple[str, str]]] = {
    "census-2021-population": {"population": (USUAL_RESIDENT, "")},
    "mid-year-population-estimates": {**_ONS_LA, "population": (USUAL_RESIDENT, "")},
    "population-projections": {**_ONS_LA, "projected_population": (USUAL_RESIDENT, "")},
    "births-registrations": _ONS_LA,
    "deaths-registrations": _ONS_LA,
    "annual-population-survey": _ONS_LA,
    "wellbeing-survey": _ONS_LA,
    "local-economic-indicators": _ONS_LA,
    "employment-dashboard-extract": {"unemployment_rate": (UNEMPLOYED_ILO, "")},
    # The household projections are built on ONS's census households and districts; the
    # homelessness statistics count the households of the homelessness legislation.
    "household-projections": {**_ONS_LA, "households": (HOUSEHOLD, "")},
    "homelessness-statistics": {**_MHCLG_LA, "households": (HOMELESSNESS_HOUSEHOLD, "")},
    "homelessness-tables": {**_MHCLG_LA, "households": (HOMELESSNESS_HOUSEHOLD, "")},
    "housing-completions": {**_MHCLG_LA, "completions": (DWELLING, "")},
    "dwelling-stock": {**_MHCLG_LA, "dwellings": (DWELLING, "")},
    "housing-need-assessment": _MHCLG_LA,
}


def field_links(dataset_slug: str, field_name: str) -> tuple[str, str]:
    """(concept IRI, code list IRI) of a demo field, or empty strings."""
    return FIELD_CONCEPTS.get(dataset_slug, {}).get(field_name, ("", ""))


@dataclass
class ConceptSpec:
    slug: str
    pref_label: str
    definition: str
    alt_labels: list[str] = field(default_factory=list)
    scope_note: str = ""
    history_note: str = ""
    source: str = ""
    source_url: str = ""
    notation: str = ""
    # Later versions: (changed values, change note), applied in order.
    revisions: list[tuple[dict, str]] = field(default_factory=list)


@dataclass
class SchemeSpec:
    slug: str
    org: str
    title: str
    description: str
    concepts: list[ConceptSpec]


SCHEMES = [
    SchemeSpec(
        ONS,
        "ons",
        "Population and household definitions",
        "The harmonised definitions the statistics office uses for people, households and areas.",
        [
            ConceptSpec(
                "household",
                "Household",
                "One person living alone, or a group of people (not necessarily related) living at the same "
                "address who share cooking facilities and share a living room or sitting room or dining area.",
                alt_labels=["Private household"],
                scope_note="Used since the 2011 Census and in ONS surveys since 2011. A household needs at least "
                "one usual resident; a group of short-term residents is not a household.",
                source="GSS harmonised standard: definition of a household (27 November 2020)",
                source_url="https://analysisfunction.civilservice.gov.uk/policy-store/definition-of-a-household/",
            ),
            ConceptSpec(
                "usual-resident",
                "Usual resident",
                "Anyone in the UK on census day who had stayed or intended to stay in the UK for 12 months or "
                "more, or who had a permanent UK address and was outside the UK intending to be away for less "
                "than 12 months.",
                alt_labels=["Usual resident population"],
                source="Census 2021 dictionary: measurements used in Census 2021 data",
                source_url="https://www.ons.gov.uk/census/census2021dictionary/measurementsusedincensus2021data",
            ),
            ConceptSpec(
                "unemployed-ilo",
                "Unemployed (ILO)",
                "Without a job, available to start work within the next two weeks, and either looked for work "
                "in the last four weeks or waiting to start a job already obtained.",
                alt_labels=["ILO unemployment"],
                source="International Labour Organisation definition, measured by the Labour Force Survey",
            ),
            ConceptSpec(
                "local-authority-district",
                "Local authority district",
                "A non-metropolitan district, unitary authority, metropolitan district or London borough: the "
                "lower tier of local government, identified by its nine-character GSS code, e.g. E06000001.",
                alt_labels=["LAD"],
                source="ONS Register of Geographic Codes",
            ),
        ],
    ),
    SchemeSpec(
        ONS_1981,
        "ons",
        "Census 1981-2001 definitions (archived)",
        "Definitions used by the 1981, 1991 and 2001 censuses, kept to read the older tables correctly.",
        [
            ConceptSpec(
                "household-1981-2001",
                "Household (1981-2001 Census)",
                "One person living alone, or a group of people living at the same address who have the address "
                "as their only or main residence and either share at least one meal a day or share the living "
                "accommodation.",
                history_note="The census definition from 1981 to 2001. The 2011 Census adopted the harmonised "
                "definition, which asks for shared cooking facilities and a shared living room, sitting room "
                "or dining area, so household counts before and after 2011 are close but not the same.",
                source="Census 2001 definitions",
            ),
        ],
    ),
    SchemeSpec(
        LAD_CODES,
        "ons",
        "Local authority districts in England (April 2023)",
        "The code list of local authority districts: GSS codes and names in force from April 2023.",
        [
            ConceptSpec("e06000001", "Hartlepool", "Unitary authority.", notation="E06000001"),
            ConceptSpec("e06000002", "Middlesbrough", "Unitary authority.", notation="E06000002"),
            ConceptSpec("e08000025", "Birmingham", "Metropolitan district.", notation="E08000025"),
            ConceptSpec("e09000033", "Westminster", "London borough.", notation="E09000033"),
        ],
    ),
    SchemeSpec(
        MHCLG,
        "mhclg",
        "Housing and homelessness definitions",
        "Definitions of the housing and homelessness statistics, following the Housing Acts.",
        [
            ConceptSpec(
                "household",
                "Household",
                "The applicant, together with every person who normally lives with them as a member of their "
                "family and anyone else who might reasonably be expected to live with them.",
                alt_labels=["Homeless household", "Applicant household"],
                scope_note="Counts the households owed a prevention or relief duty. Not the census household: "
                "people sharing an address but not a family are separate households here, and a household "
                "may have no settled address at all.",
                source="Housing Act 1996, Part 7, section 176",
            ),
            ConceptSpec(
                "local-housing-authority",
                "Local housing authority",
                "The district council, unitary authority, London borough or Common Council of the City of "
                "London that holds the duties of the Housing Acts for its area.",
                source="Housing Act 1985, section 1",
            ),
            ConceptSpec(
                "dwelling",
                "Dwelling",
                "A self-contained unit of accommodation: all the rooms, including kitchen, bathroom and toilet, "
                "are behind a door that only that household can use.",
                source="English Housing Survey definitions",
            ),
        ],
    ),
    SchemeSpec(
        HMRC,
        "hmrc",
        "Benefit and earnings definitions",
        "Definitions used in benefit, tax credit and payroll statistics.",
        [
            ConceptSpec(
                "benefit-unit",
                "Benefit unit",
                "One adult, their spouse or cohabitee if they have one, and any dependent children living with them.",
                alt_labels=["Family (benefit unit)"],
                scope_note="A household holds one or more benefit units: about a quarter of people live in "
                "households of more than one. Compare with household figures only after aggregating.",
                source="Family Resources Survey definitions",
            ),
            ConceptSpec(
                "claimant",
                "Claimant (claimant count)",
                "A person claiming Jobseeker's Allowance.",
                alt_labels=["Claimant count"],
                source="ONS Claimant Count quality and methodology information",
                revisions=[
                    (
                        {
                            "definition": "A person claiming benefits principally because they are unemployed: "
                            "Jobseeker's Allowance and, from 17 June 2015, Universal Credit claimants required to "
                            "search for work. An administrative count, not a survey measure of unemployment."
                        },
                        "Universal Credit claimants searching for work counted from 17 June 2015; the headline "
                        "measure became experimental.",
                    )
                ],
            ),
        ],
    ),
]

# (scheme slug, concept slug, kind, target IRI), stated by the first concept's scheme.
LINKS = [
    (ONS_1981, "household-1981-2001", Kind.CLOSE_MATCH, HOUSEHOLD),
    (MHCLG, "local-housing-authority", Kind.EXACT_MATCH, LOCAL_AUTHORITY_DISTRICT),
    (HMRC, "benefit-unit", Kind.BROAD_MATCH, HOUSEHOLD),
    (HMRC, "claimant", Kind.RELATED_MATCH, UNEMPLOYED_ILO),
]


def glossary_load(actor, orgs: dict[str, Organisation], note) -> None:
    """Write the demo's schemes, concepts, versions and links (those not there yet)."""
    made: dict[str, ConceptScheme] = {}
    for spec in SCHEMES:
        if ConceptScheme.objects.filter(slug=spec.slug).exists():
            continue
        scheme = services.scheme_create(
            actor,
            organisation=orgs[spec.org],
            title=spec.title,
            description=spec.description,
            status=ConceptScheme.Status.PUBLISHED,
            slug=spec.slug,
            uri=_scheme_uri(spec.slug),
        )
        note("glossary schemes")
        for concept in spec.concepts:
            made_concept = services.concept_create(
                actor,
                scheme,
                slug=concept.slug,
                uri=_concept_uri(spec.slug, concept.slug),
                pref_label=concept.pref_label,
                alt_labels=concept.alt_labels,
                definition=concept.definition,
                scope_note=concept.scope_note,
                history_note=concept.history_note,
                source=concept.source,
                source_url=concept.source_url,
                notation=concept.notation,
            )
            for changes, change_note in concept.revisions:
                made_concept = services.concept_update(actor, made_concept, change_note=change_note, **changes)
            note("glossary concepts")
        made[spec.slug] = scheme
    for scheme_slug, concept_slug, kind, target in LINKS:
        if scheme_slug in made:
            services.link_add(actor, made[scheme_slug].concepts.get(slug=concept_slug), kind, target)
            note("glossary links")
