"""Every row lock the wallet takes, in one place.

Lock order: a money operation locks exactly one wallet row. Rounds and aggregator
transaction records are only read or written while their wallet is locked, so they need no
lock of their own. An operation that ever needs two wallets must lock them by ascending pk
in one statement, so two such operations can never deadlock.

A lock that cannot be had within DB_LOCK_TIMEOUT_MS (PostgreSQL `lock_timeout`, set on the
connection) raises OperationalError, which the services turn into RetryLater.
"""

from casino.models import GameSession, Player
from wallet import rows
from wallet.models import Wallet


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
    # All money calls of one player in one currency serialise here (see lock_wallet). SQLite
    # (`make run` without a database) has no row locks: its transactions begin IMMEDIATE,
    # which serialises every writer (settings).
    lock = " FOR UPDATE OF w" if rows.db().vendor == "postgresql" else ""
    found, *answers = rows.select_in_order(_session_query(token, aggregator_id, lock), *then)
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
