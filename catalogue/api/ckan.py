"""A read-only CKAN-compatible action API (/api/3/action/<name> and /api/action/<name>).

Existing harvesters and the ``ckanapi`` client speak CKAN's action API: GET with query
parameters or POST with a JSON body, answered in CKAN's envelope
({"help", "success", "result"} or {"help", "success": false, "error": {"__type", ...}}).
Only catalogued datasets (published and public) exist here. Free text in ``q`` (and
``text:``) is the search page's full-text match: PostgreSQL's websearch query over the
indexed title, keywords, description and field definitions (every word on SQLite).
"""

import datetime
import re

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from catalogue.access import catalogued_datasets
from catalogue.dcat.pages import BadRequest, parse_when
from catalogue.models import Dataset, Distribution, Organisation
from catalogue.rdf.dcat import PLANNED_AVAILABILITY
from catalogue.search.query import matching_dataset_ids
from config.throttling import rate_limited
from lib.input_parsing import InvalidValue, json_document_load, row_id_parse, whole_number_parse

MAX_ROWS = 1000
FACET_FIELDS = ("organization", "tags", "res_format", "license_id", "groups")


class NotFound(Exception):
    """CKAN's "Not Found Error"."""


class Invalid(Exception):
    """CKAN's "Validation Error": field -> list of messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class SearchQueryError(Exception):
    """CKAN's "Search Query Error": a q or fq this API cannot parse."""


# Parameters --------------------------------------------------------------------------


