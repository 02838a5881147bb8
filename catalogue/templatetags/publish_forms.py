"""Template filters of the publisher's forms (publisher).

{% load publish_forms %}{{ row.datatype|datatype_label }}   "integer" -> "Whole number", as the public page says
"""

from django import template

from catalogue.models import Field

register = template.Library()

DATATYPE_LABELS = dict(Field.Datatype.choices)


@register.filter
def datatype_label(value: str) -> str:
    """The words the dataset page uses for a datatype, so an import previews what readers will see."""
    return str(DATATYPE_LABELS.get(value, value))
