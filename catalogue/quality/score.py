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
e.g. "Add a licence: +20", and a status: earned, partly earned, not earned, did not answer
(a link was asked and gave an error or no answer) or not checked yet.

A link that has not been checked yet is not scored as unreachable: its indicator is
"pending", earns no points *yet*, and the score says how many points wait for the check
(``Score.pending_points``) so pages show it as provisional rather than as a failure.
What each indicator checks and how to earn it is written once, in ``INDICATORS``, for the
dataset page and the /quality/ page alike.
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


# An indicator's state, as the dataset page shows it.
EARNED, PARTLY, MISSING, FAILED, PENDING = "earned", "partly", "missing", "failed", "pending"

BAND_LABELS = {
    "excellent": "Excellent",
    "good": "Good",
    "sufficient": "Sufficient",
    "bad": "Bad",
}


def band_ranges() -> list[dict]:
    """The bands with their point ranges, highest first (for the page that explains them)."""
    ranges, upper = [], MQA_MAX
    for name, minimum in BANDS:
        ranges.append({"key": name, "label": BAND_LABELS[name], "minimum": minimum, "maximum": upper})
        upper = minimum - 1
    return ranges


@dataclass(frozen=True)
class IndicatorInfo:
    """What an indicator checks (in the words of a publisher) and how to earn its points."""

    dimension: str
    label: str
    points: int
    checks: str
    earn: str
    property: str = ""
    per_distribution: bool = False


# Written once: the dataset page explains each of its indicators with these, and /quality/
# lists them all. Points are those of data.europa.eu's MQA (../shared/reference/standards.md).
INDICATORS: dict[str, IndicatorInfo] = {
    "keywords": IndicatorInfo(
        "findability", "Keywords", 30, "The dataset has at least one keyword.", "Add keywords.", "dcat:keyword"
    ),
    "themes": IndicatorInfo(
        "findability", "Themes", 30, "The dataset is filed under a theme.", "Pick a theme.", "dcat:theme"
    ),
    "spatial": IndicatorInfo(
        "findability",
        "Geographical coverage",
        20,
        "The dataset says which place it covers.",
        "Give the area covered.",
        "dct:spatial",
    ),
    "temporal": IndicatorInfo(
        "findability",
        "Time period",
        20,
        "The dataset says which time period it covers.",
        "Give the start or end of the period covered.",
        "dct:temporal",
    ),
    "access_url_reachable": IndicatorInfo(
        "accessibility",
        "Access URL answers",
        50,
        "Each distribution's access URL answers a web request without an error. Links are checked after "
        "every change and again every week; until a link is checked its points are pending, not lost.",
        "Give an access URL that works for everyone, and fix links that did not answer.",
        "dcat:accessURL",
        True,
    ),
    "download_url": IndicatorInfo(
        "accessibility",
        "Download URL",
        20,
        "Each distribution has a direct download URL.",
        "Add a download URL to each distribution.",
        "dcat:downloadURL",
        True,
    ),
    "download_url_reachable": IndicatorInfo(
        "accessibility",
        "Download URL answers",
        30,
        "Each distribution's download URL answers a web request without an error (checked like the access URL).",
        "Make sure each download link works for everyone.",
        "dcat:downloadURL",
        True,
    ),
    "format": IndicatorInfo(
        "interoperability",
        "Format",
        20,
        "The best distribution gives its file format.",
        "Give the file format.",
        "dct:format",
    ),
    "media_type": IndicatorInfo(
        "interoperability",
        "Media type",
        10,
        "The best distribution gives its media type (such as text/csv).",
        "Give the media type.",
        "dcat:mediaType",
    ),
    "format_vocabulary": IndicatorInfo(
        "interoperability",
        "Format or media type from a vocabulary",
        10,
        "The format or media type is a term of the EU file-type or IANA list.",
        "Pick the format or media type from the list.",
        "dct:format",
    ),
    "non_proprietary": IndicatorInfo(
        "interoperability",
        "Non-proprietary format",
        20,
        "The best distribution is in a format anyone may read without a licence (such as CSV or ODS).",
        "Offer the data in an open format as well.",
        "dct:format",
    ),
    "machine_readable": IndicatorInfo(
        "interoperability",
        "Machine-readable format",
        20,
        "The best distribution is in a format programs can read (such as CSV or JSON, not PDF).",
        "Offer a machine-readable format such as CSV.",
        "dct:format",
    ),
    "dcat_ap": IndicatorInfo(
        "interoperability",
        "DCAT-AP conformance",
        30,
        "The description passes the DCAT-AP 3 checks other European catalogues run.",
        "Fill in title, description and an access URL for each distribution.",
    ),
    "licence": IndicatorInfo(
        "reusability",
        "Licence",
        20,
        "Each distribution has a licence (its own or the dataset's).",
        "Add a licence.",
        "dct:license",
        True,
    ),
    "licence_vocabulary": IndicatorInfo(
        "reusability",
        "Licence from a vocabulary",
        10,
        "The licence is one of the recognised licences.",
        "Pick the licence from the list.",
        "dct:license",
        True,
    ),
    "access_rights": IndicatorInfo(
        "reusability",
        "Access rights",
        10,
        "The dataset says who may access it.",
        "Say who may access the data.",
        "dct:accessRights",
    ),
    "access_rights_vocabulary": IndicatorInfo(
        "reusability",
        "Access rights from a vocabulary",
        5,
        "The access rights are public, restricted or non-public (the EU list).",
        "Pick the access rights from the list.",
        "dct:accessRights",
    ),
    "contact_point": IndicatorInfo(
        "reusability",
        "Contact point",
        20,
        "Someone to ask about the data is named.",
        "Add a contact name or email.",
        "dcat:contactPoint",
    ),
    "publisher": IndicatorInfo(
        "reusability",
        "Publisher",
        10,
        "The publishing organisation is named.",
        "Choose the publishing organisation.",
        "dct:publisher",
    ),
    "rights": IndicatorInfo(
        "contextuality",
        "Rights statement",
        5,
        "Each distribution has a rights statement (such as Crown copyright).",
        "Add a rights statement.",
        "dct:rights",
        True,
    ),
    "byte_size": IndicatorInfo(
        "contextuality",
        "File size",
        5,
        "Each distribution gives its size in bytes.",
        "Give the file size.",
        "dcat:byteSize",
        True,
    ),
    "issued": IndicatorInfo(
        "contextuality",
        "Date of issue",
        5,
        "The date the dataset was first issued is given.",
        "Give the date of first issue.",
        "dct:issued",
    ),
    "modified": IndicatorInfo(
        "contextuality",
        "Modification date",
        5,
        "The date the data last changed is given.",
        "Give the date the data last changed.",
        "dct:modified",
    ),
    "fields_defined": IndicatorInfo(
        "provcat",
        "Every field defined",
        25,
        "Each column of the data dictionary has a definition (share of columns defined).",
        "Describe the columns in the data dictionary, each with a definition.",
    ),
    "collection_method": IndicatorInfo(
        "provcat",
        "Collection method recorded",
        25,
        "The dataset says how the data was collected (survey, administrative records, sensors...).",
        "Say how the data was collected.",
    ),
    "recent_check": IndicatorInfo(
        "provcat",
        "Validation check in the last period",
        25,
        "A validation check ran within the dataset's update period (a year when it has none).",
        "Record the validation checks your pipeline runs.",
    ),
    "lineage": IndicatorInfo(
        "provcat",
        "Lineage declared",
        25,
        "Derived data names the datasets it comes from; other data says how it was collected.",
        "Name the source datasets of derived data.",
    ),
}

