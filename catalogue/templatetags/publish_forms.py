"""Template filters of the publisher's forms (publisher).

{% load publish_forms %}{{ row.datatype|datatype_label }}   "integer" -> "Whole number", as the public page says
"""

from django import template

from catalogue import access
from catalogue.models import Field

register = template.Library()

DATATYPE_LABELS = dict(Field.Datatype.choices)


@register.filter
def datatype_label(value: str) -> str:
    """The words the dataset page uses for a datatype, so an import previews what readers will see."""
    return str(DATATYPE_LABELS.get(value, value))


def _anchor(bound) -> str:
    """The id a summary link should move focus to: the input itself, or a group's first box."""
    if (
        getattr(bound.field.widget, "allow_multiple_selected", False)
        or getattr(bound.field.widget, "input_type", "") == "radio"
    ):
        return f"{bound.auto_id}_0"
    return bound.id_for_label or bound.auto_id


@register.filter
def field_anchor(bound) -> str:
    return _anchor(bound)


@register.filter
def requirement(bound) -> str:
    """What to say beside a label: "required", a condition such as "required to publish", or
    nothing. A ticked-or-not box is never "required"."""
    if getattr(bound.field.widget, "input_type", "") == "checkbox" and not getattr(
        bound.field.widget, "allow_multiple_selected", False
    ):
        return ""
    if bound.field.required:
        return "required"
    return getattr(bound.form, "required_when", {}).get(bound.name, "")


def _form_items(form, prefix: str = "") -> list[tuple[str, str]]:
    items = [("", f"{prefix}{error}") for error in form.non_field_errors()]
    for bound in form:
        items.extend((_anchor(bound), f"{prefix}{error}") for error in bound.errors)
    return items


@register.simple_tag
def error_summary_items(*forms, formsets=()) -> list[tuple[str, str]]:
    """Every problem on the page, in the order the fields appear, as (anchor id, message) for
    the error summary at the top (GOV.UK pattern). The messages name their field already; a
    formset row's message says which row ("Distribution 2: Enter the access address...")."""
    items: list[tuple[str, str]] = []
    for form in forms:
        if form is not None and form != "":
            items.extend(_form_items(form))
    for formset, noun in formsets:
        items.extend(("", str(error)) for error in formset.non_form_errors())
        for number, row in enumerate(formset.forms, start=1):
            items.extend(_form_items(row, f"{noun.capitalize()} {number}: "))
    return items


@register.filter
def can_describe_datasets(user) -> bool:
    """May the user describe a new dataset (an editor or admin of some organisation)? A viewer
    is not offered a button that would only answer "forbidden"."""
    return access.editable_organisations(user).exists()
