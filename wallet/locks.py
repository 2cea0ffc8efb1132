"""Every row lock the wallet takes, in one place.

Lock order: a money operation locks exactly one wallet row. Rounds and aggregator
transaction records are only read or written while their wallet is locked, so they need no
lock of their own. An operation that ever needs two wallets must lock them by ascending pk
in one statement, so two such operations can never deadlock.

A jackpot win locks its jackpot rows after its wallet, by ascending id (lock_jackpot).

A money call near the turn of a month also takes a transaction-scoped advisory lock on its
transaction id, after its wallet and before anything else (services/calls.py, MONTH_TURN_MARGIN):
nothing that holds it waits for a wallet, so it keeps the order too.

A win without a bet then locks one more row, always after its wallet: the day's counter of
its aggregator and currency (lock_wins_without_bet_day). Wallet, then counter, and nothing
holds a counter while waiting for a wallet, so these can never deadlock either. The counter is
shared by every player of the aggregator: only wins without a bet take it, never a bet, a
rollback or a cash win.

A lock that cannot be had within DB_LOCK_TIMEOUT_MS (PostgreSQL `lock_timeout`, set on the
connection) raises OperationalError, which the services turn into RetryLater.
"""

from datetime import date

from casino.models import GameSession, Player
from wallet import rows
from wallet.models import Jackpot, Wallet, WinsWithoutBetDay


def lock_session_wallet(
    *, token: str, aggregator_id: int, then: tuple[rows.Query, ...] = ()
) -> tuple[GameSession | None, Wallet | None, list]:
    """An aggregator's session, with its player, and its wallet row locked: one query. Returns
    the session and its wallet (None, None if there is none) and the answers of the `then`
    queries, which run after the lock is granted, so they see everything its previous holder
    committed.

    The lock is the same as lock_wallet's (the wallet row only: OF w). Finding the session in
    the same statement, and sending the reads that follow it together (rows.select_in_order),
    makes the lock and everything a money call must read one round trip.
    """
    # All money calls of one player in one currency serialise here (see lock_wallet).
    found, *answers = rows.select_in_order(_session_query(token, aggregator_id, " FOR UPDATE OF w"), *then)
    return *_session(found), answers


def find_session(*, token: str, aggregator_id: int) -> tuple[GameSession | None, Wallet | None]:
    """The same session, player and wallet, read without a lock (balance calls)."""
    return _session(rows.select(_session_query(token, aggregator_id, "")))


def _session_query(token: str, aggregator_id: int, lock: str) -> rows.Query:
    # Written out (wallet/rows.py), without compiling a queryset on every call. The session names
    # its wallet by (player, currency, mode), the wallet's unique key (wallet_one_per_player_
    # currency_mode): the ground floor's GameSession has no foreign key up to the wallet app.
    return rows.Query(
        f"SELECT {rows.columns(GameSession, 's')}, {rows.columns(Player, 'p')}, {rows.columns(Wallet, 'w')}"  # noqa: S608
        f" FROM {GameSession._meta.db_table} s JOIN {Player._meta.db_table} p ON p.id = s.player_id"
        f" JOIN {Wallet._meta.db_table} w"
        " ON w.player_id = s.player_id AND w.currency_id = s.currency_id AND w.mode = s.mode"
        f" WHERE s.token = %s AND s.aggregator_id = %s{lock}",
        [token, aggregator_id],
        ((GameSession, "s"), (Player, "p"), (Wallet, "w")),
    )


def _session(found: list) -> tuple[GameSession | None, Wallet | None]:
    if not found:
        return None, None
    session, session.player, wallet = found[0]
    return session, wallet


def lock_wallet(wallet_id: int) -> Wallet:
    # All money calls of one player in one currency serialise here: the balance check and the
    # debit must see the same balance, and a resend must see the first call's record.
    return Wallet.objects.select_for_update().select_related("currency").get(pk=wallet_id)


def lock_wins_without_bet_day(*, aggregator_id: int, currency: str, day: date) -> WinsWithoutBetDay:
    """The day's counter of the aggregator's wins without a bet in `currency`, locked (created
    at 0 if it is the day's first). Take it only while holding the wallet lock (order above).

    The daily limit is exact under concurrency because of this lock: two wallets of the same
    aggregator each hold their own wallet lock, but both queue here, and the second reads the
    total the first committed (READ COMMITTED re-reads a row locked FOR UPDATE once it is
    free), so they cannot both spend the last headroom. The write that follows is a
    conditional UPDATE as well (services/risk.py), so even a mistake here could not pass it.
    """
    # ON CONFLICT DO NOTHING: two first wins of the day may race to create the row; the loser
    # waits for the winner's commit and then finds its row.
    WinsWithoutBetDay.objects.bulk_create(
        [WinsWithoutBetDay(aggregator_id=aggregator_id, currency_id=currency, day=day)], ignore_conflicts=True
    )
    return WinsWithoutBetDay.objects.select_for_update().get(aggregator_id=aggregator_id, currency_id=currency, day=day)


def lock_jackpot(*, jackpot_id: int) -> None:
    """Lock a jackpot's row, after the wallet (a jackpot win): its pool is read and paid under it."""
    list(Jackpot.objects.select_for_update().filter(pk=jackpot_id).values_list("pk", flat=True))
