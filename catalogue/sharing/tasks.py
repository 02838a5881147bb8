"""Beat's sharing work: agreements past their end date become expired; reviews due are reminded."""

from celery import shared_task

from catalogue.sharing import services


@shared_task(name="catalogue.sharing_daily")
def sharing_daily() -> dict:
    return {"expired": services.agreements_expire(), "review_reminders": services.review_reminders_send()}
