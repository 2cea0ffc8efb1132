"""What the reconciliation admins share: money in major units with its currency."""

from functools import lru_cache

from casino.models import Currency
from casino.money import format_minor_units


@lru_cache(maxsize=64)
def _exponent(code: str) -> int | None:
    return Currency.objects.filter(pk=code).values_list("exponent", flat=True).first()


def money(amount: int | None, currency: str) -> str:
    """1234, "EUR" -> "12.34 EUR"; minor units as they are when the currency is unknown to us."""
    if amount is None:
        return "—"
    exponent = _exponent(currency) if currency else None
    if exponent is None:
        return f"{amount} (minor units{', ' + currency if currency else ''})"
    return f"{format_minor_units(amount, exponent=exponent)} {currency}"
