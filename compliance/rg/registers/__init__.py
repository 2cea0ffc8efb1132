"""National self-exclusion registers (GAMSTOP, Spelpaus, OASIS), asked at launch.

The player's country picks the register (settings.RG_REGISTERS); each has its own client
(base.RegisterClient). A confirmed answer (excluded or not) is kept as a RegisterCheck row and
reused for RG_REGISTER_CACHE_SECONDS: PostgreSQL is the cache, so every process sees it and it
survives restarts. An unconfirmed answer is recorded but never reused. What an unconfirmed
status means is per register: "fail": "closed" (the default) refuses the launch,
EXTERNAL_REGISTER; "open" lets it through. Every check is an RG event (result, cached or fresh).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.module_loading import import_string

from casino.models import Player
from casino.responsible_gaming import RgReason, RgRefusal
from compliance.models import RegisterCheck, RgEvent
from compliance.rg.registers.base import RegisterClient, RegisterUnavailable
from compliance.services import rg_event_record

Result = RegisterCheck.Result


def register_client(config: dict) -> RegisterClient:
    """The client one RG_REGISTERS entry names, built with the entry's other options."""
    options = {name: value for name, value in config.items() if name not in ("client", "fail")}
    return import_string(config["client"])(**options)


def register_refusal_from(result: str, *, register: str, fail_open: bool) -> RgRefusal | None:
    """Why a register's answer refuses play, or None. Pure."""
    if result == Result.EXCLUDED:
        return RgRefusal.because(RgReason.EXTERNAL_REGISTER, f"the player is excluded in the {register} register")
    if result == Result.UNCONFIRMED and not fail_open:
        return RgRefusal.because(
            RgReason.EXTERNAL_REGISTER, f"the player's status in the {register} register could not be confirmed"
        )
    return None


def register_refusal(player: Player, at: datetime) -> RgRefusal | None:
    """Ask the register of the player's country (if any) whether they may play; None if so.
    May call the register over the network: never call it with a transaction or lock held."""
    config = settings.RG_REGISTERS.get(player.country.upper())
    if not config:
        return None
    client = register_client(config)
    check = _cached_check(player=player, register=client.name, at=at)
    cached = check is not None
    if check is None:
        try:
            result, detail = (Result.EXCLUDED if client.is_excluded(player) else Result.NOT_EXCLUDED), ""
        except RegisterUnavailable as exc:
            result, detail = Result.UNCONFIRMED, str(exc)[:200]
        check = RegisterCheck.objects.create(
            player=player, register=client.name, result=result, detail=detail, checked_at=at
        )
    rg_event_record(
        player=player,
        kind=RgEvent.Kind.REGISTER_CHECKED,
        detail={
            "register": check.register,
            "result": check.result,
            "cached": cached,
            "checked_at": check.checked_at.isoformat(),
            **({"problem": check.detail} if check.result == Result.UNCONFIRMED else {}),
        },
    )
    return register_refusal_from(check.result, register=check.register, fail_open=config.get("fail") == "open")


def _cached_check(*, player: Player, register: str, at: datetime) -> RegisterCheck | None:
    """The register's latest confirmed answer about the player, if still fresh."""
    fresh_since = at - timedelta(seconds=settings.RG_REGISTER_CACHE_SECONDS)
    return (
        RegisterCheck.objects.filter(
            player=player,
            register=register,
            result__in=[Result.EXCLUDED, Result.NOT_EXCLUDED],
            checked_at__gt=fresh_since,
            checked_at__lte=at,
        )
        .order_by("-checked_at", "-id")
        .first()
    )
