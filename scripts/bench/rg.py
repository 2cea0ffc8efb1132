"""The responsible-gaming part of `make bench` (scenario "full spread rg", scripts/bench/run.py)."""


def set_rg_limits() -> None:
    """A daily loss and wager limit on every player, far above anything the run bets, set as
    rg_limit_set leaves it (the limit rows, the player's has_rg_state): every money call of the
    scenario then reads and updates the player's RG state, and none is refused."""
    from django.db import transaction

    from casino.models import Player
    from compliance.models import RgLimit

    generous = 10**15
    with transaction.atomic():
        players = list(Player.objects.values_list("pk", flat=True))
        RgLimit.objects.bulk_create(
            [
                RgLimit(player_id=pk, kind=kind, period="day", currency_id="EUR", amount=generous)
                for pk in players
                for kind in (RgLimit.Kind.LOSS, RgLimit.Kind.WAGER)
            ],
            batch_size=5000,
        )
        Player.objects.update(has_rg_state=True)


def rg_state(*, on: bool) -> None:
    """Whether the players' limits are read and counted (Player.has_rg_state), for the rounds
    of BENCH_ROUNDS after the first: the limits stay, and "full spread" runs without them again."""
    from casino.models import Player

    Player.objects.update(has_rg_state=on)
