"""Reads over the ground floor's models (no writes here): what the wallet protocols look up
about aggregators, currencies, sessions and players before a service runs."""

from casino.models import Aggregator, Currency, GameSession, Player


def active_aggregator(*, protocol: str, key_id: str | None = None, code: str | None = None) -> Aggregator | None:
    """The active aggregator of `protocol` with this key id (or, without one, this code)."""
    value = key_id if key_id is not None else code
    if "\x00" in (value or ""):
        # PostgreSQL text cannot hold NUL: the lookup would fail as a database error (a 503
        # RETRY inviting endless resends) where "no such aggregator" is the true answer.
        return None
    lookup = {"key_id": key_id} if key_id is not None else {"code": code}
    return Aggregator.objects.filter(is_active=True, protocol=protocol, **lookup).first()


def player_find(*, external_id: str) -> Player | None:
    """The player aggregators and the front end name by `external_id`, or None. An id holding
    NUL names nobody (PostgreSQL text cannot hold it): None, not a database error."""
    if "\x00" in external_id:
        return None
    return Player.objects.filter(external_id=external_id).first()


_exponents: dict[str, int] = {}


def currency_exponent(code: str) -> int | None:
    """Decimal places of the currency's minor unit; None for a currency we do not have."""
    if code not in _exponents:
        # A currency's exponent never changes (every stored amount depends on it): cache it.
        exponent = Currency.objects.filter(pk=code).values_list("exponent", flat=True).first()
        if exponent is None:
            return None
        _exponents[code] = exponent
    return _exponents[code]


def session_currency(*, aggregator: Aggregator, token: str) -> str:
    """The currency of the aggregator's session behind `token` ("" if there is none)."""
    return (
        GameSession.objects.filter(token=token, aggregator=aggregator).values_list("currency_id", flat=True).first()
        or ""
    )


def launched_player_country(*, aggregator: Aggregator, external_id: str) -> str | None:
    """The country ("" if unknown) of the player with this id who has a session at this
    aggregator; None if no such player was ever launched there."""
    return (
        Player.objects.filter(external_id=external_id, game_sessions__aggregator=aggregator)
        .values_list("country", flat=True)
        .first()
    )
