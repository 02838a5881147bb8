"""The synonyms page's form: it parses; catalogue.search.services decides."""

from django import forms

from catalogue.access import editable_organisations


class SynonymForm(forms.Form):
    phrase = forms.CharField(
        label="Word or phrase",
        max_length=100,
        help_text="As people search for it, for example “GP” or “labour”.",
    )
    equivalent = forms.CharField(
        label="Means the same as",
        max_length=100,
        help_text="Another way of saying it, for example “general practice” or “labor”.",
    )
    organisation = forms.ModelChoiceField(
        label="Adding for", queryset=None, required=False, empty_label=None, help_text="Shown in the history."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = editable_organisations(user).order_by("name")
        self.fields["organisation"].queryset = organisations
        # Only a choice when there is one to make; otherwise the one (or none, for a site
        # administrator who edits for no organisation) is taken without asking.
        self.only_organisation = None
        if organisations.count() <= 1:
            self.only_organisation = organisations.first()
            del self.fields["organisation"]

    def clean(self):
        cleaned = super().clean()
        if "organisation" not in self.fields:
            cleaned["organisation"] = self.only_organisation
        return cleaned
