"""Periodic work of the compliance app (celery beat: casino/settings.py). Each task calls a
service and is safe to run twice."""

from celery import shared_task

from compliance.rg.exclusion_services import exclusions_end_due
from compliance.rg.limits import rg_limits_apply_due


@shared_task(name="compliance.apply_due_rg_limits")
def apply_due_rg_limits() -> int:
    """Write the pending limit loosenings that are due, each with its LIMIT_APPLIED event. Bets
    do not wait for it: a due loosening holds from its time on anyway (compliance/rg/state.py),
    this only brings the rows and the record up to date."""
    return rg_limits_apply_due()


@shared_task(name="compliance.record_exclusion_ends")
def record_exclusion_ends() -> int:
    """An exclusion's end is recorded as an RG event, once."""
    return exclusions_end_due()
