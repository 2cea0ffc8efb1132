"""Hub88's amounts (integers in 1/100000 of the currency's unit) to and from the wallet's minor
units: exact for every amount that moves money, refused (never rounded) otherwise."""

from casino.money import MINOR_UNITS_MAX, InexactAmount, rescale
from casino.selectors import currency_exponent
from wallet.api.hub88.statuses import INEXACT_AMOUNT_STATUS, OVERSIZED_AMOUNT_STATUS, RS, Refusal

# Hub88's amounts are integers in 1/100000 of the currency's unit.
HUB88_EXPONENT = 5
INT64_MAX = 2**63 - 1


def to_minor_units(amount: int, *, exponent: int) -> int:
    """Hub88 units (x 100000) to minor units, exactly; raises InexactAmount rather than round."""
    return rescale(amount, from_exponent=HUB88_EXPONENT, to_exponent=exponent)


def to_hub88_units(amount: int, *, exponent: int) -> int:
    """Minor units to Hub88 units. Exact for every amount Hub88 itself moved; a balance holding
    dust finer than 1/100000 (BTC, ETH, USDT deposits) is shown rounded down, never up, so Hub88
    never sees more money than the player has. Only balances pass here, never amounts to move."""
    try:
        return rescale(amount, from_exponent=exponent, to_exponent=HUB88_EXPONENT)
    except InexactAmount:
        return amount // 10 ** (exponent - HUB88_EXPONENT)


def amount_to_move(amount: int, *, currency: str) -> int:
    """Hub88's `amount` of a bet or win in minor units of `currency`, or a Refusal: a currency we
    do not hold, more decimals than it has, or more than any wallet of it can hold."""
    exponent = currency_exponent(currency)
    if exponent is None:
        raise Refusal(RS.WRONG_CURRENCY, f"we do not hold {currency!r}")
    try:
        minor = to_minor_units(amount, exponent=exponent)
    except InexactAmount as exc:
        raise Refusal(INEXACT_AMOUNT_STATUS, str(exc)) from None
    if minor > MINOR_UNITS_MAX:
        raise Refusal(OVERSIZED_AMOUNT_STATUS, f"{amount} is more than a {currency} wallet holds")
    return minor


def money_fields(balance: int | None, currency: str | None) -> dict:
    """`currency` and `balance` (Hub88 units) of an answer, when the wallet is known."""
    if balance is None or not currency:
        return {}
    exponent = currency_exponent(currency)
    if exponent is None:
        return {}
    return {"currency": currency, "balance": to_hub88_units(balance, exponent=exponent)}
