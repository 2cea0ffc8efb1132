"""The rules every app asks alike (casino/rules.py), as a table: no database needed."""

import pytest

from casino.errors import ErrorCode, Refusal
from casino.models import Player
from casino.rules import player_may_play


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (Player.Status.ACTIVE, None),
        (Player.Status.BLOCKED, Refusal(ErrorCode.PLAYER_BLOCKED, "the player is blocked")),
    ],
)
def test_a_player_may_play_only_while_active(status, refusal):
    player = Player(external_id="alice", status=status)

    assert player_may_play(player) == refusal


def test_every_player_status_has_an_answer():
    # A status added later must be decided here on purpose: it is neither silently allowed
    # to play nor silently refused.
    answers = {status: player_may_play(Player(external_id="p", status=status)) for status in Player.Status}

    assert {status for status, refusal in answers.items() if refusal is None} == {Player.Status.ACTIVE}
