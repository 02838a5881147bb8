"""The parties' forms: choosing who shares what (step 1), the terms and the data items (step 2),
and the reason given when an agreement is suspended or ended.

Forms only parse: the rules (which datasets may be covered, which fields are data items,
which legal powers go together) are checked by catalogue.sharing.services, whose
ValidationError messages the views put back on these forms' fields. Two steps, because
the data items are the fields of the datasets chosen first, and the pages work without
JavaScript.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from catalogue import access
from catalogue.models import Dataset, Field, Organisation
from catalogue.sharing import legal, services
from catalogue.sharing.models import SharingAgreement

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The legal power is three lists; each select says which list it is and what to choose.
LEGAL_HELP = {
    "legal_gateway": "The statutory power that permits the disclosure, such as a Digital Economy Act 2017 power. "
    "Choose 'Other statute' and give the citation if it is not listed.",
    "lawful_basis": "The UK GDPR Article 6 lawful basis, needed when personal data is shared. "
    "Public bodies usually rely on (e) public task.",
    "special_category_condition": "Only for health, ethnicity or other special-category data: the Article 9 "
    "condition, as well as an Article 6 lawful basis.",
}
LEGAL_LISTS = (
    ("legal_gateway", legal.GATEWAYS),
    ("lawful_basis", legal.LAWFUL_BASES),
    ("special_category_condition", legal.SPECIAL_CATEGORY_CONDITIONS),
)

_TERM_FIELDS = forms.fields_for_model(
    SharingAgreement,
    fields=services.EDITABLE_TERMS,
    widgets={
        "purpose": forms.Textarea(attrs={"rows": 3}),
        "benefits": forms.Textarea(attrs={"rows": 3}),
        "processors": forms.Textarea(attrs={"rows": 2}),
        "security_handling": forms.Textarea(attrs={"rows": 2}),
        "start_date": DATE,
        "end_date": DATE,
        "review_date": DATE,
    },
)
# A plain Form with the model's fields (labels, help, choices), not a ModelForm: the
# service, not the form, puts values on the agreement, so a refused change leaves the
# agreement the view holds untouched.
_TermsBase = type("_TermsBase", (forms.Form,), dict(_TERM_FIELDS))


def provider_datasets(user, provider: Organisation, *, also=()):
    """The provider's published datasets ``user`` may see (plus ``also``: those already covered).

    A recipient proposing an agreement sees only what it may already read, so the list
    reveals no restricted dataset."""
    published = Dataset.objects.filter(publisher=provider, status=Dataset.Status.PUBLISHED)
    visible = access.visible_datasets(user, published).values("pk")
    return Dataset.objects.filter(Q(pk__in=visible) | Q(pk__in=[d.pk for d in also])).order_by("title")


class CoverageForm(forms.Form):
    """Step 1 (a GET form): the parties, when proposing, and the provider's datasets covered."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Proposing for",
        empty_label=None,
        help_text="Your organisation: you propose agreements for organisations where you are an editor or admin.",
    )
    side = forms.ChoiceField(
        label="Your organisation is",
        choices=[
            ("provider", "the provider (it discloses the data)"),
            ("recipient", "the recipient (it receives the data)"),
        ],
        widget=forms.RadioSelect,
    )
    other = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="The other organisation",
        empty_label="— choose —",
    )
    datasets = forms.ModelMultipleChoiceField(
        queryset=Dataset.objects.none(),
        required=False,
        label="Datasets covered",
        help_text="The provider's published datasets whose data is shared. Next you choose which of their fields travel.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, agreement: SharingAgreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.agreement = agreement
        if agreement is not None:
            for name in ("organisation", "side", "other"):
                del self.fields[name]
            self._set_provider(agreement.provider, also=list(agreement.datasets.all()))
        else:
            self.fields["organisation"].queryset = access.editable_organisations(user)
            self._provider_from_data()

    def _set_provider(self, provider: Organisation, also=()) -> None:
        self.provider = provider
        self.fields["datasets"].queryset = provider_datasets(self.user, provider, also=also)

    def _provider_from_data(self) -> None:
        """Which datasets to offer depends on who the provider is: read it from the parties chosen."""
        self.provider = None
        if not self.is_bound:
            return
        organisation = _choice(self.fields["organisation"], self.data.get("organisation"))
        other = _choice(self.fields["other"], self.data.get("other"))
        side = self.data.get("side")
        if organisation is None or other is None or side not in services.SIDES:
            return
        self._set_provider(organisation if side == "provider" else other)

    def clean(self):
        cleaned = super().clean()
        organisation, other = cleaned.get("organisation"), cleaned.get("other")
        if organisation is not None and other is not None and organisation == other:
            self.add_error("other", "Choose a different organisation: an agreement has two parties.")
        return cleaned

    def parties(self) -> tuple[Organisation, Organisation, Organisation]:
        """(provider, recipient, proposed_by) from a valid form that proposes."""
        organisation, other = self.cleaned_data["organisation"], self.cleaned_data["other"]
        if self.cleaned_data["side"] == "provider":
            return organisation, other, organisation
        return other, organisation, organisation


def _choice(field: forms.ModelChoiceField, value):
    try:
        return field.clean(value)
    except forms.ValidationError:
        return None


class AgreementTermsForm(_TermsBase):
    """Step 2: every term the parties agree, and which fields of the covered datasets travel."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    data_items = forms.MultipleChoiceField(
        label="Data items disclosed",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The fields of the covered datasets that the provider discloses: the public register lists them.",
    )

    def __init__(self, *args, user, datasets=(), agreement: SharingAgreement | None = None, **kwargs):
        if agreement is not None:
            kwargs.setdefault("initial", _initial_of(agreement))
        super().__init__(*args, **kwargs)
        self.datasets = list(datasets)
        self.fields["data_items"].choices = _item_choices(user, self.datasets, agreement)
        for name, powers in LEGAL_LISTS:
            field = self.fields[name]
            field.help_text = LEGAL_HELP[name]
            field.choices = [("", "— none —"), *legal.choices(powers)]
        if agreement is None:
            del self.fields["revision"]
        else:
            self.fields["revision"].required = True

    def item_groups(self) -> list[tuple[Dataset, list]]:
        """The data item checkboxes grouped by dataset, for a fieldset each."""
        by_dataset = {dataset.pk: (dataset, []) for dataset in self.datasets}
        for checkbox in self["data_items"]:
            dataset_id = int(str(checkbox.data["value"]).split(":", 1)[0])
            by_dataset[dataset_id][1].append(checkbox)
        return list(by_dataset.values())

    def legal_powers(self) -> list[tuple[str, list[legal.LegalPower]]]:
        """What each power means, shown beside the three selects."""
        return [(self[name].label, powers) for name, powers in LEGAL_LISTS]

    def clean_data_items(self) -> list[tuple[int, str]]:
        items = []
        for value in self.cleaned_data.get("data_items") or []:
            dataset_id, name = value.split(":", 1)
            items.append((int(dataset_id), name))
        return items

    def service_data(self) -> dict:
        return {term: self.cleaned_data[term] for term in services.EDITABLE_TERMS}


def _item_choices(user, datasets: list[Dataset], agreement: SharingAgreement | None) -> list[tuple[str, str]]:
    """The fields of the covered datasets, as checkboxes. Of a dataset the user may not read (a
    recipient's editor changing an agreement no longer in force, say) only the fields the
    agreement already names are offered: the form never shows more of its dictionary."""
    readable = {dataset.pk for dataset in datasets if access.can_view_dataset(user, dataset)}
    named = set(agreement.data_items.values_list("dataset_id", "field_name")) if agreement is not None else set()
    fields = Field.objects.filter(dataset__in=datasets).order_by("dataset_id", "position", "pk")
    return [
        (f"{field.dataset_id}:{field.name}", f"{field.title} ({field.name})" if field.title else field.name)
        for field in fields
        if field.dataset_id in readable or (field.dataset_id, field.name) in named
    ]


def _initial_of(agreement: SharingAgreement) -> dict:
    initial = {term: getattr(agreement, term) for term in services.EDITABLE_TERMS}
    initial["revision"] = agreement.revision
    initial["data_items"] = [
        f"{dataset_id}:{name}" for dataset_id, name in agreement.data_items.values_list("dataset_id", "field_name")
    ]
    return initial


class ReasonForm(forms.Form):
    """Suspending or ending: the reason goes to the other party and into the history."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The other organisation is told, and the agreement's history keeps it. "
        "Example: 'The recipient reported a security incident; sharing stops until it is resolved.'",
    )
    side = forms.ChoiceField(label="Acting for", required=False, widget=forms.RadioSelect)

    def __init__(self, *args, sides: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if len(sides) > 1:
            self.fields["side"].choices = sides
            self.fields["side"].required = True
        else:
            del self.fields["side"]
