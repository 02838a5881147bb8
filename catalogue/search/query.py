"""Answering a search: results, facet counts and paging, all through the access helper.

Every query starts from ``visible_datasets_q(user)`` (catalogue.access) applied to the
SearchEntry table, whose status / access_rights / publisher columns copy the dataset's.
The page's rows are then loaded again through ``visible_datasets(user)``, so even a stale
entry cannot show a dataset the user may not read.

On PostgreSQL: websearch_to_tsquery on the GIN-indexed weighted tsvector, ranked with
ts_rank; all facets counted in ONE grouped scan over the matched rows
(``unnest(facet_keys)``); filters use the GIN index on the facet-key array; snippets come
from ts_headline on the 20 rows shown. The unfiltered page uses SearchFacetTotal, which
is maintained on write. On SQLite: each word matched by substring on the part it shares
with its Snowball stem (catalogue.search.words), facets counted in Python.

What people mean, on both databases: words are stemmed ("admissions" finds "admission")
while exact words rank first (whole words of the title as typed, then ts_rank);
synonyms (catalogue.search.synonyms) run the query in its other spellings; a word the
catalogue's vocabulary lacks gets a "did you mean" (catalogue.search.vocabulary) when the
corrected search finds more; an empty result offers broader searches.
"""

import html
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from catalogue.access import catalogued_q, sees_beyond_public, sees_everything, visible_datasets, visible_datasets_q
from catalogue.models import Dataset, Keyword, Organisation, SearchEntry, SearchFacetTotal, VocabularyTerm
from catalogue.search.index import SAMPLE_BUCKETS, SCOPE_ALL, SCOPE_PUBLIC, TOTAL_KEY
from catalogue.search.synonyms import Expansion, query_expand
from catalogue.search.vocabulary import known_words, nearest_word
from catalogue.search.words import VOCABULARY_WORD, match_root, words_of
from lib.input_parsing import InvalidValue, whole_number_parse

PAGE_SIZE = 20
# Offset paging is capped: past 500 pages nobody browses, and a refined query is faster for everyone.
MAX_PAGE = 500
FACET_LIMIT = 8
# Up to this many matches facets are counted exactly; beyond, over a sample (see _match_counts).
EXACT_LIMIT = 1500
# Up to this many matches results are ranked by relevance; beyond, newest first.
RANK_LIMIT = 5000
# websearch_to_tsquery syntax is safe for any input, but the query text is bounded all the same.
MAX_QUERY_LENGTH = 200
# Exact words rank first: at most this many of the query's words are weighed, over the
# first RERANK_WINDOW matches in relevance order (see _exact_first).
EXACT_WORDS = 8
RERANK_WINDOW = 200
# "Did you mean" looks at most this many unknown words of a query, and only for a search
# that finds less than a page: beyond that people have results to read, and counting what a
# corrected broad search finds would cost as much as the search itself.
SUGGEST_WORDS = 3
SUGGEST_BELOW = PAGE_SIZE


@dataclass(frozen=True)
class Facet:
    param: str  # the URL parameter, e.g. "publisher"
    label: str  # the heading shown, e.g. "Publisher"
    prefix: str  # the facet-key prefix in SearchEntry.facet_keys, e.g. "p"
    scheme: str = ""  # the vocabulary scheme, for facets over VocabularyTerm


FACETS = [
    Facet("publisher", "Publisher", "p"),
    Facet("theme", "Theme", "t", VocabularyTerm.Scheme.THEME),
    Facet("keyword", "Keyword", "k"),
    Facet("format", "Format", "f", VocabularyTerm.Scheme.FILE_TYPE),
    Facet("licence", "Licence", "l", VocabularyTerm.Scheme.LICENCE),
    Facet("access", "Access rights", "a"),
    Facet("frequency", "Update frequency", "r", VocabularyTerm.Scheme.FREQUENCY),
    Facet("quality", "Metadata quality", "q"),
    Facet("lineage", "Lineage", "h"),
    Facet("checks", "Validation checks", "x"),
    Facet("upstream", "Upstream checks", "u"),
]
FACETS_BY_PARAM = {f.param: f for f in FACETS}
FACETS_BY_PREFIX = {f.prefix: f for f in FACETS}

