"""Template tags for the dataset page: schema.org JSON-LD for dataset search engines, and
links to the dataset's DCAT-AP RDF.

    {% load dcat %}{% schema_org_jsonld dataset %}   (in {% block head %})
    {% rdf_links dataset %}
"""

import json

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from catalogue.access import is_catalogued
from catalogue.rdf.formats import FORMATS
from lib.iri import is_valid_iri

register = template.Library()

FORMAT_LABELS = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD", "nt": "N-Triples"}


def schema_org_dataset(dataset, absolute) -> dict:
    """A schema.org Dataset (what Google Dataset Search reads) for one dataset."""
    publisher = dataset.publisher
    data = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset.uri,
        "name": dataset.title,
        "description": dataset.description or dataset.title,
        "url": absolute(dataset.get_absolute_url()),
        "identifier": dataset.uri,
        "isAccessibleForFree": True,
        "keywords": sorted(k.name for k in dataset.keywords.all()),
        "publisher": {"@type": "Organization", "name": publisher.name, "url": publisher.homepage or publisher.uri},
        "creator": {"@type": "Organization", "name": publisher.name},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "Provcat", "url": absolute(reverse("dcat:catalog"))},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": d.title or str(d),
                "contentUrl": d.download_url or d.access_url,
                **({"encodingFormat": d.media_type.code} if d.media_type_id else {}),
                **({"contentSize": str(d.byte_size)} if d.byte_size is not None else {}),
            }
            for d in dataset.distributions.all()
        ],
        "subjectOf": [
            {
                "@type": "DataDownload",
                "encodingFormat": f.media_type,
                "contentUrl": absolute(reverse("dcat:dataset-rdf", args=[dataset.slug, f.suffix])),
            }
            for f in FORMATS
        ],
    }
    if dataset.licence_id:
        data["license"] = dataset.licence.homepage or dataset.licence.uri
    if dataset.version:
        data["version"] = dataset.version
    if dataset.issued:
        data["datePublished"] = dataset.issued.isoformat()
    if dataset.modified or dataset.updated_at:
        data["dateModified"] = (dataset.modified or dataset.updated_at).isoformat()
    if dataset.temporal_start or dataset.temporal_end:
        start = dataset.temporal_start.isoformat() if dataset.temporal_start else ".."
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        data["temporalCoverage"] = f"{start}/{end}"
    if dataset.spatial_uri:
        data["spatialCoverage"] = {
            "@type": "Place",
            "@id": dataset.spatial_uri,
            "name": dataset.spatial_label or dataset.spatial_uri,
        }
    # An @id is an IRI: a stored value RDF cannot carry (lib.iri) is left out, not emitted.
    for node in (data, data.get("spatialCoverage", {})):
        if "@id" in node and not is_valid_iri(node["@id"]):
            del node["@id"]
    if dataset.contact_email:
        data["creator"]["contactPoint"] = {
            "@type": "ContactPoint",
            "name": dataset.contact_name or publisher.name,
            "email": dataset.contact_email,
            "contactType": "data enquiries",
        }
    variables = [f for f in dataset.fields.all()]
    if variables:
        data["variableMeasured"] = [
            {
                "@type": "PropertyValue",
                "name": f.name,
                **({"description": f.definition} if f.definition else {}),
                **({"unitText": f.unit} if f.unit else {}),
            }
            for f in variables
        ]
    return data


@register.simple_tag(takes_context=True)
def schema_org_jsonld(context, dataset):
    """<script type="application/ld+json"> for a catalogued dataset; nothing for others
    (search engines should not index drafts, withdrawn or restricted datasets)."""
    if not is_catalogued(dataset):
        return ""
    request = context.get("request")

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path) if request is not None else path

    payload = json.dumps(schema_org_dataset(dataset, absolute), ensure_ascii=False, indent=1)
    # Inside <script>, "</" would end the element early; \u003c is the same JSON string.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">\n{payload}\n</script>')  # noqa: S308 - escaped above


@register.simple_tag
def rdf_links(dataset):
    """Links to the dataset's DCAT-AP description in every RDF format (catalogued datasets only)."""
    if not is_catalogued(dataset):
        return ""
    items = format_html_join(
        "",
        '<li><a href="{}" type="{}" rel="alternate">{}</a></li>',
        (
            (reverse("dcat:dataset-rdf", args=[dataset.slug, f.suffix]), f.media_type, FORMAT_LABELS[f.suffix])
            for f in FORMATS
        ),
    )
    return format_html('<ul class="rdf-links" aria-label="Metadata as DCAT-AP RDF">{}</ul>', items)
