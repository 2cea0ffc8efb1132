"""Risk limits on wins: reading them under the wallet lock, counting the day's wins without a
bet, and alerting staff when a win is refused.

Free, promo and tournament wins need no bet by design, so a leaked aggregator credential could
mint money with them. rules.py decides (pure) from the limits read here:
- a cash win may bring its round's wins to at most Aggregator.max_win_multiple x its bets;
- one win without a bet is at most RiskLimit.max_win_without_bet (per aggregator and currency,
  DEFAULT_RISK_LIMITS without a row);
- the aggregator's wins without a bet of one UTC day total at most
  RiskLimit.daily_wins_without_bet, counted in WinsWithoutBetDay.

A cash win costs nothing extra: its multiple is on the aggregator row every call already has
and the round is read with the wallet lock anyway. Only wins without a bet read their limits
and lock the day's counter.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from casino.models import GameSession, Mode
from wallet.locks import lock_wins_without_bet_day
from wallet.models import AggregatorTransaction, Wallet, WinsWithoutBetDay
from wallet.selectors import risk_limit_in_force
from wallet.services.rules import Known, MoneyCall, RiskLimits, is_win_without_bet
from wallet.tasks import mail_risk_refusal, risk_refusal_summary

logger = logging.getLogger(__name__)

Kind = AggregatorTransaction.Kind


def risk_limits_read(
    *, call: MoneyCall, session: GameSession, wallet: Wallet, known: Known
) -> tuple[RiskLimits | None, WinsWithoutBetDay | None]:
    """The limits a call must keep and, for a win without a bet, the day's counter, locked.
    None for bets, rollbacks, wins of nothing and demo play (play money: no limit)."""
    if call.kind != Kind.WIN or not call.amount or session.mode != Mode.REAL:
        return None, None
    multiple = call.aggregator.max_win_multiple
    if not is_win_without_bet(call, wallet, known):
        return RiskLimits(max_win_multiple=multiple), None
    currency = session.currency_id
    limits = risk_limit_in_force(aggregator_id=call.aggregator.pk, currency=currency)
    day = lock_wins_without_bet_day(aggregator_id=call.aggregator.pk, currency=currency, day=timezone.now().date())
    return (
        RiskLimits(
            max_win_multiple=multiple,
            max_win_without_bet=limits.max_win_without_bet,
            daily_wins_without_bet=limits.daily_wins_without_bet,
            wins_without_bet_today=day.total,
        ),
        day,
    )


def risk_count_win_without_bet(*, day: WinsWithoutBetDay, amount: int, limit: int) -> None:
    """Add an accepted win without a bet to its day's total, in the call's transaction.

    The row is locked (lock_wins_without_bet_day) and rules.py checked the limit against the
    total read under that lock; the UPDATE repeats the condition, so the database itself never
    lets the total pass the limit (written as total <= limit - amount: no 64-bit overflow).
    """
    updated = WinsWithoutBetDay.objects.filter(pk=day.pk, total__lte=limit - amount).update(total=F("total") + amount)
    if updated != 1:
        # Cannot happen while the lock is held; if it did, nothing of the call may be written.
        raise RuntimeError(f"wins without a bet of {day}: the daily limit would be passed")


def risk_alert_on_commit(record: AggregatorTransaction) -> None:
    """Alert staff, once the refusal is committed: an ERROR log line now, and a mail to the
    ADMINS from a Celery task (the SMTP round trip never delays the aggregator's answer)."""

    def alert() -> None:
        logger.error("risk limit: %s (call record %s)", risk_refusal_summary(record), record.pk)
        mail_risk_refusal.delay(record.pk)

    # robust: the answer is committed and must reach the aggregator even if the broker is down.
    transaction.on_commit(alert, robust=True)
