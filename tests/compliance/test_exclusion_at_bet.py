"""A cool-off or self-exclusion started while the player is in a game refuses their next bet,
over the wire, on the session opened before it; their wins are still paid."""

from compliance.models import RgEvent
from compliance.rg.exclusion_services import exclusion_start
from tests.conftest import balance_of


def test_a_self_exclusion_started_mid_game_refuses_the_next_bet_and_still_pays_the_win(native, call, player):
    # given a bet placed before the player self-excluded
    assert native.post("bet", call("bet", transaction_id="bet-1", amount=100)).status_code == 200
    exclusion_start(player=player, kind="self_exclusion", term="P6M")

    # when the aggregator sends the next bet on the same token, and the first bet's win
    refused = native.post("bet", call("bet", transaction_id="bet-2", amount=100, round_id="round-2"))
    resent = native.post("bet", call("bet", transaction_id="bet-2", amount=100, round_id="round-2"))
    win = native.post("win", call("win", transaction_id="win-1", amount=300, round_closed=True))

    # then the bet is refused with the reason, its resend gets the same answer, the win is paid
    assert refused.status_code == 403
    assert refused.json()["code"] == "RG_BLOCKED" and refused.json()["rg_reason"] == "SELF_EXCLUDED"
    assert resent.json() == refused.json()
    assert win.status_code == 200
    assert balance_of(player) == 10_000 - 100 + 300
    assert RgEvent.objects.filter(player=player, kind=RgEvent.Kind.BET_REFUSED, reason="SELF_EXCLUDED").count() == 1