def _int(params: dict, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole-number parameter; a page size above ``maximum`` is cut down, as CKAN does."""
    try:
        if maximum is None:
            return whole_number_parse(params.get(name), name, default=default, minimum=minimum)
        return whole_number_parse(params.get(name), name, default=default, minimum=minimum, maximum=maximum, clamp=True)
    except InvalidValue as error:
        raise Invalid({name: [str(error)]}) from None


def _bool(params: dict, name: str, default: bool = False) -> bool:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "1", "yes", "on")


def _list(raw, name: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw]
    try:
        value = json_document_load(raw)
    except (TypeError, ValueError):
        raise Invalid({name: ["Must be a JSON list of strings"]}) from None
    if not isinstance(value, list):
        raise Invalid({name: ["Must be a JSON list of strings"]})
    return [str(v) for v in value]


def _ckan_time(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat()
    return value.isoformat()


# Serialising -------------------------------------------------------------------------


def organization_dict(organisation: Organisation, package_count: int | None = None) -> dict:
    result = {
        "id": str(organisation.pk),
        "name": organisation.slug,
        "title": organisation.name,
        "display_name": organisation.name,
        "description": organisation.description,
        "image_url": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "created": _ckan_time(organisation.created_at),
        "uri": organisation.uri,
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def _with_package_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("publisher", "licence", "frequency", "language").prefetch_related(
        "keywords",
        "themes",
        # ordered in Python from the prefetch cache
        "distributions__format",
        "distributions__media_type",
    )


def package_dict(dataset: Dataset) -> dict:
    licence = dataset.licence
    distributions = sorted(dataset.distributions.all(), key=lambda d: (d.position, d.pk))
    keywords = sorted(k.name for k in dataset.keywords.all())
    extras = {
        "uri": dataset.uri,
        "issued": dataset.issued.isoformat() if dataset.issued else "",
        "modified": dataset.modified.isoformat() if dataset.modified else "",
        "frequency": dataset.frequency.uri if dataset.frequency_id else "",
        "language": dataset.language.uri if dataset.language_id else "",
        "spatial_uri": dataset.spatial_uri,
        "spatial_text": dataset.spatial_label,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "access_rights": dataset.access_rights_uri,
        "conforms_to": dataset.conforms_to,
        "quality_score": "" if dataset.quality_score is None else str(dataset.quality_score),
        "quality_band": dataset.quality_band,
    }
    return {
        "id": str(dataset.uuid),
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "url": dataset.landing_page,
        "version": dataset.version or None,
        "type": "dataset",
        "state": "active",
        "private": False,
        "metadata_created": _ckan_time(dataset.created_at),
        "metadata_modified": _ckan_time(dataset.updated_at),
        "author": dataset.publisher.name,
        "author_email": dataset.publisher.email or None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "license_id": licence.code if licence else None,
        "license_title": licence.label if licence else None,
        "license_url": (licence.homepage or licence.uri) if licence else None,
        "isopen": bool(licence and licence.is_open),
        "owner_org": str(dataset.publisher_id),
        "organization": organization_dict(dataset.publisher),
        "tags": [{"name": k, "display_name": k, "state": "active", "vocabulary_id": None} for k in keywords],
        "num_tags": len(keywords),
        "groups": [
            {"name": t.code.lower(), "title": t.label, "display_name": t.label, "description": "", "uri": t.uri}
            for t in dataset.themes.all()
        ],
        "resources": [resource_dict(dataset, d) for d in distributions],
        "num_resources": len(distributions),
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
    }


def resource_dict(dataset: Dataset, distribution: Distribution) -> dict:
    return {
        "id": str(distribution.uuid),
        "package_id": str(dataset.uuid),
        "name": distribution.title or str(distribution),
        "description": distribution.description,
        "url": distribution.download_url or distribution.access_url,
        "access_url": distribution.access_url,
        "download_url": distribution.download_url or None,
        "format": distribution.format.code if distribution.format_id else "",
        "mimetype": distribution.media_type.code if distribution.media_type_id else None,
        "size": distribution.byte_size,
        "hash": f"{distribution.checksum_algorithm}:{distribution.checksum}" if distribution.checksum else "",
        "created": _ckan_time(distribution.issued),
        "last_modified": _ckan_time(distribution.modified),
        "position": distribution.position,
        # ckanext-dcat's resource field: the EU planned-availability IRI, None when not stated.
        "availability": f"{PLANNED_AVAILABILITY}/{distribution.availability}" if distribution.availability else None,
        "state": "active",
        "uri": distribution.uri,
    }


# Solr-syntax filters -----------------------------------------------------------------

_CLAUSE = re.compile(r'([+-]?)([A-Za-z_]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)')


def _range(raw: str, name: str) -> tuple:
    match = re.fullmatch(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]", raw)
    if not match:
        raise SearchQueryError(f"Cannot parse range {raw!r} for {name}: use [X TO Y] with * for open ends")

    def bound(value: str):
        if value == "*":
            return None
        if value.upper().startswith("NOW"):
            return timezone.now()
        try:
            return parse_when(value, name)
        except BadRequest as error:
            raise SearchQueryError(str(error)) from None

    return bound(match.group(1)), bound(match.group(2))


def _clause_q(field: str, raw: str) -> Q | None:
    """The condition for one ``field:value`` clause; None means "every dataset"."""
    value = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
    if field in ("organization", "owner_org"):
        row_id = row_id_parse(value)
        return Q(publisher__slug=value) | (Q(publisher_id=row_id) if row_id else Q(pk__in=[]))
    if field == "tags":
        return Q(pk__in=Dataset.keywords.through.objects.filter(keyword__name=value).values("dataset_id"))
    if field == "res_format":
        return Q(pk__in=Distribution.objects.filter(format__code__iexact=value).values("dataset_id"))
    if field == "license_id":
        return Q(licence__code=value)
    if field == "groups":
        return Q(pk__in=Dataset.themes.through.objects.filter(vocabularyterm__code__iexact=value).values("dataset_id"))
    if field == "name":
        return Q(slug=value)
    if field == "id":
        return Q(uuid=value) if re.fullmatch(r"[0-9a-fA-F-]{32,36}", value) else Q(pk__in=[])
    if field in ("metadata_modified", "metadata_created"):
        column = "updated_at" if field == "metadata_modified" else "created_at"
        low, high = _range(raw, field)
        condition = Q()
        if low is not None:
            condition &= Q(**{f"{column}__gte": low})
        if high is not None:
            condition &= Q(**{f"{column}__lte": high})
        return condition
    if field in ("dataset_type", "type"):
        return None if value == "dataset" else Q(pk__in=[])
    if field in ("state", "capacity"):
        return None if value in ("active", "public") else Q(pk__in=[])
    if field == "text":
        return _text_q(value)
    raise SearchQueryError(
        f"Unknown field {field!r}: filter on organization, tags, res_format, license_id, groups, name, id, metadata_modified or metadata_created"
    )


def _text_q(words: str) -> Q:
    """Free text: the search page's full-text match (catalogue.search), every word required."""
    return Q(pk__in=matching_dataset_ids(words))


def apply_query(queryset: QuerySet, query: str) -> QuerySet:
    """Apply a Solr-style query (``field:value`` clauses, ``-`` to exclude, free words)."""
    query = (query or "").strip()
    if query in ("", "*:*", "*"):
        return queryset
    rest = query
    for match in _CLAUSE.finditer(query):
        sign, field, raw = match.groups()
        if field == "AND":
            continue
        condition = _clause_q(field, raw)
        if condition is not None:
            queryset = queryset.exclude(condition) if sign == "-" else queryset.filter(condition)
        elif sign == "-":
            queryset = queryset.none()
        rest = rest.replace(match.group(0), " ")
    words = " ".join(w for w in rest.split() if w not in ("AND", "OR", "+", "*:*"))
    if words:
        queryset = queryset.filter(_text_q(words))
    return queryset


SORTS = {
    # A package's id never changes: harvesters page in id order so edits during a run move nothing.
    "id": "uuid",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
    "name": "slug",
    "title_string": "title",
    "title": "title",
    "score": "updated_at",
}


def _order(sort: str) -> list[str]:
    ordering = []
    for part in (sort or "score desc, metadata_modified desc").split(","):
        pieces = part.split()
        if not pieces:
            continue
        field, direction = pieces[0], (pieces[1].lower() if len(pieces) > 1 else "asc")
        if field not in SORTS or direction not in ("asc", "desc"):
            raise SearchQueryError(
                f"Cannot sort by {part.strip()!r}: use id, metadata_modified, metadata_created, name or title_string, asc or desc"
            )
        column = SORTS[field]
        ordering.append(f"-{column}" if direction == "desc" else column)
    return ordering + ["pk"]


def _facet_items(queryset: QuerySet, field: str, limit: int, mincount: int) -> list[dict]:
    if field == "organization":
        rows = queryset.values_list("publisher__slug", "publisher__name").annotate(n=Count("pk"))
    elif field == "license_id":
        rows = queryset.exclude(licence=None).values_list("licence__code", "licence__label").annotate(n=Count("pk"))
    elif field == "tags":
        rows = (
            Dataset.keywords.through.objects.filter(dataset__in=queryset)
            .values_list("keyword__name", "keyword__name")
            .annotate(n=Count("dataset_id", distinct=True))
        )
    elif field == "groups":
        rows = (
            Dataset.themes.through.objects.filter(dataset__in=queryset)
            .values_list("vocabularyterm__code", "vocabularyterm__label")
            .annotate(n=Count("dataset_id", distinct=True))
        )
    elif field == "res_format":
        rows = (
            Distribution.objects.filter(dataset__in=queryset)
            .exclude(format=None)
            .values_list("format__code", "format__code")
            .annotate(n=Count("dataset_id", distinct=True))
        )
    else:
        raise SearchQueryError(f"Cannot facet on {field!r}: use one of {', '.join(FACET_FIELDS)}")
    items = [
        {"name": name.lower() if field == "groups" else name, "display_name": label, "count": n}
        for name, label, n in rows.order_by()
        if name is not None and n >= mincount
    ]
    items.sort(key=lambda item: (-item["count"], item["name"]))
    return items if limit < 0 else items[:limit]


# Actions -----------------------------------------------------------------------------


def package_list(params: dict) -> list[str]:
    limit = _int(params, "limit", 0)
    offset = _int(params, "offset", 0)
    names = catalogued_datasets().order_by("slug").values_list("slug", flat=True)
    names = names[offset : offset + limit] if limit else names[offset:]
    return list(names)


def package_show(params: dict) -> dict:
    key = params.get("id") or params.get("name_or_id") or params.get("name")
    if not key:
        raise Invalid({"id": ["Missing value"]})
    key = str(key)
    condition = Q(slug=key)
    if re.fullmatch(r"[0-9a-fA-F-]{32,36}", key):
        condition |= Q(uuid=key)
    dataset = _with_package_relations(catalogued_datasets().filter(condition)).first()
    if dataset is None:
        raise NotFound("Dataset not found")
    return package_dict(dataset)


def package_search(params: dict) -> dict:
    rows = _int(params, "rows", 10, maximum=MAX_ROWS)
    start = _int(params, "start", 0)
    facet_limit = _int(params, "facet.limit", 50, minimum=-1)
    facet_mincount = _int(params, "facet.mincount", 1)
    queryset = apply_query(catalogued_datasets(), str(params.get("q") or ""))
    queryset = apply_query(queryset, str(params.get("fq") or ""))
    for fq in _list(params.get("fq_list"), "fq_list"):
        queryset = apply_query(queryset, fq)
    ordering = _order(str(params.get("sort") or ""))
    facet_fields = _list(params.get("facet.field"), "facet.field")
    want_facets = _bool(params, "facet", True)
    count = queryset.count()
    raw_fields = params.get("fl") or ""
    fields = raw_fields if isinstance(raw_fields, list) else str(raw_fields).split(",")
    if any(str(f).strip() for f in fields):
        results = _field_list(queryset.order_by(*ordering), fields, start, rows)
    else:
        results = (
            [package_dict(d) for d in _with_package_relations(queryset.order_by(*ordering))[start : start + rows]]
            if rows
            else []
        )
    search_facets, facets = {}, {}
    if want_facets:
        for field in facet_fields:
            items = _facet_items(queryset, field, facet_limit, facet_mincount)
            search_facets[field] = {"title": field, "items": items}
            facets[field] = {item["name"]: item["count"] for item in items}
    return {
        "count": count,
        "results": results,
        "sort": str(params.get("sort") or "score desc, metadata_modified desc"),
        "search_facets": search_facets,
        "facets": facets,
    }


# The index fields ``fl`` may ask for (harvesters list ids to notice deletions), and how to read them.
FIELD_LIST = {
    "id": ("uuid", str),
    "name": ("slug", str),
    "title": ("title", str),
    "metadata_modified": ("updated_at", lambda value: _ckan_time(value)),
    "metadata_created": ("created_at", lambda value: _ckan_time(value)),
}


def _field_list(queryset, fields: list[str], start: int, rows: int) -> list[dict]:
    """Only the ``fl`` fields of each package, as CKAN answers ``fl=id,name``: one light query."""
    names = [str(f).strip() for f in fields if str(f).strip()]
    unknown = sorted(set(names) - set(FIELD_LIST))
    if unknown:
        raise Invalid({"fl": [f"Cannot list {', '.join(unknown)}: use {', '.join(FIELD_LIST)}"]})
    columns = [FIELD_LIST[name][0] for name in names]
    return [
        {name: FIELD_LIST[name][1](value) for name, value in zip(names, row, strict=True)}
        for row in queryset.values_list(*columns)[start : start + rows]
    ]


def _package_counts() -> dict[int, int]:
    return dict(catalogued_datasets().values_list("publisher_id").annotate(n=Count("pk")).order_by())


ORG_SORTS = {"name": "slug", "title": "name", "package_count": "package_count"}


def organization_list(params: dict) -> list:
    all_fields = _bool(params, "all_fields")
    limit = _int(params, "limit", 1000 if not all_fields else 25, maximum=1000)
    offset = _int(params, "offset", 0)
    wanted = _list(params.get("organizations"), "organizations")
    counts = _package_counts()
    organisations = list(Organisation.objects.all())
    if wanted:
        organisations = [o for o in organisations if o.slug in wanted]
    sort = str(params.get("sort") or "title asc").split()
    key, direction = sort[0], (sort[1].lower() if len(sort) > 1 else "asc")
    if key not in ORG_SORTS or direction not in ("asc", "desc"):
        raise Invalid({"sort": ["Use name, title or package_count, asc or desc"]})
    if key == "package_count":
        organisations.sort(key=lambda o: (counts.get(o.pk, 0), o.slug), reverse=direction == "desc")
    else:
        organisations.sort(key=lambda o: getattr(o, ORG_SORTS[key]).lower(), reverse=direction == "desc")
    organisations = organisations[offset : offset + limit]
    if all_fields:
        return [organization_dict(o, counts.get(o.pk, 0)) for o in organisations]
    return [o.slug for o in organisations]


def organization_show(params: dict) -> dict:
    key = str(params.get("id") or "")
    if not key:
        raise Invalid({"id": ["Missing value"]})
    row_id = row_id_parse(key)
    condition = Q(slug=key) | (Q(pk=row_id) if row_id else Q(pk__in=[]))
    organisation = Organisation.objects.filter(condition).first()
    if organisation is None:
        raise NotFound("Organization not found")
    datasets = catalogued_datasets().filter(publisher=organisation)
    result = organization_dict(organisation, datasets.count())
    if _bool(params, "include_datasets"):
        result["packages"] = [package_dict(d) for d in _with_package_relations(datasets.order_by("slug"))[:1000]]
    return result


def status_show(params: dict) -> dict:
    return {"ckan_version": "2.10.0", "site_title": "Provcat", "site_url": "", "extensions": ["provcat-readonly"]}


ACTIONS = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "status_show": status_show,
}


