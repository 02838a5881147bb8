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
        # Only a choice when there is one to make.
        if organisations.count() <= 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations.first()
