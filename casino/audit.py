"""The seam through which the lower layers (wallet, reconciliation) write to the audit log
without importing the app that keeps it.

The audit log lives in `compliance`, above `wallet` and beside `reconciliation`, neither of
which may import it (docs/architecture.md). So compliance registers one recorder here when it
is ready (its AppConfig, like casino/responsible_gaming.py), and a lower layer records through
`record()`, **in its own transaction**: the entry is kept exactly when what it records is.

Without a registered recorder (an installation without the compliance app) nothing is recorded.
Money calls of aggregators never come here: they are in the ledger and the call records.
"""

from __future__ import annotations

from typing import Any, Protocol


class AuditRecorder(Protocol):
    def record(
        self,
        *,
        kind: str,
        actor: Any = None,
        target: Any = None,
        changes: dict | None = None,
        reason: str = "",
        player_id: str = "",
    ) -> None:
        """Append one audit record: `kind` (a dotted token, e.g. "money_request.approved"), who
        (`actor`, a user or None for the system), what (`target`, a model instance), which
        fields from -> to (`changes`: {field: [before, after]}), why (`reason`) and, when it is
        about a player, their external id (exports filter on it)."""
        ...


_recorder: AuditRecorder | None = None


def register(recorder: AuditRecorder) -> None:
    """Called once by the app that keeps the audit log (compliance, in its AppConfig.ready)."""
    global _recorder
    _recorder = recorder


def record(
    *,
    kind: str,
    actor: Any = None,
    target: Any = None,
    changes: dict | None = None,
    reason: str = "",
    player_id: str = "",
) -> None:
    """Record through the registered recorder, in the caller's transaction (see the module)."""
    if _recorder is not None:
        _recorder.record(kind=kind, actor=actor, target=target, changes=changes, reason=reason, player_id=player_id)
