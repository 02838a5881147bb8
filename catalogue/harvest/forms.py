"""The harvest source form: help beside every field, as on the publisher's forms.

The form only parses; catalogue.harvest.services.source_save decides who may save what
(only site administrators may allow a private address) and validates the source.
"""

from django import forms

from catalogue.harvest.models import HarvestSource
from catalogue.harvest.services import SOURCE_FIELDS

# Plain-English help shown beside each field: what it is for, then an example.
SOURCE_HELP = {
    "organisation": "The organisation that publishes what this source lists. Its datasets are brought in under its "
    "name, and its admins manage the source.",
    "name": "A name people recognise. Example: 'Department for Transport open data portal'.",
    "url": "Where the catalogue is read from. For a DCAT-AP catalogue: its RDF document or first page, e.g. "
    "https://data.example.gov/catalog.ttl (further pages are followed through Hydra links). For a CKAN site: its "
    "address or its action API, e.g. https://ckan.example.gov/api/3/action/.",
    "kind": "DCAT-AP: the source publishes its catalogue as RDF (most EU and government portals). CKAN: the source "
    "is a CKAN site; its datasets are read page by page through package_search.",
    "rdf_format": "For DCAT-AP sources only. 'Detect' reads the format from the response (Turtle, RDF/XML, JSON-LD "
    "or N-Triples); choose one if the source labels its responses wrongly.",
    "schedule": "How often the source is harvested on its own. Each run changes only the datasets that changed at "
    "the source, and withdraws those the source no longer lists after a complete run.",
    "enabled": "Scheduled runs happen only while the source is enabled. Disable it to pause harvesting without "
    "losing its datasets or its history.",
    "description": "Optional: anything readers of the source's page should know about it.",
    "allow_private_addresses": "Let this source be fetched from a loopback or private address, e.g. a catalogue "
    "served by this machine. Only site administrators can set this.",
}


class SourceForm(forms.ModelForm):
    """A harvest source; ``organisations`` are the ones the user may manage."""

    class Meta:
        model = HarvestSource
        fields = ["organisation", *SOURCE_FIELDS, "allow_private_addresses"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"url": "Address (URL)", "enabled": "Harvest on schedule", "kind": "Kind of source"}
        help_texts = SOURCE_HELP

    def __init__(self, *args, organisations, may_allow_private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = None
        if not may_allow_private:
            del self.fields["allow_private_addresses"]

    def _post_clean(self):
        # The service validates the whole source (its full_clean); the form leaves its
        # instance untouched so a refused save changes nothing on the page's object.
        pass

    def service_data(self) -> dict:
        """The source's properties, as catalogue.harvest.services.source_save takes them."""
        data = {name: self.cleaned_data[name] for name in SOURCE_FIELDS}
        data["rdf_format"] = data["rdf_format"] or HarvestSource.RdfFormat.AUTO
        if "allow_private_addresses" in self.fields:
            data["allow_private_addresses"] = self.cleaned_data["allow_private_addresses"]
        return data
