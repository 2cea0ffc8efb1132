"""The sandbox aggregator's own HTTP API, called over real HTTP: catalog, faults, control, /play."""

import time
from urllib.parse import urlencode

import requests

from casino.signing import canonical_query, launch_signature, native_signature
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET


def signed_headers(*, secret: str = DEFAULT_SECRET, key_id: str = DEFAULT_KEY_ID, timestamp: int | None = None):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Aggregator-Key": key_id, "X-Timestamp": ts, "X-Signature": native_signature(secret, ts, b"")}


def catalog(sandbox, **kwargs):
    return requests.get(f"{sandbox.base_url}/catalog/games", headers=signed_headers(**kwargs), timeout=5)


def control(sandbox, what: str, body: dict):
    return requests.post(f"{sandbox.base_url}/control/{what}", json=body, timeout=5)


def launch_params(**overrides) -> dict:
    params = {
        "session_token": "tok-123",
        "game": "sbx_book_of_tests",
        "player_id": "sbx-player-1",
        "currency": "EUR",
        "mode": "real",
        "country": "MT",
        "lang": "en",
        "expires": str(int(time.time()) + 600),
        "key": DEFAULT_KEY_ID,
    }
    params.update(overrides)
    return params


def signed_query(params: dict, *, secret: str = DEFAULT_SECRET) -> str:
    return canonical_query({**params, "signature": launch_signature(secret, params)})


def play(sandbox, query: str):
    return requests.get(f"{sandbox.base_url}/play?{query}", timeout=5)


# --- catalog --------------------------------------------------------------------------------


def test_a_signed_catalog_call_lists_a_dozen_games_of_three_providers(sandbox):
    response = catalog(sandbox)

    assert response.status_code == 200
    games = response.json()["games"]
    assert len(games) == 12
    assert {g["provider"]["code"] for g in games} == {"sandbox-studio", "fixture-live", "mock-tables"}
    assert {g["category"] for g in games} == {"slots", "live", "table"}
    assert any(g["demo"] for g in games) and not all(g["demo"] for g in games)
    book = next(g for g in games if g["code"] == "sbx_book_of_tests")
    assert book["id"] == "sbx-0001"
    assert {c["country"] for c in book["certifications"]} >= {"MT", "DE", "GB", "SE"}


def test_it_refuses_a_catalog_call_with_a_wrong_signature_key_or_stale_timestamp(sandbox):
    assert catalog(sandbox, secret="not-the-secret").status_code == 401
    assert catalog(sandbox, key_id="someone-else").status_code == 401
    assert catalog(sandbox, timestamp=int(time.time()) - 120).status_code == 401
    assert requests.get(f"{sandbox.base_url}/catalog/games", timeout=5).status_code == 401


def test_injected_faults_answer_429_with_retry_after_then_500_then_the_catalog(sandbox):
    assert control(sandbox, "faults", {"catalog_429": 1, "catalog_500": 1}).status_code == 200

    first, second, third = catalog(sandbox), catalog(sandbox), catalog(sandbox)

    assert first.status_code == 429
    assert first.headers["Retry-After"] == "1"
    assert second.status_code == 500
    assert third.status_code == 200
    assert sandbox.state.snapshot()["counters"]["catalog_faults"] == 2


def test_the_control_api_adds_renames_and_removes_games(sandbox):
    new_game = {
        "id": "sbx-0100",
        "code": "sbx_new_slot",
        "name": "New Slot",
        "provider": {"code": "sandbox-studio", "name": "Sandbox Studio"},
        "category": "slots",
        "rtp": "96.10",
        "demo": False,
        "enabled": True,
        "certifications": [{"country": "MT", "rtp_profile": "96.10", "build_hash": "abc"}],
    }
    response = control(
        sandbox,
        "catalog",
        {"add": [new_game], "rename": {"sbx_book_of_tests": "sbx_book_of_tests_v2"}, "remove": ["sbx_mocking_bird"]},
    )

    assert response.status_code == 200
    games = {g["code"]: g for g in catalog(sandbox).json()["games"]}
    assert "sbx_new_slot" in games
    assert games["sbx_book_of_tests_v2"]["id"] == "sbx-0001"  # the stable id survives the rename
    assert "sbx_book_of_tests" not in games
    assert "sbx_mocking_bird" not in games
    assert len(games) == 12


def test_a_control_request_naming_an_unknown_game_changes_nothing(sandbox):
    response = control(sandbox, "catalog", {"rename": {"sbx_book_of_tests": "x"}, "remove": ["no_such_game"]})

    assert response.status_code == 400
    codes = {g["code"] for g in catalog(sandbox).json()["games"]}
    assert "sbx_book_of_tests" in codes


# --- launch URLs (/play) ----------------------------------------------------------------------


def test_a_correctly_signed_launch_url_opens_the_game(sandbox):
    response = play(sandbox, signed_query(launch_params()))

    assert response.status_code == 200
    assert "Book of Tests" in response.text
    assert sandbox.state.snapshot()["counters"]["launches_ok"] == 1


def test_the_order_of_the_parameters_does_not_matter(sandbox):
    params = launch_params()
    signed = {**params, "signature": launch_signature(DEFAULT_SECRET, params)}
    reordered = urlencode(sorted(signed.items(), reverse=True))

    assert play(sandbox, reordered).status_code == 200


def test_a_tampered_parameter_is_refused(sandbox):
    query = signed_query(launch_params()).replace("player_id=sbx-player-1", "player_id=sbx-player-2")

    response = play(sandbox, query)

    assert response.status_code == 403
    assert "signature" in response.text


def test_an_added_parameter_or_a_repeated_one_is_refused(sandbox):
    query = signed_query(launch_params())

    assert play(sandbox, query + "&mode=demo").status_code == 403
    assert play(sandbox, query + "&bonus=1").status_code == 403


def test_an_expired_launch_url_is_refused_but_the_clock_skew_is_forgiven(sandbox):
    now = int(time.time())
    expired = play(sandbox, signed_query(launch_params(expires=str(now - 120))))
    within_skew = play(sandbox, signed_query(launch_params(expires=str(now - 5))))

    assert expired.status_code == 403
    assert "expired" in expired.text
    assert within_skew.status_code == 200


def test_a_url_signed_with_another_secret_or_key_is_refused(sandbox):
    assert play(sandbox, signed_query(launch_params(), secret="other")).status_code == 403
    assert play(sandbox, signed_query(launch_params(key="other-key"))).status_code == 403


def test_a_renamed_game_still_opens_by_its_old_code_but_a_removed_one_does_not(sandbox):
    control(sandbox, "catalog", {"rename": {"sbx_book_of_tests": "sbx_book_v2"}, "remove": ["sbx_mocking_bird"]})

    assert play(sandbox, signed_query(launch_params(game="sbx_book_of_tests"))).status_code == 200
    removed = play(sandbox, signed_query(launch_params(game="sbx_mocking_bird")))
    assert removed.status_code == 403
    assert "removed" in removed.text
