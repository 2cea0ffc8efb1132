"""Launch: refusals, sessions, and the signed URL as the aggregator (a real HTTP server) checks it."""

import random
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from django.test import override_settings

from casino.models import GameSession, Mode, Player
from games.launch import LaunchError, LaunchUrlRejected, launch_create, launch_url_verify
from games.models import Game
from tests.conftest import balance_of, make_player
from tests.games.conftest import SBX_KEY, SBX_SECRET
from wallet.models import LedgerEntry, Wallet
from wallet.selectors import session_wallet


@pytest.fixture
def alice(db):
    return make_player("alice", deposit=10_000)


def game(number: int) -> Game:
    return Game.objects.get(external_id=f"sbx-{number:04d}")


def launch(player, number: int = 1, **overrides):
    fields = dict(
        player_id=player.external_id,
        game_id=str(game(number).pk),
        currency="EUR",
        mode="real",
        country="MT",
        language="en",
    )
    fields.update(overrides)
    return launch_create(**fields)


def verify(url: str, **options):
    return launch_url_verify(url, secrets=[SBX_SECRET], expected_key=SBX_KEY, **options)


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(pairs)}"


# --- The URL --------------------------------------------------------------------------------------


def test_a_launch_opens_a_session_and_signs_a_url_the_aggregator_accepts(synced, alice, catalog_server):
    result = launch(alice)

    params = dict(parse_qsl(urlsplit(result.url).query))
    assert result.url.startswith(f"{catalog_server.url}/play?")
    assert params["session_token"] == result.session.token
    assert params["game"] == "sbx_game_1" and params["key"] == SBX_KEY
    assert (params["player_id"], params["currency"], params["mode"]) == ("alice", "EUR", "real")
    assert (params["country"], params["lang"]) == ("MT", "en")
    assert abs(int(params["expires"]) - (time.time() + 600)) < 5  # default TTL: 10 minutes
    assert result.session.launch.game == game(1) and result.session.game_code == "sbx_game_1"
    assert result.session.expires_at.timestamp() >= int(params["expires"])
    assert requests.get(result.url, timeout=5).status_code == 200  # the aggregator accepts it


@override_settings(LAUNCH_URL_TTL_SECONDS=300)
def test_the_url_ttl_is_configurable(synced, alice):
    result = launch(alice)

    assert abs(result.expires_at.timestamp() - (time.time() + 300)) < 5


@pytest.mark.parametrize(
    ("name", "value"),
    [("player_id", "mallory"), ("game", "sbx_game_2"), ("mode", "demo"), ("expires", "9999999999"), ("key", "x")],
)
def test_a_tampered_parameter_is_refused(synced, alice, name, value):
    url = launch(alice).url
    pairs = [(k, value if k == name else v) for k, v in parse_qsl(urlsplit(url).query)]
    tampered = with_query(url, pairs)

    with pytest.raises(LaunchUrlRejected) as refused:
        verify(tampered)
    assert refused.value.reason == "bad_signature"
    assert requests.get(tampered, timeout=5).status_code == 403


def test_an_added_parameter_is_refused(synced, alice):
    url = launch(alice).url

    with pytest.raises(LaunchUrlRejected) as refused:
        verify(url + "&bonus=1000")
    assert refused.value.reason == "bad_signature"


def test_a_repeated_parameter_is_refused(synced, alice):
    url = launch(alice).url

    with pytest.raises(LaunchUrlRejected) as refused:
        verify(url + "&player_id=mallory")
    assert refused.value.reason == "malformed"


def test_an_expired_url_is_refused_and_the_skew_allowance_is_honoured(synced, alice):
    result = launch(alice, now=time.time() - 700)  # signed 700 s ago with a 600 s TTL
    expires = int(result.expires_at.timestamp())

    with pytest.raises(LaunchUrlRejected) as refused:
        verify(result.url)
    assert refused.value.reason == "expired"
    assert requests.get(result.url, timeout=5).status_code == 403
    assert verify(result.url, now=expires + 10, allowed_skew_seconds=30)["expires"] == str(expires)
    with pytest.raises(LaunchUrlRejected):
        verify(result.url, now=expires + 31, allowed_skew_seconds=30)