QUALITY_BANDS = {
    "excellent": "Excellent",
    "good": "Good",
    "sufficient": "Sufficient",
    "bad": "Bad",
    "none": "Not scored yet",
}
FIXED_VALUES = {
    "a": {code: label for code, label in Dataset.AccessRights.choices},
    "q": QUALITY_BANDS,
    "h": {"1": "Has recorded lineage", "0": "No recorded lineage"},
    "x": {"1": "A check is failing", "0": "No failing check"},
    "u": {"1": "An upstream dataset fails a check"},
}
# URL value <-> key suffix for the facets with fixed values.
FIXED_URL = {"h": {"yes": "1", "no": "0"}, "x": {"failing": "1", "passing": "0"}, "u": {"failing": "1"}}

SORTS = {
    "relevance": "Relevance",
    "modified": "Recently modified",
    "title": "Title (A to Z)",
    "quality": "Metadata quality score",
}


@dataclass
class FacetValue:
    value: str  # as it appears in the URL
    label: str
    count: int
    selected: bool
    url: str  # the search URL with this value toggled
    facet_label: str = ""  # the facet it belongs to, e.g. "Publisher"


@dataclass
class FacetResult:
    facet: Facet
    values: list[FacetValue]
    more: int = 0


@dataclass
class Result:
    dataset: Dataset
    snippet: SafeString
    formats: list[str]
    quality_band: str
    failing: bool = False
    upstream_failing: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A search to offer: what it searches for, and its address."""

    q: str
    url: str
    label: str = ""


@dataclass
class SearchPage:
    q: str
    sort: str
    page: int
    total: int
    results: list[Result]
    facets: list[FacetResult]
    selected: list[FacetValue]
    page_urls: dict = field(default_factory=dict)
    capped: bool = False
    elapsed_ms: float = 0.0
    unknown_filters: list[str] = field(default_factory=list)
    approximate: bool = False  # counts estimated from a sample of the matches
    ranked: bool = True  # False: too many matches to rank, shown newest first
    also: list[tuple[str, str]] = field(default_factory=list)  # synonyms searched too: (in the query, also)
    suggestion: "Suggestion | None" = None  # did you mean
    broader: list["Suggestion"] = field(default_factory=list)  # broader searches, on an empty result

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * PAGE_SIZE)


# -- vocabulary labels ---------------------------------------------------------------------

_VOCAB_CACHE: dict = {"loaded": 0.0, "by_id": {}, "by_code": {}}
_VOCAB_TTL = 600.0
_VOCAB_SCHEMES = (
    VocabularyTerm.Scheme.THEME,
    VocabularyTerm.Scheme.FILE_TYPE,
    VocabularyTerm.Scheme.LICENCE,
    VocabularyTerm.Scheme.FREQUENCY,
)


def _vocabulary(*, reload: bool = False) -> tuple[dict, dict]:
    """Term id -> (code, label) and (scheme, code) -> id for the faceted schemes.

    The vocabularies are loaded by migrations and change only with a deploy, so each
    process keeps them for ten minutes instead of asking on every search; a term the
    cache does not know makes the caller reload it (``reload``).
    """
    now = time.monotonic()
    if reload or now - _VOCAB_CACHE["loaded"] > _VOCAB_TTL or not _VOCAB_CACHE["by_id"]:
        by_id, by_code = {}, {}
        for pk, scheme, code, label in VocabularyTerm.objects.filter(scheme__in=_VOCAB_SCHEMES).values_list(
            "id", "scheme", "code", "label"
        ):
            by_id[pk] = (code, label)
            by_code[(scheme, code)] = pk
        _VOCAB_CACHE.update(loaded=now, by_id=by_id, by_code=by_code)
    return _VOCAB_CACHE["by_id"], _VOCAB_CACHE["by_code"]


# -- parsing the URL -------------------------------------------------------------------------


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # param -> URL values, in URL order
    sort: str = ""
    page: int = 1

    @classmethod
    def from_querydict(cls, data: QueryDict) -> "SearchParams":
        q = " ".join(data.get("q", "").split())[:MAX_QUERY_LENGTH]
        filters = {}
        for facet in FACETS:
            values = [v for v in dict.fromkeys(data.getlist(facet.param)) if v]
            if values:
                filters[facet.param] = values
        sort = data.get("sort", "")
        if sort not in SORTS:
            sort = "relevance" if q else "modified"
        if sort == "relevance" and not q:
            sort = "modified"
        try:
            page = whole_number_parse(data.get("page"), "page", default=1, minimum=1)
        except InvalidValue:
            page = 1  # a hand-edited address shows the first page rather than an error
        return cls(q=q, filters=filters, sort=sort, page=page)

    def url(self, **changes) -> str:
        """The search URL for this state with ``changes`` applied (page resets unless given)."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", 1)
        pairs = [("q", q)] if q else []
        for facet in FACETS:
            pairs.extend((facet.param, value) for value in filters.get(facet.param, []))
        default_sort = "relevance" if q else "modified"
        if sort and sort != default_sort:
            pairs.append(("sort", sort))
        if page > 1:
            pairs.append(("page", str(page)))
        # Plain urlencode: this runs for every facet value on the page.
        return "/?" + urlencode(pairs) if pairs else "/"

    def toggled(self, param: str, value: str) -> dict[str, list[str]]:
        filters = {k: list(v) for k, v in self.filters.items()}
        values = filters.setdefault(param, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return {k: v for k, v in filters.items() if v}


def _filter_keys(params: SearchParams) -> tuple[list[str], list[str]]:
    """Translate URL filter values to facet keys; unknown values are reported, and match nothing."""
    _, by_code = _vocabulary()
    wanted = {
        (FACETS_BY_PARAM[p].scheme, v)
        for p, values in params.filters.items()
        for v in values
        if FACETS_BY_PARAM[p].scheme
    }
    if wanted - set(by_code):
        _, by_code = _vocabulary(reload=True)
    keys, unknown = [], []
    slugs = params.filters.get("publisher", [])
    org_ids = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "id")) if slugs else {}
    names = params.filters.get("keyword", [])
    keyword_ids = dict(Keyword.objects.filter(name__in=names).values_list("name", "id")) if names else {}
    for param, values in params.filters.items():
        facet = FACETS_BY_PARAM[param]
        for value in values:
            if param == "publisher":
                pk = org_ids.get(value)
            elif param == "keyword":
                pk = keyword_ids.get(value)
            elif facet.scheme:
                pk = by_code.get((facet.scheme, value))
            elif facet.prefix in FIXED_URL:
                pk = FIXED_URL[facet.prefix].get(value)
            else:
                pk = value if value in FIXED_VALUES[facet.prefix] else None
            if pk is None:
                unknown.append(f"{facet.label}: {value}")
                keys.append(f"{facet.prefix}-unknown")
            else:
                keys.append(f"{facet.prefix}{pk}")
    return keys, unknown


