"""Template filters of the harvest pages: a job's progress and duration in words.

{% load harvest %}{{ job|job_progress }}    "page 3 of 10 · 300 of 1,000 records"
{{ job|job_duration }}                       "2 min 5 s"
"""

from django import template

register = template.Library()


@register.filter
def job_progress(job) -> str:
    """ "page 3 of 10 · 300 of 1,000 records", or "page 3 · 300 records" when the source gives no totals
    (static/js/harvest-progress.js writes the same words while the job runs)."""
    pages = f"page {job.pages_done:,}" + (f" of {job.pages_total:,}" if job.pages_total else "")
    records = f"{job.records_done:,}" + (f" of {job.records_total:,}" if job.records_total else "")
    return f"{pages} · {records} records"


@register.filter
def job_duration(job) -> str:
    """How long the job ran (so far, while it runs); "" before it started."""
    if job.started_at is None:
        return ""
    end = job.finished_at or job.heartbeat_at or job.started_at
    seconds = max(0, round((end - job.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
