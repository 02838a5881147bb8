"""The catalogue's tables: the records people write (records.py) and the state derived
from them by workers (derived.py)."""

from catalogue.models.derived import (
    DerivedWork,
    LinkCheck,
    QualityAssessment,
    RdfRecord,
    SearchEntry,
    SearchFacetTotal,
    WorkerHeartbeat,
)
from catalogue.models.records import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Keyword,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
    mint_uri,
    slug_validator,
    unique_slug,
    unique_slugs,
)
from catalogue.models.workflow import DatasetDraft, DatasetReview

__all__ = [
    "CollectionMethod",
    "Dataset",
    "DatasetDraft",
    "DatasetReview",
    "DerivedWork",
    "Distribution",
    "Field",
    "Keyword",
    "LinkCheck",
    "Membership",
    "Organisation",
    "QualityAssessment",
    "QualityMeasurement",
    "RdfRecord",
    "SearchEntry",
    "SearchFacetTotal",
    "ValidationCheck",
    "VocabularyTerm",
    "WorkerHeartbeat",
    "mint_uri",
    "slug_validator",
    "unique_slug",
    "unique_slugs",
]
