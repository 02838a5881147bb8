"""Celery tasks of harvesting: run one job; start the scheduled ones (beat)."""

from celery import shared_task


@shared_task(name="catalogue.harvest_run")
def harvest_run(job_id: int) -> dict:
    """Run one harvest job to its end (finished, failed or cancelled) and return its report."""
    from catalogue.harvest.runner import run_job

    return run_job(job_id)


@shared_task(name="catalogue.harvest_schedule")
def harvest_schedule() -> list[int]:
    """Periodic: start a job for every enabled source whose schedule is due; fail jobs whose worker died."""
    from catalogue.harvest.runner import start_due_jobs

    return start_due_jobs()