# -- the search ------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _visible_entries(user):
    """Searchable entries the user may read: the access helper's condition on SearchEntry."""
    entries = SearchEntry.objects.exclude(status=Dataset.Status.WITHDRAWN)
    condition = visible_datasets_q(user)
    return entries if condition is None else entries.filter(condition)


def _search_query(expansion: Expansion) -> SearchQuery:
    """The variants of a query as one tsquery: websearch syntax, English stemming, ORed."""
    combined = None
    for variant in expansion.variants:
        one = SearchQuery(variant, config="english", search_type="websearch")
        combined = one if combined is None else combined | one
    return combined


def _word_q(word: str) -> Q:
    """SQLite: a word starting with the word's root (so any form with its stem), in any
    searched text; a short word ("LA", "GP") must match whole, not inside "population"."""
    root = match_root(word)
    pattern = r"\b" + re.escape(root) + (r"\b" if len(root) <= 3 else "")
    return (
        Q(title__iregex=pattern)
        | Q(keywords_text__iregex=pattern)
        | Q(description__iregex=pattern)
        | Q(fields_text__iregex=pattern)
    )


def _text_filter(entries, q: str, expansion: Expansion | None = None):
    expansion = expansion or query_expand(q)
    if _postgres():
        return entries.filter(document=_search_query(expansion))
    condition = None
    for variant in expansion.variants:
        words = words_of(variant)
        if not words:
            continue
        every_word = Q()
        for word in words:
            every_word &= _word_q(word)
        condition = every_word if condition is None else condition | every_word
    return entries if condition is None else entries.filter(condition)


