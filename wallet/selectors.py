"""Reads over wallets and the ledger (no writes here)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from casino.models import GameSession, Mode
from wallet.models import (
    DEFAULT_RISK_LIMITS,
    AggregatorTransaction,
    GameRound,
    HouseAccount,
    LedgerArchive,
    LedgerEntry,
    LedgerTransaction,
    RiskLimit,
    Wallet,
    WinsWithoutBetDay,
)


def session_wallet(session: GameSession) -> Wallet:
    """The wallet a game session plays from: the player's, in the session's currency and mode."""
    return Wallet.objects.get(player_id=session.player_id, currency_id=session.currency_id, mode=session.mode)


def player_net_result(*, player_id: int, since: datetime) -> dict[str, int]:
    """The player's game result on their real wallets since `since`, by currency, in minor
    units: wins + refunds (rolled-back bets) - bets, read from the ledger as the sum of the game
    postings' legs on the player's wallets (a bet's leg is negative, a win's or a refund's
    positive). Deposits, withdrawals, staff adjustments and demo play are not results of play.
    Currencies the player has not played in since are left out."""
    rows = (
        LedgerEntry.objects.filter(
            wallet__player_id=player_id,
            wallet__mode=Mode.REAL,
            transaction__kind__in=[
                LedgerTransaction.Kind.BET,
                LedgerTransaction.Kind.WIN,
                LedgerTransaction.Kind.ROLLBACK,
            ],
            transaction__created_at__gte=since,
        )
        .values_list("wallet__currency_id")
        .annotate(total=Sum("amount"))
        .order_by("wallet__currency_id")
    )
    return dict(rows)


def house_account_balance(account: HouseAccount) -> int:
    """The sum of its entries, those of months detached for archiving included (LedgerArchive)."""
    attached = LedgerEntry.objects.filter(house_account=account).aggregate(total=Sum("amount"))["total"] or 0
    archived = LedgerArchive.objects.filter(house_account=account).aggregate(total=Sum("amount"))["total"] or 0
    return attached + archived


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


# Each query returns rows that break one ledger invariant; an empty result means it holds.
# Plain SQL on purpose: they must scan the whole ledger in one pass each, on any database.
_CHECKS = {
    # Months detached for archiving count by their sums (wallet_ledgerarchive).
    "balance equals sum of entries": """
        SELECT w.id, w.balance, COALESCE(SUM(e.amount), 0) + COALESCE(a.carried, 0)
        FROM wallet_wallet w LEFT JOIN wallet_ledgerentry e ON e.wallet_id = w.id
        LEFT JOIN (SELECT wallet_id, SUM(amount) AS carried FROM wallet_ledgerarchive GROUP BY wallet_id) a
          ON a.wallet_id = w.id
        GROUP BY w.id, w.balance, a.carried
        HAVING w.balance <> COALESCE(SUM(e.amount), 0) + COALESCE(a.carried, 0)
    """,
    "transaction entries sum to zero": """
        SELECT t.id, COALESCE(SUM(e.amount), 0), COUNT(e.id)
        FROM wallet_ledgertransaction t LEFT JOIN wallet_ledgerentry e ON e.transaction_id = t.id
        GROUP BY t.id
        HAVING COALESCE(SUM(e.amount), 0) <> 0 OR COUNT(e.id) < 2
    """,
    "no negative balance": "SELECT id, balance FROM wallet_wallet WHERE balance < 0",
    # A call played in another currency has legs in it too (the transaction's fx_currency).
    "entry currency equals transaction currency": """
        SELECT e.id, t.currency_id, COALESCE(w.currency_id, h.currency_id)
        FROM wallet_ledgerentry e
        JOIN wallet_ledgertransaction t ON t.id = e.transaction_id
        LEFT JOIN wallet_wallet w ON w.id = e.wallet_id
        LEFT JOIN wallet_houseaccount h ON h.id = e.house_account_id
        WHERE COALESCE(w.currency_id, h.currency_id) <> t.currency_id
          AND COALESCE(w.currency_id, h.currency_id) IS DISTINCT FROM t.fx_currency_id
    """,
    "entries sum to zero in each currency": """
        SELECT e.transaction_id, COALESCE(w.currency_id, h.currency_id), SUM(e.amount)
        FROM wallet_ledgerentry e
        LEFT JOIN wallet_wallet w ON w.id = e.wallet_id
        LEFT JOIN wallet_houseaccount h ON h.id = e.house_account_id
        GROUP BY e.transaction_id, COALESCE(w.currency_id, h.currency_id)
        HAVING SUM(e.amount) <> 0
    """,
    # After months were detached for archiving (wallet_ledgerarchive), an entry later than all
    # the archived ones (by id, the wallet's lock order) runs on from their sum. An earlier one
    # is not checked: a call takes its month from the time it arrived and its id once it holds
    # the lock, so one that waited for the lock across the turn of a month can precede an
    # archived entry; the wallet's total is still checked above.
    "balance_after is the running balance": """
        SELECT id, wallet_id, balance_after, running FROM (
            SELECT e.id, e.wallet_id, e.balance_after,
                   CASE WHEN e.id > COALESCE(a.last_id, 0) THEN
                       COALESCE(a.carried, 0) + SUM(e.amount) OVER (PARTITION BY e.wallet_id ORDER BY e.id)
                   END AS running
            FROM wallet_ledgerentry e
            LEFT JOIN (SELECT wallet_id, SUM(amount) AS carried, MAX(last_entry_id) AS last_id
                       FROM wallet_ledgerarchive GROUP BY wallet_id) a ON a.wallet_id = e.wallet_id
            WHERE e.wallet_id IS NOT NULL
        ) s WHERE balance_after <> running
    """,
}

_LABELS = {
    "balance equals sum of entries": "wallet {0}: balance {1} but entries sum to {2}",
    "transaction entries sum to zero": "ledger transaction {0}: entries sum to {1} over {2} entries",
    "no negative balance": "wallet {0}: balance {1}",
    "entry currency equals transaction currency": "entry {0}: transaction in {1}, account in {2}",
    "entries sum to zero in each currency": "ledger transaction {0}: its {1} entries sum to {2}",
    "balance_after is the running balance": "entry {0} of wallet {1}: balance_after {2}, running {3}",
}


def ledger_violations() -> list[Violation]:
    """Every breach of the ledger invariants, checked over the whole ledger."""
    violations = []
    with connection.cursor() as cursor:
        for rule, sql in _CHECKS.items():
            cursor.execute(sql)
            violations += [Violation(rule, _LABELS[rule].format(*row)) for row in cursor.fetchall()]
    return violations


def stale_rounds(*, older_than: timedelta, now: datetime | None = None) -> QuerySet[GameRound]:
    """Open rounds with no money call for `older_than`: the aggregator never closed them."""
    cutoff = (now or timezone.now()) - older_than
    return GameRound.objects.filter(status=GameRound.Status.OPEN, last_activity_at__lt=cutoff)


@dataclass(frozen=True)
class LimitsInForce:
    """An aggregator's limits on wins without a bet in one currency, minor units."""

    max_win_without_bet: int
    daily_wins_without_bet: int
    set_by_staff: bool


def risk_limit_in_force(*, aggregator_id: int, currency: str) -> LimitsInForce:
    """The aggregator's RiskLimit row for the currency, else the currency's default (0 and 0
    for a currency without one: no win without a bet until staff set a limit)."""
    row = RiskLimit.objects.filter(aggregator_id=aggregator_id, currency_id=currency).first()
    if row is not None:
        return LimitsInForce(row.max_win_without_bet, row.daily_wins_without_bet, set_by_staff=True)
    single, daily = DEFAULT_RISK_LIMITS.get(currency, (0, 0))
    return LimitsInForce(single, daily, set_by_staff=False)


def wins_without_bet_today(*, aggregator_id: int) -> dict[str, int]:
    """The aggregator's total of wins without a bet so far this UTC day, per currency."""
    days = WinsWithoutBetDay.objects.filter(aggregator_id=aggregator_id, day=timezone.now().date())
    return dict(days.values_list("currency_id", "total"))


def player_last_money_call_at(*, player_id: int) -> datetime | None:
    """When the player's latest bet, win or rollback reached us (any wallet), or None: what
    keeps their playing session going (casino/playing.py). Read at launch, never on a bet."""
    return (
        AggregatorTransaction.objects.filter(wallet__player_id=player_id)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
