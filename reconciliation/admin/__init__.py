"""Staff views of reconciliation: runs, discrepancies (workflow, CSV export), statements, settlement
evidence, shadow mode, stale rounds. Thin: each form calls one service."""

from reconciliation.admin import discrepancies, runs, stale  # noqa: F401 - registers the admins