def _exact_first(rows: list[tuple], q: str) -> list[tuple]:
    """Rows (their last item the title) with those whose title has more of the query's own
    words, as typed and whole, first; otherwise in the order given (the sort is stable).
    So a search for "admissions" ranks "Hospital admissions" above "Hospital admission rates".

    Done in Python over the first RERANK_WINDOW rows rather than in SQL: the title is stored
    out of line, and reading it for every match (thousands at 100,000 datasets) doubled the
    search's cost (bench/RESULTS.md). Exact title words imply the stem in the title, which
    ts_rank weighs highest, so the rows that move are within that window.
    """
    words = list(dict.fromkeys(words_of(q)))[:EXACT_WORDS]
    if not words:
        return rows

    def exact(row: tuple) -> int:
        title_words = set(words_of(row[-1]))
        return sum(1 for w in words if w in title_words)

    return sorted(rows, key=lambda row: -exact(row))


def _key_filter(entries, keys: list[str]):
    if not keys:
        return entries
    if _postgres():
        return entries.filter(
            RawSQL("string_to_array(btrim(facet_keys), ' ') @> %s::text[]", (keys,), output_field=BooleanField())
        )
    for key in keys:
        entries = entries.filter(facet_keys__contains=f" {key} ")
    return entries


def _count_keys(entries) -> Counter:
    """Facet-key counts over ``entries`` plus TOTAL_KEY: one grouped scan on PostgreSQL."""
    if _postgres():
        sql, params = entries.values("facet_keys").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH m AS MATERIALIZED ({sql})
                SELECT k, count(*) FROM m, unnest(string_to_array(btrim(m.facet_keys), ' ')) AS k GROUP BY k
                UNION ALL SELECT %s, count(*) FROM m
                """,
                [*params, TOTAL_KEY],
            )
            return Counter(dict(cursor.fetchall()))
    counts: Counter = Counter()
    for facet_keys in entries.values_list("facet_keys", flat=True):
        counts[TOTAL_KEY] += 1
        counts.update(facet_keys.split())
    return counts


def _sample_filter(entries, one_in: int):
    """Entries in a fixed 1-in-``one_in`` sample (by the bucket key written at index time)."""
    buckets = [f"b{i}" for i in range(SAMPLE_BUCKETS // one_in)]
    return entries.filter(
        RawSQL("string_to_array(btrim(facet_keys), ' ') && %s::text[]", (buckets,), output_field=BooleanField())
    )


def _match_counts(entries) -> tuple[Counter, int]:
    """Facet counts and the total for a query, and the sampling used (1 = exact).

    Counting facets costs time in proportion to the matches, so on PostgreSQL a broad
    query is counted over a fixed sample of them (1 in 4, 16 or 64, chosen so that a
    couple of thousand rows are counted) and the counts are scaled up and shown as
    estimates. A query matching up to EXACT_LIMIT datasets is counted exactly.
    """
    if not _postgres():
        return _count_keys(entries), 1
    probe = _count_keys(_sample_filter(entries, SAMPLE_BUCKETS))
    estimate = probe.get(TOTAL_KEY, 0) * SAMPLE_BUCKETS
    if estimate <= EXACT_LIMIT:
        return _count_keys(entries), 1
    one_in = next(n for n in (4, 16, 64) if estimate <= EXACT_LIMIT * n or n == SAMPLE_BUCKETS)
    sample = probe if one_in == SAMPLE_BUCKETS else _count_keys(_sample_filter(entries, one_in))
    if sample.get(TOTAL_KEY, 0) * one_in <= EXACT_LIMIT:  # the probe overestimated
        return _count_keys(entries), 1
    return Counter({key: _round_estimate(n * one_in) for key, n in sample.items()}), one_in


def _round_estimate(n: int) -> int:
    """Two significant figures: an estimate should not look precise."""
    if n < 100:
        return n
    magnitude = 10 ** (len(str(n)) - 2)
    return round(n / magnitude) * magnitude


def _totals(scope: str) -> Counter:
    return Counter(dict(SearchFacetTotal.objects.filter(scope=scope).values_list("key", "count")))


def _unfiltered_counts(user, entries) -> Counter:
    """Counts for the page with no query and no filter, from the totals kept on write.

    Everyone sees the public totals; a user who may read more (a member, over their own
    organisations' other datasets: few, and disjoint from the public ones) adds a live
    count over the searchable entries that are not catalogued; a site administrator
    reads the totals over everything.
    """
    if sees_everything(user):
        return _totals(SCOPE_ALL)
    counts = _totals(SCOPE_PUBLIC)
    if sees_beyond_public(user):
        counts.update(_count_keys(entries.exclude(catalogued_q())))
    return counts


def _ordered(entries, params: SearchParams, *, rank: bool = True, expansion: Expansion | None = None):
    if params.sort == "relevance":
        expansion = expansion or query_expand(params.q)
        if _postgres() and rank:
            # Ranked on the small title (A) + keywords (B) vector kept in the row; matches only
            # in field names (B), descriptions and definitions (C) follow, newest first.
            # Exact words then come first within the first rows (search: _exact_first).
            return entries.annotate(rank=SearchRank(F("rank_document"), _search_query(expansion))).order_by(
                "-rank", "-modified", "dataset_id"
            )
        return entries.order_by("-modified", "dataset_id")
    if params.sort == "title":
        return entries.order_by("title", "dataset_id")
    if params.sort == "quality":
        return entries.order_by(F("quality_score").desc(nulls_last=True), "dataset_id")
    return entries.order_by("-modified", "dataset_id")


def _highlight_python(text: str, q: str, length: int = 240, expansion: Expansion | None = None) -> str:
    variants = expansion.variants if expansion else [q]
    words = list(dict.fromkeys(match_root(w) for v in variants for w in words_of(v) if len(w) > 1))
    start = 0
    if words:
        match = re.search("|".join(re.escape(w) for w in words), text, re.IGNORECASE)
        if match:
            start = max(0, match.start() - 60)
    snippet = text[start : start + length]
    escaped = html.escape(snippet)
    if words:
        escaped = re.sub(
            "(" + "|".join(re.escape(html.escape(w)) for w in words) + ")",
            r"<mark>\1</mark>",
            escaped,
            flags=re.IGNORECASE,
        )
    return ("…" if start else "") + escaped + ("…" if start + length < len(text) else "")


# ts_headline marks matches with these control characters; the text is escaped and only
# then are they turned into <mark>, so a description cannot inject markup.
_START, _STOP = "\x02", "\x03"


def _safe_headline(headline: str) -> str:
    return html.escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>")


def _rows(user, page_ids: list[int], q: str, expansion: Expansion | None = None) -> dict[int, Dataset]:
    """The page's datasets, loaded again through the access helper, with snippets."""
    datasets = visible_datasets(user, Dataset.objects.filter(id__in=page_ids)).select_related("publisher")
    datasets = datasets.only(
        "id",
        "slug",
        "title",
        "description",
        "status",
        "access_rights",
        "modified",
        "updated_at",
        "quality_band",
        "quality_score",
        "publisher__name",
        "publisher__slug",
        "publisher__abbreviation",
    )
    if q and _postgres():
        datasets = datasets.annotate(
            headline=SearchHeadline(
                "description",
                _search_query(expansion or query_expand(q)),
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=40,
                min_words=20,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    return {d.id: d for d in datasets}


def search(user, params: SearchParams) -> SearchPage:
    started = time.perf_counter()
    entries = _visible_entries(user)
    base = entries
    expansion = query_expand(params.q) if params.q else Expansion([""])
    if params.q:
        entries = _text_filter(entries, params.q, expansion)
    keys, unknown = _filter_keys(params)
    entries = _key_filter(entries, keys)

    with transaction.atomic():
        if _postgres() and params.q:
            # Matching must come from the GIN index: the planner does not price reading each
            # full document back from TOAST, and a sequential scan that does so is 10x slower.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        if not params.q and not keys:
            counts, sampled_1_in = _unfiltered_counts(user, base), 1
        else:
            counts, sampled_1_in = _match_counts(entries)
        total = counts.get(TOTAL_KEY, 0)

        page = min(params.page, MAX_PAGE, max(1, -(-total // PAGE_SIZE)))
        capped = params.page > MAX_PAGE
        offset = (page - 1) * PAGE_SIZE
        rank = total <= RANK_LIMIT
        ordered = _ordered(entries, params, rank=rank, expansion=expansion)
        if params.sort == "relevance" and rank and offset + PAGE_SIZE <= RERANK_WINDOW:
            window = list(ordered.values_list("dataset_id", "facet_keys", "quality_band", "title")[:RERANK_WINDOW])
            page_entries = [row[:3] for row in _exact_first(window, params.q)[offset : offset + PAGE_SIZE]]
        else:
            page_entries = list(
                ordered.values_list("dataset_id", "facet_keys", "quality_band")[offset : offset + PAGE_SIZE]
            )
    datasets = _rows(user, [row[0] for row in page_entries], params.q, expansion)
    vocab_by_id, _ = _vocabulary()
    format_ids = {int(k[1:]) for _, facet_keys, _ in page_entries for k in facet_keys.split() if k.startswith("f")}
    if format_ids - set(vocab_by_id):
        vocab_by_id, _ = _vocabulary(reload=True)
    results = []
    for dataset_id, facet_keys, band in page_entries:
        dataset = datasets.get(dataset_id)
        if dataset is None:  # the entry is stale and the helper says no: show nothing
            continue
        if params.q and hasattr(dataset, "headline"):
            snippet = _safe_headline(dataset.headline)
        elif params.q:
            snippet = _highlight_python(dataset.description, params.q, expansion=expansion)
        else:
            snippet = html.escape(dataset.description[:240]) + ("…" if len(dataset.description) > 240 else "")
        formats = [vocab_by_id.get(int(k[1:]), ("", "?"))[1] for k in facet_keys.split() if k.startswith("f")]
        results.append(
            Result(
                dataset=dataset,
                snippet=mark_safe(snippet),
                formats=formats,
                quality_band=band,
                failing=" x1 " in facet_keys,
                upstream_failing=" u1 " in facet_keys,
            )
        )

    params.page = page
    facets, selected = _facet_results(params, counts)
    suggestion = _did_you_mean(user, params, expansion, keys, total) if params.q else None
    return SearchPage(
        q=params.q,
        sort=params.sort,
        page=page,
        total=total,
        results=results,
        facets=facets,
        selected=selected,
        capped=capped,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        unknown_filters=unknown,
        approximate=sampled_1_in > 1,
        ranked=params.sort != "relevance" or rank,
        also=expansion.also,
        suggestion=suggestion,
        broader=_broader(params) if not total else [],
    )


def _did_you_mean(user, params: SearchParams, expansion: Expansion, keys: list[str], total: int) -> Suggestion | None:
    """The query with each word the catalogue's vocabulary lacks replaced by its nearest
    vocabulary word, when that search finds more than this one (through the same access
    rule and filters, so it never hints at what the user may not see).

    One query for a search whose words are all known, or that finds a page or more; a few
    more for a misspelt one.
    """
    candidates = [
        w
        for w in dict.fromkeys(words_of(params.q))
        if w not in expansion.synonym_words and VOCABULARY_WORD.fullmatch(w)
    ]
    known = known_words(candidates)
    if total >= SUGGEST_BELOW:
        return None
    unknown = [w for w in candidates if w not in known][:SUGGEST_WORDS]
    replacements = {w: near for w in unknown if (near := nearest_word(w))}
    if not replacements:
        return None
    corrected = params.q
    for word, near in replacements.items():
        corrected = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", near, corrected, flags=re.IGNORECASE)
    entries = _key_filter(_text_filter(_visible_entries(user), corrected), keys)
    # Counting stops one past this search's total: all that matters is "more".
    if entries.values("dataset_id")[: total + 1].count() <= total:
        return None
    return Suggestion(corrected, params.url(q=corrected, sort=""))


def _broader(params: SearchParams) -> list[Suggestion]:
    """Broader searches for a page that found nothing: each word alone, or every dataset. Offered, not counted (counting each would cost a search)."""
    offers = []  # removing filters is offered beside each filter in use (the page's own links)
    words = list(dict.fromkeys(words_of(params.q)))
    if len(words) > 1:
        for word in words[:4]:
            offers.append(Suggestion(word, params.url(q=word, sort=""), f"Search for “{word}” alone"))
    if params.q and not params.filters and len(words) <= 1:
        offers.append(Suggestion("", params.url(q="", sort=""), "Browse every dataset"))
    return offers


def _facet_results(params: SearchParams, counts: Counter) -> tuple[list[FacetResult], list[FacetValue]]:
    """Facet values with counts, top FACET_LIMIT per facet plus anything selected."""
    by_prefix: dict[str, list[tuple[str, int]]] = {f.prefix: [] for f in FACETS}
    for key, n in counts.items():
        if key != TOTAL_KEY and key[:1] in by_prefix and n > 0:
            by_prefix[key[:1]].append((key[1:], n))
    selected_urls = {(param, v) for param, values in params.filters.items() for v in values}

    # Which ids need a label: the top values of each facet (the selected ones come from the URL).
    shown: dict[str, list[tuple[str, int]]] = {}
    for prefix, values in by_prefix.items():
        if prefix in FIXED_VALUES:  # bands and yes/no values read best in their own order
            order = list(FIXED_VALUES[prefix])
            values.sort(key=lambda item, order=order: order.index(item[0]) if item[0] in order else len(order))
        else:
            values.sort(key=lambda item: (-item[1], item[0]))
        shown[prefix] = values
    org_ids = [int(v) for v, _ in shown["p"][: FACET_LIMIT * 3]]
    keyword_ids = [int(v) for v, _ in shown["k"][: FACET_LIMIT * 3]]
    selected_slugs = params.filters.get("publisher", [])
    selected_names = params.filters.get("keyword", [])
    orgs = {
        pk: (slug, name)
        for pk, slug, name in Organisation.objects.filter(Q(id__in=org_ids) | Q(slug__in=selected_slugs)).values_list(
            "id", "slug", "name"
        )
    }
    keywords = {
        pk: (name, name)
        for pk, name in Keyword.objects.filter(Q(id__in=keyword_ids) | Q(name__in=selected_names)).values_list(
            "id", "name"
        )
    }
    vocab_by_id, _ = _vocabulary()
    term_ids = {int(v) for p in "tflr" for v, _ in shown[p][: FACET_LIMIT * 3]}
    if term_ids - set(vocab_by_id):
        vocab_by_id, _ = _vocabulary(reload=True)

    def describe(prefix: str, suffix: str) -> tuple[str, str] | None:
        """(URL value, label) for a key suffix."""
        if prefix == "p":
            return orgs.get(int(suffix))
        if prefix == "k":
            return keywords.get(int(suffix))
        if prefix in FIXED_URL:
            url_value = {v: k for k, v in FIXED_URL[prefix].items()}[suffix]
            return url_value, FIXED_VALUES[prefix][suffix]
        if prefix in FIXED_VALUES:
            return suffix, FIXED_VALUES[prefix].get(suffix, suffix)
        return vocab_by_id.get(int(suffix))

    facets, selected = [], []
    for facet in FACETS:
        values, seen = [], set()
        for suffix, n in shown[facet.prefix]:
            described = describe(facet.prefix, suffix)
            if described is None:
                continue
            url_value, label = described
            is_selected = (facet.param, url_value) in selected_urls
            if len(values) >= FACET_LIMIT and not is_selected:
                continue
            seen.add(url_value)
            values.append(
                FacetValue(
                    url_value,
                    label,
                    n,
                    is_selected,
                    params.url(filters=params.toggled(facet.param, url_value), sort=params.sort),
                    facet.label,
                )
            )
        for url_value in params.filters.get(facet.param, []):
            if url_value not in seen:  # selected but matching nothing now: still offer to remove it
                values.append(
                    FacetValue(
                        url_value,
                        _selected_label(facet, url_value, orgs),
                        0,
                        True,
                        params.url(filters=params.toggled(facet.param, url_value), sort=params.sort),
                        facet.label,
                    )
                )
        for value in values:
            if value.selected:
                selected.append(value)
        more = max(0, len(shown[facet.prefix]) - len(values))
        if values:
            facets.append(FacetResult(facet=facet, values=values, more=more))
    return facets, selected


def _selected_label(facet: Facet, url_value: str, orgs: dict) -> str:
    """The label of a filter in use that matches nothing now (the page still names it)."""
    if facet.prefix == "p":
        return next((name for slug, name in orgs.values() if slug == url_value), url_value)
    if facet.scheme:
        vocab_by_id, by_code = _vocabulary()
        return vocab_by_id.get(by_code.get((facet.scheme, url_value)), ("", url_value))[1]
    if facet.prefix in FIXED_URL:
        suffix = FIXED_URL[facet.prefix].get(url_value)
        return FIXED_VALUES[facet.prefix].get(suffix, url_value)
    return FIXED_VALUES.get(facet.prefix, {}).get(url_value, url_value)


def theme_counts(user) -> list[dict]:
    """Every theme with the number of searchable datasets the user may see in it."""
    counts = _unfiltered_counts(user, _visible_entries(user))
    rows = []
    for pk, code, label, description in VocabularyTerm.objects.filter(scheme=VocabularyTerm.Scheme.THEME).values_list(
        "id", "code", "label", "description"
    ):
        rows.append(
            {
                "code": code,
                "label": label,
                "description": description,
                "count": counts.get(f"t{pk}", 0),
                "url": SearchParams(filters={"theme": [code]}).url(),
            }
        )
    return rows


def publisher_counts(user) -> dict[int, int]:
    """Organisation id -> the number of searchable datasets it publishes that the user may see."""
    counts = _unfiltered_counts(user, _visible_entries(user))
    return {int(key[1:]): n for key, n in counts.items() if key.startswith("p") and key[1:].isdigit() and n > 0}


def matching_dataset_ids(q: str):
    """The ids (a subquery) of datasets whose search entry matches ``q``: the search
    page's full-text match, for the CKAN API's free text. No access rule is applied here;
    the caller starts from the datasets it may show."""
    return _text_filter(SearchEntry.objects.all(), q).values("dataset_id")
