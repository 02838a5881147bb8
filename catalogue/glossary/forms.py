"""The owners' forms: a scheme, a concept (with the note on what changed and why), a link
between concepts, and the upload of a SKOS file or a CSV of terms.

Forms only parse: who may write and what SKOS allows are checked by
catalogue.glossary.services, whose ValidationError messages the views put back on these
forms. Plain Forms, not ModelForms, so a refused change leaves the object the view holds
untouched.
"""

from __future__ import annotations

from django import forms
from django.conf import settings

from catalogue.glossary.models import HIERARCHY, MATCHES, Concept, ConceptScheme
from catalogue.models import Organisation


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SchemeForm(forms.Form):
    """A scheme's title, description and version label (and, when creating, its owner)."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text="The organisation that owns the definitions. Its editors and admins maintain them.",
    )
    title = forms.CharField(
        max_length=200,
        help_text="What the scheme holds. Example: 'Population and household definitions'.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who uses these definitions and for what. Example: 'The definitions used in the census "
        "and the household surveys.'",
    )
    version = forms.CharField(
        max_length=50,
        required=False,
        help_text="The scheme's own version label, if it has one. Example: '2.1'.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations=None, scheme: ConceptScheme | None = None, **kwargs):
        if scheme is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": scheme.title,
                    "description": scheme.description,
                    "version": scheme.version,
                    "revision": scheme.revision,
                },
            )
        super().__init__(*args, **kwargs)
        if scheme is None:
            self.fields["organisation"].queryset = organisations if organisations is not None else Organisation.objects
            del self.fields["revision"]
        else:
            del self.fields["organisation"]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("title", "description", "version")}


CONCEPT_HELP = {
    "pref_label": "The name the organisation uses for it. Example: 'Household'.",
    "alt_labels": "Other names people use for it, one per line. Example: 'Private household'.",
    "hidden_labels": "Misspellings, abbreviations and codes people search for, one per line; never shown.",
    "notation": "A code, if the concept has one. Example: 'T58.5'.",
    "definition": "What it means, precisely enough for another department to tell whether theirs is the same.",
    "scope_note": "What it includes and excludes. Example: 'Excludes people living in communal establishments.'",
    "example": "An example of something it covers.",
    "source": "The legislation or standard that defines it. Example: 'GSS harmonised standard: household (2020)'.",
    "source_url": "A link to that legislation or standard.",
    "history_note": "How the definition changed before it was recorded here. Example: 'Before 2011 the census "
    "asked whether people shared at least one meal a day.'",
    "change_note": "Kept with this version of the concept. Example: 'Aligned with the 2020 harmonised standard.'",
}


class ConceptForm(forms.Form):
    """Everything a concept says, the note kept with the change, and the version the form was read at."""

    pref_label = forms.CharField(label="Preferred label", max_length=200)
    alt_labels = forms.CharField(label="Alternative labels", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    hidden_labels = forms.CharField(label="Hidden labels", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notation = forms.CharField(max_length=100, required=False)
    definition = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    scope_note = forms.CharField(label="Scope note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    example = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(max_length=300, required=False)
    source_url = forms.URLField(label="Source URL", max_length=500, required=False, assume_scheme="https")
    history_note = forms.CharField(label="History note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    change_note = forms.CharField(
        label="What changed and why", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, concept: Concept | None = None, **kwargs):
        if concept is not None:
            initial = {name: getattr(concept, name) for name in self.service_fields()}
            initial["alt_labels"] = "\n".join(concept.alt_labels)
            initial["hidden_labels"] = "\n".join(concept.hidden_labels)
            initial["version"] = concept.version
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if concept is None:
            del self.fields["version"]
            self.fields[
                "change_note"
            ].help_text = "Kept with the first version. Example: 'From the 2021 census dictionary.'"
        for name, field in self.fields.items():
            field.help_text = field.help_text or CONCEPT_HELP.get(name, "")

    @staticmethod
    def service_fields() -> tuple[str, ...]:
        return (
            "pref_label",
            "alt_labels",
            "hidden_labels",
            "notation",
            "definition",
            "scope_note",
            "example",
            "source",
            "source_url",
            "history_note",
        )

    def clean_alt_labels(self) -> list[str]:
        return _lines(self.cleaned_data.get("alt_labels"))

    def clean_hidden_labels(self) -> list[str]:
        return _lines(self.cleaned_data.get("hidden_labels"))

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.service_fields()}


LINK_KINDS = [
    ("Within this scheme", [(kind.value, kind.label) for kind in HIERARCHY]),
    ("To a concept of another scheme", [(kind.value, kind.label) for kind in MATCHES]),
]


class LinkForm(forms.Form):
    """A relation from the concept to another: a concept chosen from the search, or an IRI pasted."""

    kind = forms.ChoiceField(
        label="Relation",
        choices=[("", "— choose —"), *LINK_KINDS],
        help_text="Exact match: the two definitions are the same. Close match: compare the definitions before "
        "joining. Broad or narrow match: the other concept is wider or narrower than this one.",
    )
    target = forms.ChoiceField(label="Concept found", required=False, widget=forms.RadioSelect)
    target_uri = forms.CharField(
        label="Or paste the concept's IRI",
        max_length=500,
        required=False,
        help_text="For a concept in a scheme not catalogued here. Example: 'https://example.gov/def/household'.",
    )

    def __init__(self, *args, found=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (
                match.concept.uri,
                f"{match.concept.pref_label} ({match.concept.scheme.title}, {match.concept.scheme.organisation.name})",
            )
            for match in found
        ]

    def clean(self):
        cleaned = super().clean()
        chosen, pasted = cleaned.get("target") or "", (cleaned.get("target_uri") or "").strip()
        if chosen and pasted and chosen != pasted:
            raise forms.ValidationError("Choose a concept found or paste an IRI, not both.")
        if not chosen and not pasted and not self.errors:
            raise forms.ValidationError("Choose a concept found by the search, or paste a concept's IRI.")
        cleaned["target_uri"] = pasted or chosen
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Find a concept",
        max_length=200,
        required=False,
        help_text="Words of its label or definition, in any scheme you can see. Example: 'household'.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="SKOS as Turtle (.ttl), RDF/XML (.rdf) or JSON-LD (.jsonld), or a CSV of terms (.csv) with a "
        "header row. Concepts with the same IRI are updated; the others are added.",
    )
    change_note = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=2000,
        help_text="Kept with every concept the file changes. Example: 'The 2024 revision of the standard.'",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PROVCAT_GLOSSARY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; an import takes at most {limit:,}.")
        return upload

    def is_csv(self) -> bool:
        upload = self.cleaned_data["file"]
        return upload.name.lower().endswith(".csv") or (upload.content_type or "").startswith("text/csv")
