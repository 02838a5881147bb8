"""The account page's one form: a name for a new token. The rules are in services."""

from django import forms


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What will use it, for example “Nightly lineage export”. You will see the token only once.",
        error_messages={
            "required": "Give the token a name, such as the program that will use it.",
            "max_length": "Use a name of 100 characters or fewer.",
        },
    )
