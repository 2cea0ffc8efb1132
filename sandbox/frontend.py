"""The operator front-end calls a player's browser makes before the aggregator sees anything:
list the games, launch one (contract item 3). Authenticated with the front end's bearer key."""

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests

from sandbox.launch import parse_expires


class FrontendError(Exception):
    def __init__(self, message: str, *, status: int | None = None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Launch:
    session_token: str
    game_code: str  # the aggregator's code, as the launch URL carries it (what wallet calls use)
    launch_url: str
    mode: str
    expires_at: float | None  # Unix seconds, when the back-office said
    latency: float = 0.0


class FrontendClient:
    def __init__(self, base_url: str, *, api_key: str, timeout: float = 10.0, http=None):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.timeout = timeout
        self.http = http or requests.Session()

    def list_games(self, *, aggregator: str) -> list[dict]:
        try:
            response = self.http.get(
                f"{self.base_url}/api/v1/games",
                params={"aggregator": aggregator},
                headers=self.headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise FrontendError(f"GET /api/v1/games failed: {exc}") from exc
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("games"), list):
            raise FrontendError(
                f"GET /api/v1/games answered {response.status_code}", status=response.status_code, body=body
            )
        return body["games"]

    def launch(self, *, player_id: str, game: dict, currency: str, mode: str, country: str, language: str) -> Launch:
        payload = {
            "player_id": player_id,
            "game_id": game["id"],
            "currency": currency,
            "mode": mode,
            "country": country,
            "language": language,
        }
        started = time.perf_counter()
        try:
            response = self.http.post(
                f"{self.base_url}/api/v1/launch", json=payload, headers=self.headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise FrontendError(f"POST /api/v1/launch failed: {exc}") from exc
        latency = time.perf_counter() - started
        body = _json(response)
        if response.status_code not in (200, 201) or not isinstance(body, dict) or not body.get("launch_url"):
            raise FrontendError(
                f"POST /api/v1/launch answered {response.status_code}", status=response.status_code, body=body
            )
        query = dict(parse_qsl(urlsplit(body["launch_url"]).query))
        return Launch(
            session_token=body.get("session_token") or query.get("session_token", ""),
            game_code=query.get("game") or game.get("code", ""),
            launch_url=body["launch_url"],
            mode=body.get("mode") or mode,
            expires_at=_timestamp(body.get("expires_at")),
            latency=latency,
        )


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _timestamp(value) -> float | None:
    """The launch answer's expires_at: Unix seconds as a number, else as launch URLs carry it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_expires(value) if isinstance(value, str) else None
