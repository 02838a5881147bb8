"""Load the controlled vocabularies (EU data themes, frequencies, access rights, file
types, IANA media types, licences, languages) with their official URIs.

The terms are data, kept in data/vocabularies.json next to this migration, so this
migration stays the same whatever the model code becomes later.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent / "data" / "vocabularies.json"


def load_vocabularies(apps, schema_editor):
    VocabularyTerm = apps.get_model("catalogue", "VocabularyTerm")
    for term in json.loads(DATA.read_text()):
        term = dict(term)
        uri = term.pop("uri")
        VocabularyTerm.objects.update_or_create(uri=uri, defaults=term)


def unload_vocabularies(apps, schema_editor):
    VocabularyTerm = apps.get_model("catalogue", "VocabularyTerm")
    uris = [term["uri"] for term in json.loads(DATA.read_text())]
    VocabularyTerm.objects.filter(uri__in=uris).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_initial")]

    operations = [migrations.RunPython(load_vocabularies, unload_vocabularies)]
