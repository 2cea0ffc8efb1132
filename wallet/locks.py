"""Every row lock the wallet takes, in one place.

Lock order: a money operation locks exactly one wallet row. Rounds and aggregator
transaction records are only read or written while their wallet is locked, so they need no
lock of their own. An operation that ever needs two wallets must lock them by ascending pk
in one statement, so two such operations can never deadlock.

A lock that cannot be had within DB_LOCK_TIMEOUT_MS (PostgreSQL `lock_timeout`, set on the
connection) raises OperationalError, which the services turn into RetryLater.
"""

from casino.models import Player
from games.models import GameSession
from wallet import rows
from wallet.models import Wallet


def lock_session_wallet(
    *, token: str, aggregator_id: int, then: tuple[rows.Query, ...] = ()
) -> tuple[GameSession | None, list]:
    """An aggregator's session, with its player, and its wallet row locked: one query. Returns
    the session (None if there is none) and the answers of the `then` queries, which run after
    the lock is granted, so they see everything its previous holder committed.

    The lock is the same as lock_wallet's (the wallet row only: OF w). Finding the session in
    the same statement, and sending the reads that follow it together (rows.select_in_order),
    makes the lock and everything a money call must read one round trip.
    """
    # All money calls of one player in one currency serialise here (see lock_wallet).
    found, *answers = rows.select_in_order(_session_query(token, aggregator_id, " FOR UPDATE OF w"), *then)
    return _session(found), answers


def find_session(*, token: str, aggregator_id: int) -> GameSession | None:
    """The same session, player and wallet, read without a lock (balance calls)."""
    return _session(rows.select(_session_query(token, aggregator_id, "")))


def _session_query(token: str, aggregator_id: int, lock: str) -> rows.Query:
    # Written out (wallet/rows.py): it is what GameSession.objects.select_related("player",
    # "wallet").filter(token=..., aggregator_id=...) sends, without compiling it on every call.
    return rows.Query(
        f"SELECT {rows.columns(GameSession, 's')}, {rows.columns(Player, 'p')}, {rows.columns(Wallet, 'w')}"  # noqa: S608
        " FROM games_gamesession s JOIN casino_player p ON p.id = s.player_id"
        " JOIN wallet_wallet w ON w.id = s.wallet_id"
        f" WHERE s.token = %s AND s.aggregator_id = %s{lock}",
        [token, aggregator_id],
        ((GameSession, "s"), (Player, "p"), (Wallet, "w")),
    )


def _session(found: list) -> GameSession | None:
    if not found:
        return None
    session, session.player, session.wallet = found[0]
    return session


def lock_wallet(wallet_id: int) -> Wallet:
    # All money calls of one player in one currency serialise here: the balance check and the
    # debit must see the same balance, and a resend must see the first call's record.
    return Wallet.objects.select_for_update().select_related("currency").get(pk=wallet_id)
