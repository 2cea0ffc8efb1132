"""The sandbox playing what issue 14 adds to plain cash play (docs/money.md, docs/sandbox.md):
rounds in another currency than the player's wallet, and the free spins the back-office granted
(POST /free-spins on the sandbox server). Deterministic from its seed, like the sandbox player.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.wire import Answer, GameSessionRef, MoneyOp


@dataclass
class PlayedMoney:
    """What the sandbox sent and what it was answered, in the currency it played."""

    answers: list[Answer]
    bets: int = 0
    wins: int = 0

    @property
    def all_ok(self) -> bool:
        return all(a.ok for a in self.answers)


def play_rounds(wire, session: GameSessionRef, *, rounds: int, seed: int, prefix: str) -> PlayedMoney:
    """`rounds` rounds of a bet and a win in `session.currency` (which may differ from the
    wallet's: the back-office converts at the rate each round locks)."""
    rng = random.Random(f"{seed}/{prefix}")  # noqa: S311 - play, not security
    played = PlayedMoney([])
    for n in range(rounds):
        stake = rng.randrange(10, 500)
        win = rng.choice([0, 0, stake // 2, stake * 2])
        round_id = f"{prefix}-r{n}"
        bet = MoneyOp("bet", f"{prefix}-b{n}", round_id, session.game_code, stake)
        played.answers.append(wire.money(session, bet))
        played.bets += stake
        played.answers.append(
            wire.money(session, MoneyOp("win", f"{prefix}-w{n}", round_id, session.game_code, win, round_closed=True))
        )
        played.wins += win
    return played


def play_free_spins(wire, session: GameSessionRef, *, grant_id: str, grant: dict, seed: int) -> PlayedMoney:
    """Every spin of a grant: a free bet of its bet value (debits nothing) and its win, both
    naming the grant, as Hub88's reward_uuid does."""
    rng = random.Random(f"{seed}/{grant_id}")  # noqa: S311
    played = PlayedMoney([])
    for n in range(grant["spins"]):
        round_id = f"{grant_id}-r{n}"
        win = rng.choice([0, grant["bet_value"], grant["bet_value"] * 3])
        bet = MoneyOp("bet", f"{grant_id}-b{n}", round_id, grant["game_id"], grant["bet_value"], free_spins_id=grant_id)
        played.answers.append(wire.money(session, bet))
        win_op = MoneyOp(
            "win", f"{grant_id}-w{n}", round_id, grant["game_id"], win, round_closed=True, free_spins_id=grant_id
        )
        played.answers.append(wire.money(session, win_op))
        played.wins += win
    return played