def test_reordered_parameters_are_accepted(synced, alice):
    url = launch(alice).url
    pairs = parse_qsl(urlsplit(url).query)
    shuffled = pairs[:]
    while shuffled == pairs:
        random.shuffle(shuffled)
    reordered = with_query(url, shuffled)

    assert verify(reordered)["session_token"] == dict(pairs)["session_token"]
    assert requests.get(reordered, timeout=5).status_code == 200


def test_a_url_signed_with_another_secret_is_refused_but_the_previous_secret_verifies_during_a_rotation(synced, alice):
    url = launch(alice).url

    with pytest.raises(LaunchUrlRejected):
        launch_url_verify(url, secrets=["some-other-secret"])
    assert launch_url_verify(url, secrets=["new-secret", SBX_SECRET])


def test_values_that_need_encoding_survive_the_round_trip(synced, alice):
    result = launch(alice, language="pt-BR")

    assert verify(result.url)["lang"] == "pt-BR"


# --- Refusals -----------------------------------------------------------------------------------


def refusal(player, number=1, **overrides) -> LaunchError:
    sessions = GameSession.objects.count()
    with pytest.raises(LaunchError) as refused:
        launch(player, number, **overrides)
    assert GameSession.objects.count() == sessions  # a refused launch opens nothing
    return refused.value


def test_a_blocked_player_is_refused(synced, alice):
    Player.objects.filter(pk=alice.pk).update(status=Player.Status.BLOCKED)

    error = refusal(alice)

    assert (error.code, error.status) == ("PLAYER_BLOCKED", 403)


def test_an_unknown_player_or_game_is_not_found(synced, alice):
    assert refusal(alice, player_id="nobody").code == "PLAYER_NOT_FOUND"
    assert refusal(alice, game_id="00000000-0000-0000-0000-000000000000").code == "GAME_NOT_FOUND"


def test_a_game_the_aggregator_removed_is_refused(synced, sync, alice, catalog_server):
    catalog_server.remove("sbx-0001")
    sync()

    error = refusal(alice)

    assert (error.code, error.status) == ("GAME_DISABLED", 422)


def test_a_game_blocked_by_staff_or_of_an_inactive_aggregator_is_refused(synced, alice, sandbox):
    Game.objects.filter(external_id="sbx-0001").update(blocked_by_staff=True)
    sandbox.is_active = False
    sandbox.save()

    assert refusal(alice, 1).code == "GAME_DISABLED"
    assert refusal(alice, 2).code == "GAME_DISABLED"


def test_a_game_not_certified_for_the_country_is_refused(synced, alice):
    error = refusal(alice, country="GB")

    assert (error.code, error.status) == ("GAME_NOT_CERTIFIED", 403)
    assert launch(alice, country="de").session  # certified for DE (the country is case-insensitive)


def test_a_game_whose_rtp_changed_to_an_uncertified_profile_is_refused(synced, sync, alice, catalog_server):
    catalog_server.games[0]["rtp"] = "94.00"  # certifications still list 96.50
    sync()

    error = refusal(alice)

    assert error.code == "GAME_NOT_CERTIFIED" and "RTP" in error.message


def test_a_demo_launch_of_a_game_without_demo_is_refused(synced, alice):
    error = refusal(alice, 3, mode="demo")

    assert (error.code, error.status) == ("DEMO_NOT_SUPPORTED", 422)


def test_an_unknown_currency_is_refused(synced, alice):
    assert refusal(alice, currency="XXX").code == "VALIDATION_ERROR"


# --- Demo ---------------------------------------------------------------------------------------


def test_a_demo_launch_opens_a_demo_session_and_never_touches_the_real_wallet(synced, alice):
    real = Wallet.objects.get(player=alice, currency_id="EUR", mode=Mode.REAL)
    real_entries = LedgerEntry.objects.filter(wallet=real).count()

    result = launch(alice, mode="demo")

    assert result.session.mode == Mode.DEMO
    assert session_wallet(result.session).mode == Mode.DEMO and session_wallet(result.session) != real
    assert dict(parse_qsl(urlsplit(result.url).query))["mode"] == "demo"
    assert balance_of(alice) == 10_000
    assert LedgerEntry.objects.filter(wallet=real).count() == real_entries
    assert balance_of(alice, mode=Mode.DEMO) > 0  # it plays with play money


def test_a_real_launch_moves_no_money_either(synced, alice):
    launch(alice)

    assert balance_of(alice) == 10_000
