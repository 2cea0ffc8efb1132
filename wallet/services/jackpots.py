"""Jackpots (docs/money.md): which jackpots a bet contributes to, their pools, and posting the
contributions. rules.py decides the amounts (pure); this module reads and writes.

Every real-money bet asks which jackpots its game has, so the active jackpots are kept per
process for JACKPOT_CACHE_SECONDS (cleared when one is saved here): a bet pays no query for
them. A jackpot win reads its pool under a lock of the jackpot's row, taken after the wallet's
(wallet/locks.py): two wins cannot both be paid from one pool's last money.
"""

from __future__ import annotations

import time

from django.db.models import Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from casino.models import Aggregator
from wallet.locks import lock_jackpot
from wallet.models import GameRound, HouseAccount, Jackpot, LedgerEntry, LedgerTransaction, Wallet
from wallet.services.ledger import game_account_key, jackpot_account_key, post_house_transfer
from wallet.services.rules import JackpotTerms

JACKPOT_CACHE_SECONDS = 5.0
_active: dict[tuple[int, str], tuple[float, list[JackpotTerms]]] = {}


def jackpots_of_game(*, aggregator_id: int, currency: str, game_code: str) -> list[JackpotTerms]:
    """The active jackpots a game of the aggregator contributes to in this currency: its own
    and the aggregator-wide one (at most one each)."""
    key, now = (aggregator_id, currency), time.monotonic()
    cached = _active.get(key)
    if cached is None or cached[0] <= now:
        terms = [
            JackpotTerms(id=j.pk, game_code=j.game_code, contribution_percent=j.contribution_percent)
            for j in Jackpot.objects.filter(aggregator_id=aggregator_id, currency_id=currency, is_active=True)
        ]
        cached = _active[key] = (now + JACKPOT_CACHE_SECONDS, terms)
    return [j for j in cached[1] if j.game_code in ("", game_code)]


@receiver([post_save, post_delete], sender=Jackpot, dispatch_uid="wallet.services.jackpots.forget")
def forget_jackpots(**kwargs) -> None:
    _active.clear()


def jackpot_pool(*, jackpot_id: int, mode: str) -> int:
    """A jackpot's pool: the balance of its house account (contributions in, wins out)."""
    total = LedgerEntry.objects.filter(
        house_account__kind=HouseAccount.Kind.JACKPOT, house_account__jackpot_id=jackpot_id, house_account__mode=mode
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def jackpots_with_pool_locked(*, jackpots: list[JackpotTerms], mode: str) -> list[JackpotTerms]:
    """`jackpots` with their pools, each jackpot's row locked (after the wallet) until commit."""
    found = []
    for jackpot in sorted(jackpots, key=lambda j: j.id):  # a fixed order: no deadlock between two wins
        lock_jackpot(jackpot_id=jackpot.id)
        found.append(
            JackpotTerms(
                id=jackpot.id,
                game_code=jackpot.game_code,
                contribution_percent=jackpot.contribution_percent,
                pool=jackpot_pool(jackpot_id=jackpot.id, mode=mode),
            )
        )
    return found


def jackpot_contributions_post(
    *,
    wallet: Wallet,
    aggregator: Aggregator,
    round_: GameRound | None,
    reference: str,
    contributions: list[tuple[int, int]],
) -> None:
    """Post each contribution as its own ledger transaction, in the bet's transaction: the
    aggregator's game account (the wallet's currency) to the jackpot's pool."""
    for jackpot_id, amount in contributions:
        post_house_transfer(
            kind=LedgerTransaction.Kind.JACKPOT_CONTRIBUTION,
            wallet=wallet,
            source=game_account_key(aggregator, wallet),
            target=jackpot_account_key(jackpot_id=jackpot_id, currency=wallet.currency_id, mode=wallet.mode),
            amount=amount,
            aggregator=aggregator,
            round_=round_,
            reference=reference,
            memo=f"jackpot {jackpot_id} contribution",
        )


def jackpot_contributions_reverse(
    *, wallet: Wallet, aggregator: Aggregator, bet_reference: str, reference: str
) -> None:
    """A rolled-back bet takes its contributions back out of the pools: each is reversed by a
    contribution transaction of the opposite sign (the pool to the game account)."""
    contributions = LedgerEntry.objects.filter(
        transaction__kind=LedgerTransaction.Kind.JACKPOT_CONTRIBUTION,
        transaction__aggregator=aggregator,
        transaction__wallet=wallet,
        transaction__reference=bet_reference,
        house_account__kind=HouseAccount.Kind.JACKPOT,
    ).select_related("house_account", "transaction")
    for entry in contributions:
        jackpot_id = entry.house_account.jackpot_id if entry.house_account is not None else None
        assert jackpot_id is not None  # the filter above: a jackpot account's leg
        post_house_transfer(
            kind=LedgerTransaction.Kind.JACKPOT_CONTRIBUTION,
            wallet=wallet,
            source=jackpot_account_key(jackpot_id=jackpot_id, currency=wallet.currency_id, mode=wallet.mode),
            target=game_account_key(aggregator, wallet),
            amount=entry.amount,
            aggregator=aggregator,
            round_=entry.transaction.round,
            reference=reference,
            memo=f"reversal of jackpot {jackpot_id} contribution of {bet_reference}",
        )
