"""Template tags of the public sharing register.

{% load sharing_register %}
{% dataset_sharing dataset %}     "Who receives this data and why" on a dataset's page
{{ agreement|until_when }}        the end of an agreement in words
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from catalogue.sharing import queries
from catalogue.sharing.models import SharingAgreement

register = template.Library()

PAST = (SharingAgreement.Status.SUSPENDED, SharingAgreement.Status.EXPIRED, SharingAgreement.Status.ENDED)


@register.filter
def until_when(agreement: SharingAgreement) -> str:
    """'until 3 March 2027', 'ended on 3 March 2026' (its end date passed), 'runs until ended',
    or, once a party has ended it, 'ended by the parties' (with the end date it would have had)."""
    day = date_format(agreement.end_date, "j F Y") if agreement.end_date else ""
    if agreement.status == SharingAgreement.Status.ENDED:
        return f"ended by the parties (it was to run until {day})" if day else "ended by the parties"
    if agreement.end_date is None:
        return "runs until ended"
    if agreement.end_date < timezone.localdate():
        return f"ended on {day}"
    return f"until {day}"


@register.inclusion_tag("catalogue/sharing/_dataset_sharing.html", takes_context=True)
def dataset_sharing(context, dataset):
    """The agreements covering ``dataset``: those in force (or awaiting re-approval) first,
    then past sharing (suspended, expired, ended, or past their end date). Party members
    also see their agreements that are not on the register, marked so."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    today = timezone.localdate()
    current, past = [], []
    for agreement in queries.dataset_agreements(user, dataset):
        ended = agreement.status in PAST or (agreement.end_date is not None and agreement.end_date < today)
        (past if ended else current).append(agreement)
    return {"dataset": dataset, "current": current, "past": past}
