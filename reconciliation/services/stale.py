"""Stale rounds (open longer than STALE_ROUND_AFTER_SECONDS; the wallet reports them hourly):
staff look each one up in the aggregator's report and close it here. A round the aggregator
confirms void (it counts the round's bets as rolled back or refused, and none as settled) is
closed with its open bets refunded; any other is closed as it stands. Money moves only
through wallet/services (round_close)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from reconciliation.clients import ReportError, TheirRow, report_client_for
from reconciliation.models import TheirStatus
from wallet.errors import WalletError
from wallet.models import GameRound, LedgerTransaction
from wallet.services import round_close


class StaleRoundError(ValueError):
    pass


@dataclass(frozen=True)
class RoundAtAggregator:
    """What the aggregator's report says of one round."""

    rows: tuple[TheirRow, ...]

    @property
    def verdict(self) -> str:
        bets = [r for r in self.rows if r.kind == "bet"]
        if not bets:
            return "unknown"  # they report nothing of it: no confirmation either way
        if any(r.status == TheirStatus.SETTLED for r in bets):
            return "settled"
        return "void"


def stale_round_lookup(*, round_id: int) -> RoundAtAggregator:
    """The aggregator's report around the round's lifetime, its rows for this round. Network:
    call it outside any transaction. Raises StaleRoundError when the report cannot be had."""
    round_ = GameRound.objects.select_related("aggregator").get(pk=round_id)
    margin = timedelta(seconds=settings.RECONCILIATION_EDGE_SECONDS)
    try:
        rows = report_client_for(round_.aggregator).transactions(
            round_.opened_at - margin, round_.last_activity_at + margin
        )
        return RoundAtAggregator(tuple(r for r in rows if r.round_id == round_.external_id))
    except ReportError as exc:
        raise StaleRoundError(f"the aggregator's report could not be read: {exc}") from exc


def stale_round_resolve(
    *, round_id: int, staff_user, reason: str, refund: bool, lookup: RoundAtAggregator | None = None
) -> list[LedgerTransaction]:
    """Close the round; with `refund`, only when the aggregator confirms it void (its report,
    looked up now unless given), refunding the open bets. Returns the refunds."""
    if refund:
        lookup = lookup or stale_round_lookup(round_id=round_id)
        if lookup.verdict != "void":
            raise StaleRoundError(
                f"the aggregator does not confirm the round void (its report: {lookup.verdict}); close it, no refund"
            )
        reason = f"{reason} (aggregator report: void)"
    try:
        return round_close(round_id=round_id, staff_user=staff_user, reason=reason, refund_open_bets=refund)
    except WalletError as error:
        raise StaleRoundError(error.message) from error