def _envelope(request: HttpRequest, name: str, status: int, **body) -> JsonResponse:
    help_url = request.build_absolute_uri(f"/api/3/action/help_show?name={name}")
    return JsonResponse({"help": help_url, **body}, status=status)


def _params(request: HttpRequest) -> dict:
    if request.method == "POST":
        # Form bodies are read as forms (reading the raw body of a multipart one is refused).
        form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if request.content_type == "application/json" or (not form and request.body[:1] in (b"{", b"[")):
            data = json_document_load(request.body or b"{}")
            if not isinstance(data, dict):
                raise Invalid({"__body": ["The request body must be a JSON object"]})
            return data
        return {k: v for k, v in request.POST.items()}
    return {k: v for k, v in request.GET.items()}


@csrf_exempt
@rate_limited("ckan")
def action(request: HttpRequest, name: str) -> JsonResponse:
    if request.method not in ("GET", "POST"):
        return _envelope(
            request, name, 405, success=False, error={"__type": "Bad Request", "message": "Use GET or POST"}
        )
    handler = ACTIONS.get(name)
    if handler is None:
        return _envelope(
            request,
            name,
            400,
            success=False,
            error={"__type": "Bad Request", "message": f"Bad request - Action name not known: {name}"},
        )
    try:
        params = _params(request)
    except Invalid as error:
        return _envelope(request, name, 409, success=False, error={"__type": "Validation Error", **error.errors})
    except ValueError as error:  # the JSON body: malformed, or nested too deeply
        return _envelope(
            request,
            name,
            400,
            success=False,
            error={"__type": "Bad Request", "message": f"Invalid JSON body: {error}"},
        )
    try:
        result = handler(params)
    except NotFound as error:
        return _envelope(
            request, name, 404, success=False, error={"__type": "Not Found Error", "message": f"Not found: {error}"}
        )
    except Invalid as error:
        return _envelope(request, name, 409, success=False, error={"__type": "Validation Error", **error.errors})
    except SearchQueryError as error:
        return _envelope(
            request,
            name,
            409,
            success=False,
            error={"__type": "Search Query Error", "message": f"Search Query is invalid: {error}"},
        )
    return _envelope(request, name, 200, success=True, result=result)
