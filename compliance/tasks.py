"""Periodic work of the compliance app (celery beat: casino/settings.py)."""

from celery import shared_task

from compliance.rg.limits import rg_limits_apply_due


@shared_task(name="compliance.apply_due_rg_limits")
def apply_due_rg_limits() -> int:
    """Write the pending limit loosenings that are due, each with its LIMIT_APPLIED event. Safe
    to run twice. Bets do not wait for it: a due loosening holds from its time on anyway
    (compliance/rg/state.py), this only brings the rows and the record up to date."""
    return rg_limits_apply_due()
