"""What a sandbox spin will be, drawn from the player's RNG before anything is sent.

`plan_spin` draws the same fixed set of numbers for every spin, whatever branch it takes, so
that one spin's kind never shifts the next spin's draws: the same seed and the same balances
give the same plans.
"""

import random
from dataclasses import dataclass

STAKES = (10, 20, 50, 100, 200, 500, 1000, 2000)  # minor units
# Win multipliers in halves of the stake (0 = a loss), with their weights out of 1000: about
# 84% returned by cash spins, the rest of a ~96% RTP coming from free spins.
PAYOUT_HALVES = (0, 1, 2, 4, 6, 10, 20, 50, 200)
PAYOUT_WEIGHTS = (640, 90, 120, 80, 30, 25, 10, 4, 1)


@dataclass(frozen=True)
class Behaviour:
    """How often each thing happens, per spin (or per money call for resends)."""

    resend: float = 0.08  # send a money call again with the same id; the answer must not change
    timeout: float = 0.04  # a bet's answer is lost: the sandbox rolls the bet back
    rollback_first: float = 0.03  # the rollback overtakes a delayed bet: the bet must be refused
    free_spins: float = 0.03  # a cash spin triggers 3-8 free spins (wins without a bet)
    overbet: float = 0.01  # a bet above the balance: must be refused with INSUFFICIENT_FUNDS
    split_win: float = 0.15  # a win paid in two calls, only the last one closing the round
    demo: float = 0.0  # a session launched in demo mode (its own play balance)
    session_spins: tuple[int, int] = (5, 25)  # spins per launched session


@dataclass(frozen=True)
class SpinPlan:
    """Everything random about one spin, drawn at once."""

    kind: str  # "cash" | "free" | "overbet" | "timeout" | "rollback_first"
    stake: int
    win: int
    split: bool = False
    settle_loss_on_bet: bool = False
    free_spins_won: int = 0
    resend_bet: str = ""  # "", "now" or "late" (after the round closed)
    resend_win: bool = False
    rollback_amount: bool = False


def plan_spin(
    rng: random.Random, behaviour: Behaviour, balance: int, *, free_spin_stake: int | None = None
) -> SpinPlan | None:
    """The next spin: a free spin at `free_spin_stake` when one is owed, else a cash spin (or a
    misbehaviour) at a stake the balance affords. None when the balance affords no stake."""
    b = behaviour
    # Draw a fixed set of numbers every time, so one branch never shifts the next spin's.
    pick, payout_draw, stake_draw, extra = rng.random(), rng.random(), rng.random(), rng.random()
    resend_draw, resend_late, resend_win, free_draw = rng.random(), rng.random(), rng.random(), rng.random()
    free_count = rng.randint(3, 8)
    halves = _weighted(PAYOUT_HALVES, PAYOUT_WEIGHTS, payout_draw)

    if free_spin_stake is not None:
        stake = free_spin_stake
        return SpinPlan("free", stake=stake, win=stake * halves // 2, resend_win=resend_win < b.resend)

    affordable = [s for s in STAKES if s <= max(STAKES[0], balance // 20) and s <= balance]
    if not affordable:
        return None
    stake = affordable[int(stake_draw * len(affordable))]
    resend_bet = ("late" if resend_late < 0.5 else "now") if resend_draw < b.resend else ""

    threshold = b.overbet
    if pick < threshold:
        return SpinPlan("overbet", stake=balance + 1 + int(extra * 500), win=0, resend_bet=resend_bet and "now")
    threshold += b.timeout
    if pick < threshold:
        return SpinPlan("timeout", stake=stake, win=0, rollback_amount=extra < 0.5)
    threshold += b.rollback_first
    if pick < threshold:
        return SpinPlan("rollback_first", stake=stake, win=0, rollback_amount=extra < 0.5)

    win = stake * halves // 2
    return SpinPlan(
        "cash",
        stake=stake,
        win=win,
        split=win >= 2 and extra < b.split_win,
        settle_loss_on_bet=win == 0 and extra < 0.5,
        free_spins_won=free_count if free_draw < b.free_spins else 0,
        resend_bet=resend_bet,
        resend_win=resend_win < b.resend,
    )


def _weighted(values, weights, draw: float):
    total = sum(weights)
    point = draw * total
    for value, weight in zip(values, weights, strict=True):
        if point < weight:
            return value
        point -= weight
    return values[-1]
