"""DCAT-AP 3: catalogue, catalogue records, datasets, distributions, agents, contact points.

Pure functions from model instances (with their relations prefetched) to triples. Every
object of a DCAT-AP property is typed explicitly (dct:MediaType, dct:Location,
foaf:Agent, ...) because the DCAT-AP range shapes check classes without inference.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from rdflib import Literal, URIRef

from catalogue.models import Dataset, Distribution, Organisation
from catalogue.rdf.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCTERMS,
    FOAF,
    GSP,
    HYDRA,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    XSD,
    base_uri,
)
from catalogue.rdf.places import place as known_place
from catalogue.rdf.terms import concept, dataset_iri, dataset_node, date_or_datetime, integer, own_iri, plain, text
from lib.iri import uri_ref_or_none

DCAT_AP_3 = URIRef("https://semiceu.github.io/DCAT-AP/releases/3.0.1/")
DATA_THEMES = URIRef("http://publications.europa.eu/resource/authority/data-theme")
ADMS_STATUS_COMPLETED = "http://purl.org/adms/status/Completed"
ADMS_STATUS_SCHEME = "http://purl.org/adms/status/1.0"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_SCHEME = "http://purl.org/adms/publishertype/1.0"
# rdflib 7.6 has no dcat:version in its closed DCAT namespace (it is DCAT 3).
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")
ENGLISH = "http://publications.europa.eu/resource/authority/language/ENG"
SPDX_ALGORITHMS = {
    "sha256": SPDX.checksumAlgorithm_sha256,
    "sha1": SPDX.checksumAlgorithm_sha1,
    "md5": SPDX.checksumAlgorithm_md5,
}
# The ADMS publisher-type term for each kind of organisation.
PUBLISHER_TYPES = {
    Organisation.Kind.LOCAL_AUTHORITY: ("LocalAuthority", "Local authority"),
}
NATIONAL_AUTHORITY = ("NationalAuthority", "National authority")


# What each licence of the vocabulary permits, as ADMS licence types (facts of the licence texts).
LICENCE_TYPE = "http://purl.org/adms/licencetype/"
LICENCE_TYPES = {
    "OGL_3_0": ("Attribution",),
    "CC_BY_4_0": ("Attribution",),
    "ODC_BY": ("Attribution",),
    "CC_BYSA_4_0": ("Attribution", "ShareAlike"),
    "ODC_ODBL": ("Attribution", "ShareAlike"),
    "CC0": ("PublicDomain",),
    "ODC_PDDL": ("PublicDomain",),
    "CC_BYNC_4_0": ("Attribution", "NonCommercialUseOnly"),
    # Commission Decision 2011/833/EU, Art. 6: re-users must acknowledge the source.
    "COM_REUSE": ("Attribution",),
}

# dcatap:availability: the EU planned-availability vocabulary, one term per Distribution.Availability.
PLANNED_AVAILABILITY = "http://publications.europa.eu/resource/authority/planned-availability"
AVAILABILITY_LABELS = dict(Distribution.Availability.choices)


def availability_triples(node, availability: str) -> list:
    """How long the publisher plans to keep a distribution available (nothing when unstated)."""
    label = AVAILABILITY_LABELS.get(availability)
    if label is None:  # "" (not stated), or a code no form or API accepts
        return []
    term = f"{PLANNED_AVAILABILITY}/{availability}"
    return [(node, DCATAP.availability, URIRef(term)), *concept(term, label, PLANNED_AVAILABILITY)]


def location_triples(uri: str, label: str = "") -> tuple[URIRef | None, list]:
    """A dct:Location with its name, and its bounding box and centroid when Provcat knows the
    place (catalogue.rdf.places); (None, []) for a value that is not an IRI."""
    node = uri_ref_or_none(uri)
    if node is None:
        return None, []
    triples = [(node, RDF.type, DCTERMS.Location)]
    if label:
        triples.append((node, SKOS.prefLabel, text(label)))
    extent = known_place(uri)
    if extent is not None:
        triples += [
            (node, DCAT.bbox, Literal(extent.bbox_wkt, datatype=GSP.wktLiteral)),
            (node, DCAT.centroid, Literal(extent.centroid_wkt, datatype=GSP.wktLiteral)),
        ]
    return node, triples


def licence_type_triples(licence) -> list:
    node = uri_ref_or_none(licence.uri)
    if node is None:
        return []
    triples = []
    for code in LICENCE_TYPES.get(licence.code, ()):
        kind = LICENCE_TYPE + code
        triples += [(node, DCTERMS.type, URIRef(kind)), *concept(kind, code, LICENCE_TYPE + "1.0")]
    return triples


def page_url(path: str) -> URIRef:
    return base_uri(path)


def catalog_uri() -> URIRef:
    return base_uri("catalog")


def record_uri(dataset: Dataset) -> URIRef:
    return dataset_node(dataset, "record")


def agent_triples(organisation: Organisation) -> list:
    """A publisher: foaf:Organization and foaf:Agent (DCAT-AP's range shapes need the latter)."""
    node = own_iri(organisation, "organisation")
    code, label = PUBLISHER_TYPES.get(organisation.kind, NATIONAL_AUTHORITY)
    kind = PUBLISHER_TYPE + code
    triples = [
        (node, RDF.type, FOAF.Organization),
        (node, RDF.type, FOAF.Agent),
        (node, FOAF.name, text(organisation.name)),
        (node, DCTERMS.type, URIRef(kind)),
        *concept(kind, label, PUBLISHER_TYPE_SCHEME),
    ]
    if organisation.abbreviation:
        triples.append((node, SKOS.altLabel, text(organisation.abbreviation)))
    homepage = uri_ref_or_none(organisation.homepage)
    if homepage is not None:
        triples.append((node, FOAF.homepage, homepage))
    mailbox = uri_ref_or_none(f"mailto:{organisation.email}") if organisation.email else None
    if mailbox is not None:
        triples.append((node, FOAF.mbox, mailbox))
    return triples


def catalog_publisher_triples() -> tuple[URIRef, list]:
    """The agent that publishes the catalogue itself (settings.PROVCAT_CATALOG_PUBLISHER)."""
    node = base_uri("id/organisation/catalogue-publisher")
    code, label = NATIONAL_AUTHORITY
    kind = PUBLISHER_TYPE + code
    name = getattr(settings, "PROVCAT_CATALOG_PUBLISHER", "Provcat")
    return node, [
        (node, RDF.type, FOAF.Organization),
        (node, RDF.type, FOAF.Agent),
        (node, FOAF.name, text(name)),
        (node, DCTERMS.type, URIRef(kind)),
        *concept(kind, label, PUBLISHER_TYPE_SCHEME),
    ]


def _catalog_spatial(node, spatial: str) -> list:
    place, triples = location_triples(spatial)
    return [(node, DCTERMS.spatial, place), *triples] if place is not None else []


def catalog_triples(*, issued=None, modified=None) -> list:
    """The dcat:Catalog's own description (without its dcat:dataset links)."""
    node = catalog_uri()
    publisher, publisher_triples = catalog_publisher_triples()
    homepage = base_uri("")
    spatial = getattr(
        settings, "PROVCAT_CATALOG_SPATIAL", "http://publications.europa.eu/resource/authority/country/GBR"
    )
    licence = "http://publications.europa.eu/resource/authority/licence/CC0"
    triples = [
        (node, RDF.type, DCAT.Catalog),
        (node, DCTERMS.title, text(getattr(settings, "PROVCAT_CATALOG_TITLE", "Provcat government data catalogue"))),
        (
            node,
            DCTERMS.description,
            text(
                "Metadata of government datasets: definitions, collection methods, validation checks, "
                "quality and lineage, as DCAT-AP 3 with PROV-O, DQV and CSVW."
            ),
        ),
        (node, DCTERMS.publisher, publisher),
        *publisher_triples,
        (node, FOAF.homepage, homepage),
        (homepage, RDF.type, FOAF.Document),
        (node, DCTERMS.language, URIRef(ENGLISH)),
        (URIRef(ENGLISH), RDF.type, DCTERMS.LinguisticSystem),
        *_catalog_spatial(node, spatial),
        (node, DCTERMS.license, URIRef(licence)),
        (URIRef(licence), RDF.type, DCTERMS.LicenseDocument),
        (URIRef(licence), DCTERMS.type, URIRef(LICENCE_TYPE + "PublicDomain")),
        *concept(LICENCE_TYPE + "PublicDomain", "PublicDomain", LICENCE_TYPE + "1.0"),
        (node, DCAT.themeTaxonomy, DATA_THEMES),
        (DATA_THEMES, RDF.type, SKOS.ConceptScheme),
        (DATA_THEMES, DCTERMS.title, text("Data theme")),
    ]
    if issued:
        triples.append((node, DCTERMS.issued, date_or_datetime(issued)))
    if modified:
        triples.append((node, DCTERMS.modified, date_or_datetime(modified)))
    return triples


def catalog_link_triples(datasets: list[tuple[str, str]]) -> list:
    """dcat:dataset and dcat:record links from the catalogue to (dataset URI, dataset UUID) pairs."""
    node = catalog_uri()
    triples = []
    for uri, uuid in datasets:
        triples.append((node, DCAT.dataset, uri_ref_or_none(uri) or base_uri(f"id/dataset/{uuid}")))
        triples.append((node, DCAT.record, base_uri(f"id/dataset/{uuid}#record")))
    return triples


def hydra_triples(
    *, view: str, total: int, page_size: int, first: str, last: str, next_: str | None, previous: str | None
) -> list:
    """Hydra paging: the catalogue as a hydra:Collection and this page as its view."""
    collection = catalog_uri()
    # The page links are built from the request's query string: checked like any other input.
    page = uri_ref_or_none(view) or collection
    triples = [
        (collection, RDF.type, HYDRA.Collection),
        (collection, HYDRA.totalItems, integer(total)),
        (collection, HYDRA.view, page),
        (page, RDF.type, HYDRA.PartialCollectionView),
        # ckanext-dcat's harvester looks for the older hydra:PagedCollection.
        (page, RDF.type, HYDRA.PagedCollection),
        (page, HYDRA.totalItems, integer(total)),
        (page, HYDRA.itemsPerPage, integer(page_size)),
    ]
    for predicate, link in ((HYDRA.first, first), (HYDRA.last, last), (HYDRA.next, next_), (HYDRA.previous, previous)):
        link_node = uri_ref_or_none(link) if link else None
        if link_node is not None:
            triples.append((page, predicate, link_node))
    return triples


def record_triples(dataset: Dataset) -> list:
    """The dcat:CatalogRecord: when this entry of the catalogue was made and changed."""
    node = record_uri(dataset)
    triples = [
        (node, RDF.type, DCAT.CatalogRecord),
        (node, FOAF.primaryTopic, dataset_iri(dataset)),
        (node, DCTERMS.modified, date_or_datetime(dataset.updated_at)),
        (node, DCTERMS.issued, date_or_datetime(dataset.published_at or dataset.created_at)),
        (node, DCTERMS.conformsTo, DCAT_AP_3),
        (DCAT_AP_3, RDF.type, DCTERMS.Standard),
        (DCAT_AP_3, DCTERMS.title, text("DCAT-AP 3.0.1")),
        (node, ADMS.status, URIRef(ADMS_STATUS_COMPLETED)),
        *concept(ADMS_STATUS_COMPLETED, "Completed", ADMS_STATUS_SCHEME),
        (node, DCTERMS.language, URIRef(ENGLISH)),
        (URIRef(ENGLISH), RDF.type, DCTERMS.LinguisticSystem),
    ]
    return triples


def harvest_origin_triples(dataset: Dataset) -> list:
    """Where a harvested dataset came from (nothing for a dataset described here).

    The dataset's record names the record it was made from at the source (``dct:source``, a
    dcat:CatalogRecord about the same dataset, modified when the source says the dataset was)
    and, while the harvests keep it, when a harvest last wrote it (``prov:generatedAtTime``);
    the dataset carries its identifier at the source as DCAT-AP's "other identifier"
    (``adms:identifier``, an adms:Identifier whose skos:notation is that identifier).

    Only values that change when the dataset is rewritten appear here, so a stored record is
    never stale: a harvest that finds the dataset unchanged moves its ``last_harvested_at``
    (shown on the dataset's page) without rewriting it, so that time is not in the record.
    """
    try:
        origin = dataset.harvest  # loaded with the dataset (catalogue.rdf.record.with_rdf_relations)
    except ObjectDoesNotExist:
        return []
    if origin is None:
        return []
    record = record_uri(dataset)
    source_record = dataset_node(dataset, "source-record")
    identifier = dataset_node(dataset, "source-identifier")
    triples = [
        (record, DCTERMS.source, source_record),
        (source_record, RDF.type, DCAT.CatalogRecord),
        (source_record, FOAF.primaryTopic, dataset_iri(dataset)),
        (source_record, DCTERMS.modified, date_or_datetime(dataset.modified or dataset.updated_at)),
        (dataset_iri(dataset), ADMS.identifier, identifier),
        (identifier, RDF.type, ADMS.Identifier),
        (identifier, SKOS.notation, plain(origin.identifier)),
        (identifier, ADMS.schemaAgency, text(origin.source_publisher or origin.source.name)),
    ]
    if origin.detached_at is None:
        triples.append((record, PROV.generatedAtTime, date_or_datetime(dataset.updated_at)))
    return triples


def _vocabulary(node, predicate, term, rdf_class=None, *, is_concept=False) -> list:
    if term is None:
        return []
    uri = uri_ref_or_none(term.uri)
    if uri is None:
        return []
    triples = [(node, predicate, uri)]
    if rdf_class is not None:
        triples.append((uri, RDF.type, rdf_class))
    if is_concept:
        triples += concept(term.uri, term.label)
    return triples


def dataset_triples(dataset: Dataset) -> list:
    """The dcat:Dataset with its publisher, contact point, coverage and distributions."""
    node = dataset_iri(dataset)
    publisher = dataset.publisher
    triples = [
        (node, RDF.type, DCAT.Dataset),
        (node, DCTERMS.title, text(dataset.title)),
        (node, DCTERMS.description, text(dataset.description or dataset.title)),
        (node, DCTERMS.identifier, plain(dataset.uri)),
        (node, DCTERMS.publisher, own_iri(publisher, "organisation")),
        *agent_triples(publisher),
        (node, DCTERMS.accessRights, URIRef(dataset.access_rights_uri)),
        (URIRef(dataset.access_rights_uri), RDF.type, DCTERMS.RightsStatement),
    ]
    landing = uri_ref_or_none(dataset.landing_page) or page_url(
        reverse("catalogue:dataset-detail", args=[dataset.slug])
    )
    triples += [(node, DCAT.landingPage, landing), (landing, RDF.type, FOAF.Document)]
    for keyword in dataset.keywords.all():
        triples.append((node, DCAT.keyword, text(keyword.name)))
    for theme in dataset.themes.all():
        theme_node = uri_ref_or_none(theme.uri)
        if theme_node is not None:
            triples += [(node, DCAT.theme, theme_node), *concept(theme.uri, theme.label, str(DATA_THEMES))]
    triples += _vocabulary(node, DCTERMS.accrualPeriodicity, dataset.frequency, DCTERMS.Frequency, is_concept=True)
    triples += _vocabulary(node, DCTERMS.language, dataset.language, DCTERMS.LinguisticSystem)
    if dataset.contact_name or dataset.contact_email:
        contact = dataset_node(dataset, "contact-point")
        triples += [
            (node, DCAT.contactPoint, contact),
            (contact, RDF.type, VCARD.Kind),
            (contact, RDF.type, VCARD.Organization),
            (contact, VCARD.fn, text(dataset.contact_name or publisher.name)),
        ]
        mailbox = uri_ref_or_none(f"mailto:{dataset.contact_email}") if dataset.contact_email else None
        if mailbox is not None:
            triples.append((contact, VCARD.hasEmail, mailbox))
    if dataset.temporal_start or dataset.temporal_end:
        period = dataset_node(dataset, "temporal")
        triples += [(node, DCTERMS.temporal, period), (period, RDF.type, DCTERMS.PeriodOfTime)]
        if dataset.temporal_start:
            triples.append((period, DCAT.startDate, date_or_datetime(dataset.temporal_start)))
        if dataset.temporal_end:
            triples.append((period, DCAT.endDate, date_or_datetime(dataset.temporal_end)))
    place, place_triples = location_triples(dataset.spatial_uri, dataset.spatial_label)
    if place is not None:
        triples += [(node, DCTERMS.spatial, place), *place_triples]
    if dataset.version:
        triples.append((node, DCAT_VERSION, plain(dataset.version)))
    if dataset.version_notes:
        triples.append((node, ADMS.versionNotes, text(dataset.version_notes)))
    standard = uri_ref_or_none(dataset.conforms_to)
    if standard is not None:
        triples += [(node, DCTERMS.conformsTo, standard), (standard, RDF.type, DCTERMS.Standard)]
    if dataset.issued:
        triples.append((node, DCTERMS.issued, date_or_datetime(dataset.issued)))
    triples.append((node, DCTERMS.modified, date_or_datetime(dataset.modified or dataset.updated_at)))
    return triples


def distribution_triples(dataset: Dataset, distribution: Distribution, *, schema: URIRef | None) -> list:
    """A dcat:Distribution; ``schema`` is the dataset's CSVW data dictionary, if any."""
    dataset_uri = dataset_iri(dataset)
    node = own_iri(distribution, "distribution")
    own = base_uri(f"id/distribution/{distribution.uuid}")
    triples = [
        (dataset_uri, DCAT.distribution, node),
        (node, RDF.type, DCAT.Distribution),
        (node, DCTERMS.title, text(distribution.title or str(distribution))),
        (node, DCTERMS.description, text(distribution.description or f"{dataset.title}: {distribution}")),
    ]
    for predicate, url in ((DCAT.accessURL, distribution.access_url), (DCAT.downloadURL, distribution.download_url)):
        url_node = uri_ref_or_none(url)
        if url_node is not None:
            triples.append((node, predicate, url_node))
    triples += _vocabulary(node, DCTERMS.format, distribution.format, DCTERMS.MediaTypeOrExtent)
    media_type = distribution.media_type
    if media_type is None and distribution.format is not None and distribution.format.media_type:
        iana = uri_ref_or_none(f"https://www.iana.org/assignments/media-types/{distribution.format.media_type}")
        if iana is not None:
            triples += [(node, DCAT.mediaType, iana), (iana, RDF.type, DCTERMS.MediaType)]
    else:
        triples += _vocabulary(node, DCAT.mediaType, media_type, DCTERMS.MediaType)
    licence = distribution.licence if distribution.licence_id else dataset.licence
    triples += _vocabulary(node, DCTERMS.license, licence, DCTERMS.LicenseDocument)
    if licence is not None:
        triples += licence_type_triples(licence)
    if distribution.rights:
        rights = URIRef(f"{own}#rights")
        triples += [
            (node, DCTERMS.rights, rights),
            (rights, RDF.type, DCTERMS.RightsStatement),
            (rights, RDFS.label, text(distribution.rights)),
        ]
    if distribution.byte_size is not None:
        triples.append((node, DCAT.byteSize, integer(distribution.byte_size, XSD.nonNegativeInteger)))
    if distribution.checksum and distribution.checksum_algorithm:
        checksum = URIRef(f"{own}#checksum")
        triples += [
            (node, SPDX.checksum, checksum),
            (checksum, RDF.type, SPDX.Checksum),
            (checksum, SPDX.algorithm, SPDX_ALGORITHMS[distribution.checksum_algorithm]),
            (checksum, SPDX.checksumValue, Literal(distribution.checksum.lower(), datatype=XSD.hexBinary)),
        ]
    standard = uri_ref_or_none(distribution.conforms_to)
    if standard is not None:
        triples += [(node, DCTERMS.conformsTo, standard), (standard, RDF.type, DCTERMS.Standard)]
    if schema is not None:
        triples.append((node, DCTERMS.conformsTo, schema))
    triples += availability_triples(node, distribution.availability)
    if distribution.issued:
        triples.append((node, DCTERMS.issued, date_or_datetime(distribution.issued)))
    if distribution.modified:
        triples.append((node, DCTERMS.modified, date_or_datetime(distribution.modified)))
    return triples
