"""Periodic work of the compliance app (celery beat: casino/settings.py). Each task calls a
service and is safe to run twice."""

import logging

from celery import shared_task

from compliance.audit.chain import audit_head_export, audit_verify
from compliance.rg.exclusion_services import exclusions_end_due
from compliance.rg.limits import rg_limits_apply_due

logger = logging.getLogger(__name__)


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


@shared_task(name="compliance.verify_audit")
def verify_audit() -> bool:
    """Walk the audit chain daily; the result shows in the admin (Audit verifications)."""
    verification = audit_verify()
    if not verification.ok:
        logger.error("audit chain broken: %s", verification.problem)
    return verification.ok


@shared_task(name="compliance.export_audit_head")
def export_audit_head() -> str:
    """Write today's chain head to AUDIT_HEAD_EXPORT_DIR, to be published (docs/audit.md)."""
    path = audit_head_export()
    return str(path or "")
