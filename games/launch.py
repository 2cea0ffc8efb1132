"""Game launch: checks, a new game session, and the signed URL the player's iframe loads.

    {api_base_url}/play?<canonical query of the parameters>&signature=<hex HMAC-SHA256>

The signature is launch_signature(signing secret, params): HMAC-SHA256 over the parameters
(all but `signature`) sorted by name and URL-encoded (casino.signing.canonical_query), so the
order they travel in does not matter. `expires` (Unix seconds) bounds the URL's life
(LAUNCH_URL_TTL_SECONDS, default 10 minutes). launch_url_verify() is what an aggregator (and
the sandbox) runs to accept or refuse a URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.utils import timezone

from casino import responsible_gaming
from casino.errors import ErrorCode
from casino.models import Aggregator, Currency, GameSession, Mode, Player
from casino.rules import player_may_launch
from casino.selectors import player_find
from casino.signing import canonical_query, launch_signature, secret_matches
from games.models import Game
from games.selectors import game_certified
from games.services import session_open

# Every parameter a launch URL carries besides `signature`.
LAUNCH_PARAMS = ("session_token", "game", "player_id", "currency", "mode", "country", "lang", "expires", "key")


# Every code a launch can be refused with, and its HTTP status: the front end's contract
# (games/api.py documents each status with the codes this table gives it).
LAUNCH_STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_ERROR: 400,
    ErrorCode.PLAYER_BLOCKED: 403,
    ErrorCode.RG_BLOCKED: 403,
    ErrorCode.GAME_NOT_CERTIFIED: 403,
    ErrorCode.PLAYER_NOT_FOUND: 404,
    ErrorCode.GAME_NOT_FOUND: 404,
    ErrorCode.GAME_DISABLED: 422,
    ErrorCode.DEMO_NOT_SUPPORTED: 422,
    ErrorCode.AGGREGATOR_REFUSED: 422,
    ErrorCode.AGGREGATOR_UNAVAILABLE: 502,
}


class LaunchError(Exception):
    """A launch refused for a reason the front end can show; `code` is stable, `status` HTTP."""

    def __init__(self, code: ErrorCode, message: str, *, rg_reason: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = LAUNCH_STATUS[code]
        # With RG_BLOCKED: the machine-readable reason (casino.responsible_gaming.RgReason).
        self.rg_reason = rg_reason


@dataclass(frozen=True)
class Launch:
    url: str
    session: GameSession
    expires_at: datetime
    # The player's reality-check interval, when the RG app keeps one; None: no reminder set.
    reality_check_seconds: int | None = None


def launch_create(
    *,
    player_id: str,
    game_id: str,
    currency: str,
    mode: str,
    country: str,
    language: str,
    now: float | None = None,
) -> Launch:
    """Open a game session for a launch the front end asked for and sign its URL.

    Refuses unknown or blocked players, unknown, disabled or uncertified games (for `country`,
    the country the player plays from), and demo launches of games without demo. A demo launch
    opens a demo session on the demo wallet: the real wallet is never read or moved.
    """
    now = time.time() if now is None else now
    country = country.upper()
    player = player_find(external_id=player_id)
    if player is None:
        raise LaunchError(ErrorCode.PLAYER_NOT_FOUND, f"no player {player_id!r}")
    # The rule a bet asks too (casino/rules.py), with the RG app's answer for a new session.
    refusal = player_may_launch(player, at=timezone.now())
    if refusal is not None:
        raise LaunchError(refusal.code, refusal.message, rg_reason=getattr(refusal, "rg_reason", ""))
    game = Game.objects.select_related("aggregator").filter(pk=game_id).first()
    if game is None:
        raise LaunchError(ErrorCode.GAME_NOT_FOUND, f"no game {game_id}")
    if not game.is_available:
        raise LaunchError(ErrorCode.GAME_DISABLED, f"{game.name} is not available at the moment")
    if mode == Mode.DEMO and not game.demo_supported:
        raise LaunchError(ErrorCode.DEMO_NOT_SUPPORTED, f"{game.name} has no demo mode")
    if not game_certified(game=game, country=country):
        message = f"{game.name} is not certified for {country} at its current RTP"
        raise LaunchError(ErrorCode.GAME_NOT_CERTIFIED, message)
    currency_row = Currency.objects.filter(code=currency.upper()).first()
    if currency_row is None:
        raise LaunchError(ErrorCode.VALIDATION_ERROR, f"unknown currency {currency!r}")

    url_ttl = settings.LAUNCH_URL_TTL_SECONDS
    session = session_open(
        player=player,
        aggregator=game.aggregator,
        game=game,
        game_code=game.code,
        currency=currency_row,
        mode=mode,
        # The session outlives the URL: a player who opens the URL at its last second can play.
        ttl_seconds=max(settings.GAME_SESSION_TTL_SECONDS, url_ttl),
    )
    expires = int(now) + url_ttl
    params = {
        "session_token": session.token,
        "game": game.code,
        "player_id": player.external_id,
        "currency": currency_row.code,
        "mode": mode,
        "country": country,
        "lang": language,
        "expires": str(expires),
        "key": game.aggregator.key_id,
    }
    if game.aggregator.protocol == Aggregator.Protocol.HUB88:
        url = _hub88_game_url(session, player_id=player.external_id, country=country, language=language)
    else:
        url = launch_url_build(
            base_url=game.aggregator.api_base_url, secret=game.aggregator.signing_secret, params=params
        )
    return Launch(
        url=url,
        session=session,
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
        reality_check_seconds=_reality_check_seconds(player),
    )


def _reality_check_seconds(player: Player) -> int | None:
    """The player's reality-check interval, from the RG provider (casino/responsible_gaming.py);
    None (left out of the launch answer) without one or without a provider."""
    rg = responsible_gaming.provider()
    return rg.reality_check_seconds(player_id=player.pk, at=timezone.now()) if rg is not None else None


def _hub88_game_url(session: GameSession, *, player_id: str, country: str, language: str) -> str:
    """Hub88 makes the URL itself (POST /game/url, docs/hub88.md); called with no lock held.
    Demo: currency XXX and no user or token, as Hub88 documents."""
    from casino.outbound import OutboundError
    from games.clients import client_for
    from games.clients.hub88 import Hub88Error

    demo = session.mode == Mode.DEMO
    try:
        return client_for(session.aggregator).game_url(
            game_code=session.game_code,
            currency="XXX" if demo else session.currency_id,
            user=None if demo else player_id,
            token=None if demo else session.token,
            country=country,
            lang=language,
        )
    except Hub88Error as exc:
        refused = exc.status is not None and 400 <= exc.status < 500
        code = ErrorCode.AGGREGATOR_REFUSED if refused else ErrorCode.AGGREGATOR_UNAVAILABLE
        raise LaunchError(code, f"Hub88 gave no game URL: {exc}") from exc
    except OutboundError as exc:
        raise LaunchError(ErrorCode.AGGREGATOR_UNAVAILABLE, f"Hub88 gave no game URL: {exc}") from exc


def launch_url_build(*, base_url: str, secret: str, params: dict[str, str]) -> str:
    signed = {**params, "signature": launch_signature(secret, params)}
    return f"{base_url.rstrip('/')}/play?{canonical_query(signed)}"


class LaunchUrlRejected(Exception):
    """The URL is not one we signed, or no longer valid. `reason` is a stable word."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def launch_url_verify(
    url: str,
    *,
    secrets: list[str],
    now: float | None = None,
    allowed_skew_seconds: int = 0,
    expected_key: str | None = None,
) -> dict[str, str]:
    """Check a launch URL (or just its query string) as an aggregator would; return its parameters.

    Accepted iff every parameter is present once, the signature matches the canonical
    recomputation with one of `secrets` (two during a rotation; constant-time), and `expires`
    is still ahead of `now` minus the allowed clock skew. Parameter order is irrelevant.
    Raises LaunchUrlRejected("malformed" | "bad_signature" | "unknown_key" | "expired").
    """
    now = time.time() if now is None else now
    query = urlsplit(url).query if "?" in url or "://" in url else url
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise LaunchUrlRejected("malformed", f"parameter {name!r} appears twice")
        params[name] = value
    missing = [name for name in (*LAUNCH_PARAMS, "signature") if name not in params]
    if missing:
        raise LaunchUrlRejected("malformed", f"missing parameters: {', '.join(missing)}")
    given = params["signature"].strip().lower()
    if not secret_matches(given, *(launch_signature(secret, params) for secret in secrets)):
        raise LaunchUrlRejected("bad_signature", "the signature does not match the parameters")
    if expected_key is not None and not secret_matches(params["key"], expected_key):
        raise LaunchUrlRejected("unknown_key", "the URL was signed for another key")
    if not params["expires"].isdigit():
        raise LaunchUrlRejected("malformed", "expires must be Unix seconds")
    if int(params["expires"]) + allowed_skew_seconds <= now:
        raise LaunchUrlRejected("expired", "the launch URL has expired")
    return params
