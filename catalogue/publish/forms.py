"""The publisher's forms: a dataset with its parts on one page, help beside every field.

Forms only parse and validate (the models' own clean() runs through ModelForm); the
changes are made by catalogue.services.
"""

import json

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone

from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from catalogue.publish import dictionary
from catalogue.publish import sources as source_lookup
from lib.input_parsing import MAX_WHOLE_NUMBER, json_document_load

# Plain-English help shown beside each field: what it is for, then an example.
DATASET_HELP = {
    "publisher": "The organisation responsible for the data. You can publish for organisations where you are an editor.",
    "title": "A short name people would search for. Example: 'Hospital admissions by region, monthly'.",
    "description": "What the data is, what it covers and what it is useful for, in two or three sentences. "
    "Example: 'Counts of emergency admissions to NHS hospitals in England, by region and month, since 2015.'",
    "keywords": "Words people might search for, separated by commas. Example: 'hospitals, admissions, NHS'.",
    "themes": "The broad subjects of the data, from the EU list, so the data shows up under those themes.",
    "contact_name": "Who answers questions about the data: a team rather than a person, so it survives staff changes. "
    "Example: 'Health statistics team'.",
    "contact_email": "An address that is read. Example: 'health.stats@ohs.example.gov'.",
    "licence": "The terms under which others may reuse the data. Most government data uses the Open Government "
    "Licence.",
    "access_rights": "Who may get the data: public (anyone), restricted (on conditions) or non-public.",
    "temporal_start": "The first date the data covers. Example: 2015-01-01.",
    "temporal_end": "The last date the data covers; leave empty if it is still growing.",
    "spatial_uri": "A link that names the place the data covers, e.g. "
    "http://publications.europa.eu/resource/authority/country/GBR for the United Kingdom.",
    "spatial_label": "The name of that place. Example: 'England'.",
    "frequency": "How often the data is updated. Provcat uses it to tell you when an update is overdue.",
    "language": "The language of the data and its description.",
    "version": "Your own version label, if you use one. Example: '2024.1'.",
    "issued": "When the data was first published. Example: 2021-03-01.",
    "modified": "When the data itself last changed (not this description).",
    "landing_page": "A web page about the data, if there is one, e.g. on your department's site.",
    "conforms_to": "A standard or schema the data follows, as a link. Example: a Table Schema URL.",
}


DUPLICATE_FREQUENCY = "UPDATE_CONT"

# Labels in plain words (the model's verbose names read "Spatial uri", "Temporal start").
DATASET_LABELS = {
    "publisher": "Publisher",
    "keywords": "Keywords",
    "themes": "Themes",
    "temporal_start": "First date covered",
    "temporal_end": "Last date covered",
    "spatial_uri": "Place covered (link)",
    "spatial_label": "Place name",
    "landing_page": "Landing page",
    "conforms_to": "Standard it follows",
    "issued": "First published",
    "modified": "Data last changed",
}


def _lower_first(label: str) -> str:
    """'Landing page' -> 'landing page', but 'URL' and 'Concept (IRI)' keep their capitals."""
    word = label.split(" ", 1)[0]
    return label if word.isupper() and len(word) > 1 else label[:1].lower() + label[1:]


def plain_error_messages(form: forms.BaseForm) -> None:
    """Give every field of the form error messages that name it and say how to put it right,
    in the GOV.UK style ("Enter the landing page as a full web address, starting with https://"),
    instead of Django's "Enter a valid URL." that does not say which box is wrong."""
    for field in form.fields.values():
        label = str(field.label or "")
        if not label:
            continue
        name = _lower_first(label)
        messages = {
            "required": f"Enter the {name}",
            "max_length": f"{label} must be %(limit_value)d characters or fewer",
        }
        if isinstance(field, forms.URLField):
            messages["invalid"] = f"Enter the {name} as a full web address, starting with https://"
        elif isinstance(field, forms.EmailField):
            messages["invalid"] = f"Enter the {name} as an email address, like name@example.gov"
        elif isinstance(field, forms.DateTimeField):
            messages["invalid"] = f"Enter the {name} as a real date and time, like 2024-03-31 14:30"
        elif isinstance(field, forms.DateField):
            messages["invalid"] = f"Enter the {name} as a real date, like 2024-03-31"
        elif isinstance(field, forms.IntegerField):
            messages["invalid"] = f"Enter the {name} as a whole number, like 2048"
            messages["min_value"] = f"{label} must be %(limit_value)s or more"
            messages["max_value"] = f"{label} must be %(limit_value)s or less"
        elif isinstance(field, forms.FloatField | forms.DecimalField):
            messages["invalid"] = f"Enter the {name} as a number, like 0.98"
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            messages["required"] = f"Choose at least one of the {name}"
            messages["invalid_choice"] = f"Choose the {name} from the list"
            messages["invalid_pk_value"] = f"Choose the {name} from the list"
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            messages["required"] = f"Choose the {name}"
            messages["invalid_choice"] = f"Choose the {name} from the list"
        elif isinstance(field, forms.BooleanField):
            messages.pop("required")
        field.error_messages.update(messages)


