"""The metadata-quality score: data.europa.eu's MQA method plus Provcat's own dimension.

``score(facts)`` is a pure function of plain facts about a dataset, so the same code
scores a saved dataset (the Celery task) and the unsaved data of a form being filled
in (the live score endpoint).

MQA (405 points), as in ../shared/reference/standards.md section 2:
- dataset-level indicators earn their weight when the property is there;
- distribution-level indicators earn ``share of distributions that have it x weight``;
- interoperability counts only the dataset's best-scoring distribution.
Bands: excellent 351+, good 221+, sufficient 121+, else bad.

Provcat's own dimension (100 points, shown beside the MQA score, never added to it,
so the MQA figure stays comparable with the EU portal's): every field defined,
collection method recorded, a validation check within the last update period, lineage
declared for derived data.

Every indicator that is not at full marks carries the hint that earns the rest,
e.g. "Add a licence: +20".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

MQA_MAX = 405
PROVCAT_MAX = 100

BANDS = (("excellent", 351), ("good", 221), ("sufficient", 121), ("bad", 0))

# How recent the latest validation check must be, by update frequency code (days);
# anything not listed (irregular, unknown, never, none given) allows a year.
CHECK_PERIOD_DAYS = {
    "CONT": 2,
    "UPDATE_CONT": 2,
    "HOURLY": 2,
    "DAILY": 2,
    "WEEKLY": 8,
    "BIWEEKLY": 15,
    "MONTHLY": 32,
    "BIMONTHLY": 62,
    "QUARTERLY": 93,
    "ANNUAL_2": 185,
    "ANNUAL": 366,
    "BIENNIAL": 731,
    "TRIENNIAL": 1096,
    "QUINQUENNIAL": 1827,
    "DECENNIAL": 3653,
}
DEFAULT_CHECK_PERIOD_DAYS = 366


def band_for(points: int) -> str:
    for name, minimum in BANDS:
        if points >= minimum:
            return name
    return "bad"


@dataclass
class DistributionFacts:
    access_url: str = ""
    download_url: str = ""
    has_format: bool = False
    has_media_type: bool = False
    # The format or media type is a term of the EU file-type or IANA vocabulary.
    format_from_vocabulary: bool = False
    non_proprietary: bool = False
    machine_readable: bool = False
    has_licence: bool = False
    licence_from_vocabulary: bool = False
    has_rights: bool = False
    has_byte_size: bool = False
    # None: not checked yet (counts as not reachable, with its own hint).
    access_reachable: bool | None = None
    download_reachable: bool | None = None


@dataclass
class DatasetFacts:
    keywords: int = 0
    themes: int = 0
    has_spatial: bool = False
    has_temporal: bool = False
    has_access_rights: bool = False
    access_rights_from_vocabulary: bool = False
    has_contact_point: bool = False
    has_publisher: bool = False
    has_issued: bool = False
    has_modified: bool = False
    dcat_ap_conforms: bool = False
    distributions: list[DistributionFacts] = field(default_factory=list)
    # Provcat's own dimension.
    fields_total: int = 0
    fields_defined: int = 0
    has_collection_method: bool = False
    is_derived: bool = False
    has_lineage: bool = False
    latest_check_at: datetime | None = None
    frequency_code: str = ""
    now: datetime | None = None


@dataclass
class Indicator:
    key: str
    label: str
    points: int
    maximum: int
    hint: str = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "points": self.points, "max": self.maximum, "hint": self.hint}


@dataclass
class Dimension:
    key: str
    label: str
    indicators: list[Indicator]

    @property
    def points(self) -> int:
        return sum(i.points for i in self.indicators)

    @property
    def maximum(self) -> int:
        return sum(i.maximum for i in self.indicators)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "points": self.points,
            "max": self.maximum,
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass
class Score:
    dimensions: list[Dimension]
    provcat: Dimension

    @property
    def mqa_score(self) -> int:
        return sum(d.points for d in self.dimensions)

    @property
    def band(self) -> str:
        return band_for(self.mqa_score)

    @property
    def provcat_score(self) -> int:
        return self.provcat.points

    def hints(self) -> list[str]:
        """What would raise the score, biggest gain first (MQA, then Provcat's dimension)."""
        mqa = [i for d in self.dimensions for i in d.indicators if i.hint]
        mqa.sort(key=lambda i: i.maximum - i.points, reverse=True)
        own = [i for i in self.provcat.indicators if i.hint]
        return [i.hint for i in mqa + own]

    def as_dict(self) -> dict:
        return {
            "mqa_score": self.mqa_score,
            "mqa_max": MQA_MAX,
            "band": self.band,
            "provcat_score": self.provcat_score,
            "provcat_max": PROVCAT_MAX,
            "dimensions": [d.as_dict() for d in self.dimensions],
            "provcat": self.provcat.as_dict(),
            "hints": self.hints(),
        }


def _dataset_indicator(key: str, label: str, weight: int, present: bool, hint: str) -> Indicator:
    return Indicator(key, label, weight if present else 0, weight, "" if present else f"{hint}: +{weight}")


def _share_points(weight: int, count: int, total: int) -> int:
    # Whole points, halves rounded up (Python's round() would round 2.5 down to 2).
    return (2 * weight * count + total) // (2 * total)


def _share_indicator(key: str, label: str, weight: int, distributions, has, hint: str) -> Indicator:
    """Share of distributions that have the property x weight (rounded to whole points)."""
    total = len(distributions)
    if total == 0:
        return Indicator(key, label, 0, weight, f"Add a distribution, then {hint[0].lower()}{hint[1:]}: +{weight}")
    count = sum(1 for d in distributions if has(d))
    points = _share_points(weight, count, total)
    if count == total:
        return Indicator(key, label, points, weight)
    missing = total - count
    which = "the distribution" if total == 1 else f"{missing} of {total} distributions"
    return Indicator(key, label, points, weight, f"{hint} ({which}): +{weight - points}")


def _reachable_indicator(key: str, label: str, weight: int, distributions, url_of, reachable_of) -> Indicator:
    total = len(distributions)
    if total == 0:
        return Indicator(key, label, 0, weight, f"Add a distribution whose link answers: +{weight}")
    ok = sum(1 for d in distributions if url_of(d) and reachable_of(d))
    points = _share_points(weight, ok, total)
    if ok == total:
        return Indicator(key, label, points, weight)
    unchecked = sum(1 for d in distributions if url_of(d) and reachable_of(d) is None)
    if unchecked:
        hint = f"{label}: waiting for the link check (runs after saving): up to +{weight - points}"
    else:
        hint = f"Fix the {label.lower()} so that it answers (now {ok} of {total}): +{weight - points}"
    return Indicator(key, label, points, weight, hint)


def _interoperability(facts: DatasetFacts) -> Dimension:
    def indicators_for(d: DistributionFacts | None) -> list[Indicator]:
        d = d or DistributionFacts()
        return [
            _dataset_indicator("format", "Format", 20, d.has_format, "Give the file format"),
            _dataset_indicator("media_type", "Media type", 10, d.has_media_type, "Give the media type"),
            _dataset_indicator(
                "format_vocabulary",
                "Format or media type from a vocabulary",
                10,
                d.format_from_vocabulary,
                "Pick the format or media type from the list",
            ),
            _dataset_indicator(
                "non_proprietary", "Non-proprietary format", 20, d.non_proprietary, "Offer a non-proprietary format"
            ),
            _dataset_indicator(
                "machine_readable",
                "Machine-readable format",
                20,
                d.machine_readable,
                "Offer a machine-readable format such as CSV",
            ),
        ]

    # Only the best distribution counts, as in the MQA.
    candidates = [indicators_for(d) for d in facts.distributions] or [indicators_for(None)]
    best = max(candidates, key=lambda inds: sum(i.points for i in inds))
    best.append(
        _dataset_indicator(
            "dcat_ap",
            "DCAT-AP conformance",
            30,
            facts.dcat_ap_conforms,
            "Fill in the properties DCAT-AP requires (title, description, an access URL per distribution)",
        )
    )
    return Dimension("interoperability", "Interoperability", best)


def _provcat(facts: DatasetFacts) -> Dimension:
    if facts.fields_total == 0:
        defined = Indicator(
            "fields_defined", "Every field defined", 0, 25, "Describe the columns in the data dictionary: +25"
        )
    else:
        points = _share_points(25, facts.fields_defined, facts.fields_total)
        hint = ""
        if facts.fields_defined < facts.fields_total:
            missing = facts.fields_total - facts.fields_defined
            hint = f"Write a definition for {missing} more field{'s' if missing > 1 else ''}: +{25 - points}"
        defined = Indicator("fields_defined", "Every field defined", points, 25, hint)
    collection = _dataset_indicator(
        "collection_method",
        "Collection method recorded",
        25,
        facts.has_collection_method,
        "Say how the data was collected",
    )
    period = timedelta(days=CHECK_PERIOD_DAYS.get(facts.frequency_code, DEFAULT_CHECK_PERIOD_DAYS))
    recent = bool(facts.latest_check_at and facts.now and facts.now - facts.latest_check_at <= period)
    check = _dataset_indicator(
        "recent_check",
        "Validation check in the last period",
        25,
        recent,
        f"Record a validation check run in the last {period.days} days",
    )
    if facts.is_derived:
        lineage = _dataset_indicator(
            "lineage", "Lineage declared", 25, facts.has_lineage, "Name the datasets this one is derived from"
        )
    elif facts.has_collection_method or facts.has_lineage:
        lineage = Indicator("lineage", "Lineage declared", 25, 25)
    else:
        lineage = Indicator(
            "lineage",
            "Lineage declared",
            0,
            25,
            "Say how the data was collected, and if it is derived, name its sources: +25",
        )
    return Dimension("provcat", "Provcat: meaning and trust", [defined, collection, check, lineage])


def score(facts: DatasetFacts) -> Score:
    ds = facts.distributions
    findability = Dimension(
        "findability",
        "Findability",
        [
            _dataset_indicator("keywords", "Keywords", 30, facts.keywords > 0, "Add keywords"),
            _dataset_indicator("themes", "Themes", 30, facts.themes > 0, "Pick a theme"),
            _dataset_indicator("spatial", "Geographical coverage", 20, facts.has_spatial, "Say which place it covers"),
            _dataset_indicator("temporal", "Time period", 20, facts.has_temporal, "Say which time period it covers"),
        ],
    )
    accessibility = Dimension(
        "accessibility",
        "Accessibility",
        [
            _reachable_indicator(
                "access_url_reachable", "Access URL", 50, ds, lambda d: d.access_url, lambda d: d.access_reachable
            ),
            _share_indicator(
                "download_url", "Download URL", 20, ds, lambda d: bool(d.download_url), "Add a download URL"
            ),
            _reachable_indicator(
                "download_url_reachable",
                "Download URL",
                30,
                ds,
                lambda d: d.download_url,
                lambda d: d.download_reachable,
            ),
        ],
    )
    reusability = Dimension(
        "reusability",
        "Reusability",
        [
            _share_indicator("licence", "Licence", 20, ds, lambda d: d.has_licence, "Add a licence"),
            _share_indicator(
                "licence_vocabulary",
                "Licence from a vocabulary",
                10,
                ds,
                lambda d: d.licence_from_vocabulary,
                "Pick the licence from the list",
            ),
            _dataset_indicator(
                "access_rights", "Access rights", 10, facts.has_access_rights, "Say who may access the data"
            ),
            _dataset_indicator(
                "access_rights_vocabulary",
                "Access rights from a vocabulary",
                5,
                facts.access_rights_from_vocabulary,
                "Pick the access rights from the list",
            ),
            _dataset_indicator(
                "contact_point", "Contact point", 20, facts.has_contact_point, "Add a contact name or email"
            ),
            _dataset_indicator("publisher", "Publisher", 10, facts.has_publisher, "Choose the publishing organisation"),
        ],
    )
    contextuality = Dimension(
        "contextuality",
        "Contextuality",
        [
            _share_indicator("rights", "Rights statement", 5, ds, lambda d: d.has_rights, "Add a rights statement"),
            _share_indicator("byte_size", "File size", 5, ds, lambda d: d.has_byte_size, "Give the file size"),
            _dataset_indicator("issued", "Date of issue", 5, facts.has_issued, "Give the date of first issue"),
            _dataset_indicator(
                "modified", "Modification date", 5, facts.has_modified, "Give the date the data last changed"
            ),
        ],
    )
    return Score(
        dimensions=[findability, accessibility, _interoperability(facts), reusability, contextuality],
        provcat=_provcat(facts),
    )
