"""Free text and foreign IRIs from a harvested record, matched to Provcat's controlled
vocabularies (EU themes, licences, file types, IANA media types, frequencies, languages,
access rights).

Sources write these every way there is: the EU authority IRI (http or https, with or without
a trailing slash), its code ("CSV", "OGL_3_0"), its label ("Economy and finance"), a MIME type
where a file type belongs ("text/csv"), an IANA IRI, CKAN's licence ids ("uk-ogl", "cc-by").
``Vocabularies`` loads the terms once per job and answers each lookup from dicts; a value that
matches nothing gives None (the record keeps the rest).
"""

from __future__ import annotations

import re

from catalogue.models import Dataset, Distribution, VocabularyTerm

Scheme = VocabularyTerm.Scheme

# Licence ids and titles used by CKAN and older portals, to the EU licence codes.
LICENCE_ALIASES = {
    "uk-ogl": "OGL_3_0",
    "ogl-uk-3.0": "OGL_3_0",
    "ogl-uk-2.0": "OGL_3_0",
    "ogl3": "OGL_3_0",
    "open-government-licence": "OGL_3_0",
    "open government licence": "OGL_3_0",
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "OGL_3_0",
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "OGL_3_0",
    "cc-by": "CC_BY_4_0",
    "cc-by-4.0": "CC_BY_4_0",
    "cc-by-sa": "CC_BYSA_4_0",
    "cc-by-sa-4.0": "CC_BYSA_4_0",
    "cc-zero": "CC0",
    "cc0-1.0": "CC0",
    "cc-nc": "CC_BYNC_4_0",
    "odc-by": "ODC_BY",
    "odc-odbl": "ODC_ODBL",
    "odc-pddl": "ODC_PDDL",
    "https://creativecommons.org/licenses/by/4.0/": "CC_BY_4_0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC_BYSA_4_0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0",
    "https://creativecommons.org/licenses/by-nc/4.0/": "CC_BYNC_4_0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODC_ODBL",
    "https://opendatacommons.org/licenses/by/1-0/": "ODC_BY",
    "https://opendatacommons.org/licenses/pddl/1-0/": "ODC_PDDL",
}
IANA_PREFIXES = ("https://www.iana.org/assignments/media-types/", "http://www.iana.org/assignments/media-types/")
ACCESS_RIGHTS = {
    "public": Dataset.AccessRights.PUBLIC,
    "restricted": Dataset.AccessRights.RESTRICTED,
    "non-public": Dataset.AccessRights.NON_PUBLIC,
    "non_public": Dataset.AccessRights.NON_PUBLIC,
    "nonpublic": Dataset.AccessRights.NON_PUBLIC,
    "private": Dataset.AccessRights.NON_PUBLIC,
}


# dcatap:availability: the EU planned-availability vocabulary, and the DCAT-AP 2.0 IRIs it replaced.
PLANNED_AVAILABILITY = "publications.europa.eu/resource/authority/planned-availability/"
OLD_AVAILABILITY = "data.europa.eu/r5r/"


def availability(value: str) -> str:
    """A Distribution.Availability code from an IRI, code or label; "" when the source says
    nothing Provcat can read (the distribution then states no availability)."""
    key = _uri_key(value)
    for prefix in (PLANNED_AVAILABILITY, OLD_AVAILABILITY):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    code = key.upper()
    return code if code in Distribution.Availability.values else ""


def _uri_key(value: str) -> str:
    """An IRI compared without its scheme's s, its trailing slash or its case."""
    return re.sub(r"^https?://", "", value.strip()).rstrip("/").lower()


def _text_key(value: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", value.strip().lower())


class Vocabularies:
    """Every vocabulary term, indexed for lookups by IRI, code, label and media type."""

    def __init__(self):
        self.by_uri: dict[str, VocabularyTerm] = {}
        self.by_key: dict[tuple[str, str], VocabularyTerm] = {}
        self.file_type_by_media_type: dict[str, VocabularyTerm] = {}
        for term in VocabularyTerm.objects.all():
            self.by_uri[_uri_key(term.uri)] = term
            self.by_key.setdefault((term.scheme, _text_key(term.code)), term)
            self.by_key.setdefault((term.scheme, _text_key(term.label)), term)
            if term.homepage:
                self.by_uri.setdefault(_uri_key(term.homepage), term)
            if term.scheme == Scheme.FILE_TYPE and term.media_type:
                self.file_type_by_media_type.setdefault(term.media_type.lower(), term)

    def term(self, scheme: str, value: str) -> VocabularyTerm | None:
        """The term of ``scheme`` that ``value`` names (IRI, code or label), or None."""
        if not value:
            return None
        term = self.by_uri.get(_uri_key(value))
        if term is not None:
            return term if term.scheme == scheme else None
        term = self.by_key.get((scheme, _text_key(value)))
        if term is not None:
            return term
        # The last segment of an IRI from another copy of the vocabulary (.../file-type/CSV).
        if "/" in value:
            tail = value.rstrip("/").rsplit("/", 1)[-1].split("#")[-1]
            term = self.by_key.get((scheme, _text_key(tail)))
        return term

    def licence(self, value: str) -> VocabularyTerm | None:
        if not value:
            return None
        alias = LICENCE_ALIASES.get(value.strip().lower()) or LICENCE_ALIASES.get(value.strip())
        if alias:
            return self.by_key.get((Scheme.LICENCE, _text_key(alias)))
        return self.term(Scheme.LICENCE, value)

    def media_type(self, value: str) -> VocabularyTerm | None:
        if not value:
            return None
        for prefix in IANA_PREFIXES:
            if value.startswith(prefix):
                value = value[len(prefix) :]
        return self.term(Scheme.MEDIA_TYPE, value.split(";")[0].strip())

    def file_type(self, value: str) -> VocabularyTerm | None:
        """A file type from its IRI, code or label, or from a MIME type written where the format belongs."""
        if not value:
            return None
        term = self.term(Scheme.FILE_TYPE, value.lstrip("."))
        if term is None:
            mime = value
            for prefix in IANA_PREFIXES:
                if mime.startswith(prefix):
                    mime = mime[len(prefix) :]
            term = self.file_type_by_media_type.get(mime.split(";")[0].strip().lower())
        return term

    def themes(self, values: list[str]) -> list[VocabularyTerm]:
        found = {}
        for value in values:
            term = self.term(Scheme.THEME, value)
            if term is not None:
                found[term.pk] = term
        return list(found.values())

    def access_rights(self, value: str) -> str:
        """The access-right code; a dataset that says nothing is public (it was published openly)."""
        if not value:
            return Dataset.AccessRights.PUBLIC
        term = self.term(Scheme.ACCESS_RIGHT, value)
        if term is not None:
            return term.code
        return ACCESS_RIGHTS.get(value.strip().lower(), Dataset.AccessRights.PUBLIC)