class DatasetForm(forms.ModelForm):
    """The dataset's own properties. ``revision`` carries the version the form was read at."""

    publisher = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    keywords = forms.CharField(required=False, max_length=1000)
    themes = forms.ModelMultipleChoiceField(
        queryset=VocabularyTerm.objects.filter(scheme=VocabularyTerm.Scheme.THEME),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Dataset
        fields = [
            # Version notes are not on this form; the API sets them.
            *(name for name in Dataset.DESCRIPTION_FIELDS if name != "version_notes"),
            "keywords",
            "themes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "temporal_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "temporal_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "issued": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "modified": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's keywords are Keyword rows; the form shows them as comma-separated text.
        self.initial["keywords"] = (
            ", ".join(self.instance.keywords.values_list("name", flat=True)) if self.instance.pk else ""
        )
        if self.instance.pk:
            del self.fields["publisher"]
            self.initial["revision"] = self.instance.revision
        else:
            self.fields["publisher"].queryset = organisations if organisations is not None else Organisation.objects
            del self.fields["revision"]
        for name in ("licence", "frequency", "language"):
            self.fields[name].empty_label = "— choose —"
        # The EU vocabulary has both CONT ("continuous") and UPDATE_CONT ("continuously
        # updated"), which mean the same to a publisher: offer "Continuous" once, keeping the
        # other only on a dataset that already uses it.
        frequencies = self.fields["frequency"].queryset.exclude(code=DUPLICATE_FREQUENCY)
        if self.instance.pk and self.instance.frequency_id:
            frequencies = frequencies | self.fields["frequency"].queryset.filter(pk=self.instance.frequency_id)
        self.fields["frequency"].queryset = frequencies.distinct()
        self.fields["modified"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        for name, field in self.fields.items():
            if name in DATASET_HELP:
                field.help_text = DATASET_HELP[name]
            if name in DATASET_LABELS:
                field.label = DATASET_LABELS[name]
        # Only the title is needed to save a draft; publishing checks the rest.
        self.fields["title"].required = True
        plain_error_messages(self)
        self.fields["title"].error_messages["required"] = "Enter a title for the dataset"

    # Fields a draft may leave empty that publishing needs (catalogue.publication), shown
    # beside their labels so the requirement is not a surprise at the last step.
    required_when = {"description": "required to publish"}

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords") or ""
        words = [w.strip() for w in raw.replace(";", ",").split(",")]
        long = [w for w in words if len(w) > 100]
        if long:
            raise forms.ValidationError("Keep each keyword under 100 characters, and separate keywords with commas")
        return [w for w in words if w]

    def clean_revision(self):
        return self.cleaned_data.get("revision")

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("keywords", "themes", "publisher", "revision")}
        return data


DISTRIBUTION_HELP = {
    "title": "A name for this way of getting the data. Example: 'Full table as CSV'.",
    "access_url": "Where people can get the data: a download page or an API. Required.",
    "download_url": "A direct link to the file itself, if there is one.",
    "format": "The file format. Open, machine-readable formats such as CSV score best.",
    "media_type": "The media type the server sends, e.g. text/csv.",
    "byte_size": "The file size in bytes. Example: 204800.",
    "licence": "Only if it differs from the dataset's licence.",
    "rights": "Anything else about rights, e.g. 'Crown copyright 2024'.",
    "availability": "How long you plan to keep it: Temporary (days or weeks), Experimental (up to about a "
    "year), Available (some years; the usual choice) or Stable (for the long term: choose it only if you "
    "commit to keeping it at this address).",
}


class DistributionForm(forms.ModelForm):
    class Meta:
        model = Distribution
        fields = [
            "title",
            "access_url",
            "download_url",
            "format",
            "media_type",
            "byte_size",
            "licence",
            "rights",
            "availability",
        ]
        widgets = {"rights": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = DISTRIBUTION_HELP.get(name, "")
        self.fields["licence"].empty_label = "Same as the dataset"
        self.fields["access_url"].label = "Access address"
        self.fields["download_url"].label = "Download address"
        self.fields["byte_size"].label = "File size in bytes"
        # The publisher says; "not stated" is only for harvested distributions whose source did not.
        self.fields["availability"].label = "Planned availability"
        self.fields["availability"].choices = Distribution.Availability.choices
        self.fields["availability"].required = True
        plain_error_messages(self)


FIELD_HELP = {
    "name": "The column name exactly as in the file. Example: 'la_code'.",
    "title": "A human name. Example: 'Local authority code'.",
    "definition": "What a value means, so someone in another department reads it the same way. "
    "Example: 'ONS code of the local authority where the patient lives.'",
    "datatype": "The kind of value.",
    "unit": "Unit of measure, if any. Example: 'GBP', 'people'.",
    "required": "Tick if every row has a value.",
    "concept_uri": "The glossary concept the column measures, as its IRI, so others can tell whether their column "
    "means the same. Choose a suggestion, or paste the IRI from the concept's page.",
    "code_list_uri": "If the values are codes, the code list they come from: the IRI of a glossary scheme.",
}


class FieldForm(forms.ModelForm):
    """One data dictionary row. Without JavaScript, a row can also take the concept chosen among
    the suggestions shown under it (radio buttons named ``<prefix>-suggested_concept``)."""

    SUGGESTED = "suggested_concept"

    class Meta:
        model = Field
        fields = ["name", "title", "definition", "datatype", "unit", "required", "concept_uri", "code_list_uri"]
        labels = {"concept_uri": "Concept (IRI)", "code_list_uri": "Code list (IRI)"}
        widgets = {"definition": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = FIELD_HELP.get(name, "")
        self.fields["name"].label = "Column name"
        self.fields["datatype"].label = "Type of value"
        plain_error_messages(self)

    def suggested_concept(self) -> str:
        return str(self.data.get(self.add_prefix(self.SUGGESTED)) or "").strip() if self.is_bound else ""

    def has_changed(self) -> bool:
        return super().has_changed() or bool(self.suggested_concept())

    def clean(self):
        cleaned = super().clean()
        # A concept typed in the box wins over a suggestion chosen below it.
        if not cleaned.get("concept_uri") and self.suggested_concept():
            cleaned["concept_uri"] = self.suggested_concept()
        return cleaned


class DatasetPartFormSet(forms.BaseInlineFormSet):
    """The rows of one kind of part on a dataset's form. A row's hidden id may name only a
    part of this dataset: Django's model formsets check a bound id against every row of the
    table, so another dataset's part id would otherwise be taken (and crash the save)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        id_field = form.fields.get(self._pk_field.name)
        if isinstance(id_field, forms.ModelChoiceField):
            id_field.queryset = self.get_queryset() if self.instance.pk else self.model.objects.none()


class BaseFieldFormSet(DatasetPartFormSet):
    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if name in seen:
                form.add_error("name", f"Row {seen[name] + 1} already uses the column name '{name}'.")
            elif name:
                seen[name] = self.forms.index(form)

    def validate_unique(self):
        # Duplicate names are reported next to the field by clean() above.
        pass


CHECK_HELP = {
    "name": "A short name for the rule. Example: 'No missing postcodes'.",
    "rule": "What the check tests, precisely enough for someone to repeat it.",
    "run_at": "When the check ran.",
    "run_by": "The person or system that ran it.",
    "outcome": "What happened.",
    "records_checked": "How many records were checked.",
    "records_failed": "How many failed.",
}


class ValidationCheckForm(forms.ModelForm):
    class Meta:
        model = ValidationCheck
        fields = ["name", "rule", "run_at", "run_by", "outcome", "records_checked", "records_failed"]
        widgets = {
            "run_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "rule": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        # No moving default in a blank row (it would make the row look filled in); a check
        # recorded without a time is taken to have run now.
        self.fields["run_at"].initial = None
        self.fields["run_at"].required = False
        self.fields["run_at"].help_text = ""
        for name, field in self.fields.items():
            field.help_text = CHECK_HELP.get(name, "")
        self.fields["name"].label = "Check name"
        self.fields["run_at"].label = "When it ran"
        plain_error_messages(self)

    def clean_run_at(self):
        return self.cleaned_data.get("run_at") or timezone.now()


class QualityMeasurementForm(forms.ModelForm):
    class Meta:
        model = QualityMeasurement
        fields = ["dimension", "metric", "value", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].help_text = "Which aspect of quality was measured."
        self.fields["metric"].help_text = "What was measured. Example: 'Share of rows with a postcode'."
        self.fields["value"].help_text = "The measured value. Example: 0.98."
        self.fields["unit"].help_text = "'ratio', 'percent' or another unit."
        plain_error_messages(self)


class CollectionMethodForm(forms.ModelForm):
    class Meta:
        model = CollectionMethod
        fields = ["method_type", "description", "population", "period_start", "period_end", "source_systems"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "population": forms.Textarea(attrs={"rows": 2}),
            "source_systems": forms.Textarea(attrs={"rows": 2}),
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "method_type"
        ].help_text = "How the data comes about. Pick 'Derived' if it is made from other datasets."
        self.fields["description"].help_text = (
            "How the data is gathered, in plain words. Example: 'Each hospital trust submits admissions monthly "
            "through the SUS system.'"
        )
        self.fields["method_type"].required = False
        self.fields["description"].required = False
        self.fields["method_type"].label = "How it is collected"
        self.fields["description"].label = "Description of the collection"
        plain_error_messages(self)

    # Optional as a whole, but once any of the section is filled in these two are needed.
    required_when = {
        "method_type": "required once you fill in this section",
        "description": "required once you fill in this section",
    }

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.fields)

    def clean(self):
        cleaned = super().clean()
        if not self.is_blank():
            if not cleaned.get("method_type"):
                self.add_error("method_type", "Choose how the data is collected")
            if not cleaned.get("description"):
                self.add_error("description", "Enter a description of how the data is gathered")
        return cleaned

    def _post_clean(self):
        # A blank section means "not recorded yet": skip the model's own validation then.
        if self.is_blank():
            return
        super()._post_clean()


class DatasetListField(forms.CharField):
    """Datasets named by their address name, their page address or words of their title,
    separated by commas or new lines.

    A text field rather than a list of every dataset: a catalogue of 100,000 datasets
    cannot be a select box. With JavaScript a search-as-you-type picker fills it in
    (static/js/source-picker.js); without, the server searches what was typed: a name that
    matches one dataset the user may see is taken, several are listed to choose from, and
    names the user may not see are reported as unknown, exactly like names that do not exist.
    """

    def __init__(self, *, queryset=None, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value) or ""
        parts = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
        chosen, unknown, ambiguous = [], [], []
        for part in parts:
            matches = list(source_lookup.matching(self.queryset, part, limit=6))
            exact = [d for d in matches if d.slug == source_lookup.slug_of(part) or d.title.lower() == part.lower()]
            if len(exact) == 1 or len(matches) == 1:
                chosen.append((exact or matches)[0])
            elif matches:
                listed = "; ".join(f"{d.title} ({d.slug})" for d in matches[:5])
                ambiguous.append(f"'{part}' matches several datasets: {listed}")
            else:
                unknown.append(part)
        problems = []
        if unknown:
            problems.append(
                "No dataset you can see is called " + ", ".join(f"'{name}'" for name in unknown) + ". Type words "
                "of its title or the name at the end of its address, e.g. 'hospital-admissions' for "
                "/datasets/hospital-admissions/"
            )
        if ambiguous:
            problems.extend(f"{line}. Write the name in brackets of the one you mean" for line in ambiguous)
        if problems:
            raise forms.ValidationError(problems)
        return list(dict.fromkeys(chosen))


class DerivationForm(forms.Form):
    sources = DatasetListField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Source datasets",
        help_text="The datasets this one is made from, separated by commas: words of their titles or the names "
        "at the end of their addresses. Example: 'mid-year-population-estimates, hospital episode statistics'.",
    )
    description = forms.CharField(
        required=False,
        label="How it was made from them",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the sources were transformed. Example: 'Joined on la_code and summed by month.'",
    )

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = sources if sources is not None else Dataset.objects.none()


DistributionFormSet = inlineformset_factory(
    Dataset, Distribution, form=DistributionForm, formset=DatasetPartFormSet, extra=1, can_delete=True
)
FieldFormSet = inlineformset_factory(Dataset, Field, form=FieldForm, formset=BaseFieldFormSet, extra=1, can_delete=True)
ValidationCheckFormSet = inlineformset_factory(
    Dataset, ValidationCheck, form=ValidationCheckForm, formset=DatasetPartFormSet, extra=1, can_delete=True
)
QualityMeasurementFormSet = inlineformset_factory(
    Dataset, QualityMeasurement, form=QualityMeasurementForm, formset=DatasetPartFormSet, extra=1, can_delete=True
)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is withdrawn",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Readers see this notice on the dataset's page. Example: 'Replaced by the 2025 edition.'",
        error_messages={"required": "Enter why the dataset is withdrawn: readers see it on the dataset's page"},
    )


class MembershipForm(forms.Form):
    username = forms.CharField(label="User name", help_text="The person's Provcat user name.")
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_error_messages(self)


class DictionaryImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="A CSV file (its header row and a few rows to guess types), a Frictionless Table Schema "
        "(.json) or CSVW metadata (.json).",
    )
    text = forms.CharField(
        required=False,
        max_length=dictionary.MAX_IMPORT_BYTES,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Or paste the same content here.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        limit = dictionary.MAX_IMPORT_BYTES
        if upload:
            raw = upload.read(limit + 1)
            if len(raw) > limit:
                raise forms.ValidationError(
                    f"The file is larger than {limit // (1024 * 1024)} MB; upload only its first rows."
                )
            try:
                content = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not UTF-8 text.")
                return cleaned
            if "\x00" in content:
                self.add_error("file", "The file holds NUL characters: it is not a text file.")
                return cleaned
            cleaned["content"] = content
            cleaned["filename"] = upload.name
        elif cleaned.get("text", "").strip():
            cleaned["content"] = cleaned["text"]
            cleaned["filename"] = ""
        elif not self.errors:
            raise forms.ValidationError("Choose a file or paste its content.")
        return cleaned


class FieldImportRowForm(forms.Form):
    """One row of the data dictionary import as the preview posts it back.

    Only these properties are read from a row (the same as services.FIELD_IMPORT_KEYS); a
    row naming any other (``dataset_id``, ``id``, ...) is refused, never copied onto a field."""

    name = forms.CharField(max_length=128)
    title = forms.CharField(max_length=200, required=False)
    definition = forms.CharField(required=False)
    datatype = forms.ChoiceField(choices=Field.Datatype.choices)
    unit = forms.CharField(max_length=50, required=False)
    required = forms.BooleanField(required=False)
    constraints = forms.JSONField(required=False)
    concept_uri = forms.URLField(required=False, max_length=500)
    code_list_uri = forms.URLField(required=False, max_length=500)

    def clean_required(self):
        value = self.data.get("required", False)
        if not isinstance(value, bool):
            raise forms.ValidationError("must be true or false.")
        return value

    def clean_constraints(self):
        value = self.cleaned_data.get("constraints")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("must be an object.")
        # PostgreSQL's jsonb cannot hold a NUL character either.
        if "\\u0000" in json.dumps(value):
            raise forms.ValidationError("Null characters are not allowed.")
        return value


class DictionaryConfirmForm(forms.Form):
    """The confirm step of the import: the previewed rows (JSON) and the revision they were read at."""

    rows = forms.CharField(max_length=dictionary.MAX_IMPORT_BYTES)
    revision = forms.IntegerField(min_value=0, max_value=MAX_WHOLE_NUMBER)

    def clean_rows(self) -> list[dict]:
        try:
            rows = json_document_load(self.cleaned_data["rows"])
        except ValueError as exc:
            raise forms.ValidationError(f"The rows are not valid JSON ({exc}).") from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise forms.ValidationError("The rows must be a list of objects.")
        if len(rows) > dictionary.MAX_FIELDS:
            raise forms.ValidationError(f"{len(rows)} rows; at most {dictionary.MAX_FIELDS} can be imported.")
        problems, cleaned = [], []
        for number, row in enumerate(rows, start=1):
            unknown = sorted(str(key) for key in row if key not in FieldImportRowForm.base_fields)
            if unknown:
                problems.append(f"Row {number}: unknown properties {', '.join(unknown)}.")
                continue
            form = FieldImportRowForm(row)
            if not form.is_valid():
                problems.extend(f"Row {number}, {name}: {' '.join(errors)}" for name, errors in form.errors.items())
                continue
            # Only the properties the row gave: an absent one leaves the stored value as it is.
            cleaned.append({key: value for key, value in form.cleaned_data.items() if key in row})
        if problems:
            raise forms.ValidationError(dictionary.problems_capped(problems))
        return cleaned
