"""Exact money arithmetic: amounts are integers in a currency's minor units, never floats."""

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

# The largest amount, and the largest balance, a wallet holds: every amount is stored as bigint
# (64-bit signed) minor units. 92,233,720,368,547,758.07 EUR, but only 9.223372036854775807 ETH
# (wei are 10^-18 ETH): docs/native-protocol.md lists it per currency.
MINOR_UNITS_MAX = 2**63 - 1


class InexactAmount(ValueError):
    """An amount that cannot be written exactly in the target unit (it would need rounding)."""


def to_minor_units(value: Decimal | str | int, *, exponent: int) -> int:
    """Major units (e.g. Decimal("12.34") EUR) to minor units (1234); refuses anything inexact."""
    scaled = Decimal(value).scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InexactAmount(f"{value} has more than {exponent} decimal places")
    return int(scaled)


def rescale(amount: int, *, from_exponent: int, to_exponent: int) -> int:
    """Re-express an integer amount counted in 10^-from_exponent units in 10^-to_exponent units.

    Used by protocols whose wire unit is not the currency's minor unit (Hub88 counts in
    1/100000 of a unit). Refuses, never rounds, an amount the target unit cannot hold exactly.
    """
    shift = to_exponent - from_exponent
    if shift >= 0:
        return amount * 10**shift
    quotient, remainder = divmod(amount, 10**-shift)
    if remainder:
        raise InexactAmount(f"{amount} (10^-{from_exponent}) is not a whole number of 10^-{to_exponent} units")
    return quotient


def format_minor_units(amount: int, *, exponent: int) -> str:
    """1234, exponent 2 -> "12.34" (for people; the API always speaks minor units)."""
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


def convert_minor_units(amount: int, *, rate: Decimal, from_exponent: int, to_exponent: int) -> int:
    """`amount` minor units of one currency in minor units of another, at `rate` (one major unit
    of the first is worth `rate` major units of the second), rounded half-even: the rounding of
    every conversion of a money call (docs/money.md). Exact: Decimal with enough digits."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(amount) * rate * Decimal(10) ** (to_exponent - from_exponent)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def convert_balance_down(balance: int, *, rate: Decimal, from_exponent: int, to_exponent: int) -> int:
    """A balance of the wallet's currency shown in the played currency (rate: one played unit in
    wallet units), rounded down: the aggregator is never told of money the wallet cannot cover."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(balance) / rate * Decimal(10) ** (to_exponent - from_exponent)
        return int(exact.to_integral_value(rounding=ROUND_FLOOR))
