"""Celery tasks of the compliance app. Each calls a service and is safe to run twice."""

from celery import shared_task

from compliance.rg.exclusion_services import exclusions_end_due


@shared_task(name="compliance.record_exclusion_ends")
def record_exclusion_ends() -> int:
    """Beat runs this every few minutes: an exclusion's end is recorded as an RG event."""
    return exclusions_end_due()