DIMENSIONS = (
    ("findability", "Findability", "Can people find the dataset by what it is about, where and when?"),
    ("accessibility", "Accessibility", "Can people get the data: do its links exist and answer?"),
    ("interoperability", "Interoperability", "Can programs read it: open, machine-readable, standard formats?"),
    ("reusability", "Reusability", "May people reuse it, and whom do they ask?"),
    ("contextuality", "Contextuality", "Does it say how big it is and when it was issued and changed?"),
)
PROVCAT_DIMENSION = (
    "provcat",
    "Provcat: meaning and trust",
    "Can people tell what the data means, how it was made and checked, and where it came from?",
)

STATUS_LABELS = {
    EARNED: "Earned",
    PARTLY: "Partly earned",
    MISSING: "Not earned",
    FAILED: "Did not answer",
    PENDING: "Not checked yet",
}


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
    # None: worked out from the points (earned, partly or missing); link indicators say
    # "failed" (a link did not answer) or "pending" (a link not checked yet).
    state: str | None = None
    # Points that wait for a link check: not earned, not lost.
    pending: int = 0

    @property
    def status(self) -> str:
        if self.state:
            return self.state
        if self.points >= self.maximum:
            return EARNED
        return PARTLY if self.points else MISSING

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "points": self.points,
            "max": self.maximum,
            "hint": self.hint,
            "status": self.status,
            "pending": self.pending,
        }


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

    @property
    def pending_points(self) -> int:
        """Points that wait for a link check: the score may rise by this much once it runs."""
        return sum(i.pending for d in self.dimensions for i in d.indicators)

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
            "pending_points": self.pending_points,
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
    """Share of distributions whose link answered x weight. A link not checked yet is neither
    earned nor failed: its share of the points is pending until the check has run."""
    total = len(distributions)
    if total == 0:
        return Indicator(key, label, 0, weight, f"Add a distribution whose link answers: +{weight}")
    ok = sum(1 for d in distributions if url_of(d) and reachable_of(d))
    unchecked = sum(1 for d in distributions if url_of(d) and reachable_of(d) is None)
    failed = sum(1 for d in distributions if url_of(d) and reachable_of(d) is False)
    points = _share_points(weight, ok, total)
    if ok == total:
        return Indicator(key, label, points, weight)
    pending = _share_points(weight, ok + unchecked, total) - points
    link = label.removesuffix(" answers")
    if failed:
        hint = f"Fix the {link[0].lower()}{link[1:]} that did not answer (now {ok} of {total}): +{weight - points}"
        return Indicator(key, label, points, weight, hint, FAILED, pending)
    if unchecked:
        hint = f"{link}: waiting for the link check (runs after saving): up to +{weight - points}"
        return Indicator(key, label, points, weight, hint, PENDING, pending)
    return Indicator(key, label, points, weight, f"Give every distribution this link: +{weight - points}")


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
                "access_url_reachable",
                "Access URL answers",
                50,
                ds,
                lambda d: d.access_url,
                lambda d: d.access_reachable,
            ),
            _share_indicator(
                "download_url", "Download URL", 20, ds, lambda d: bool(d.download_url), "Add a download URL"
            ),
            _reachable_indicator(
                "download_url_reachable",
                "Download URL answers",
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
