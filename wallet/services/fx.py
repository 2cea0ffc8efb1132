"""Currency conversion: the rates a money call converts at, entered by staff or imported from
a rate feed (docs/money.md).

A call may be played in another currency than its wallet's when its aggregator has an enabled
FxPair for the two. calls.py reads the pair and the latest rate (fx_quote_read) under the wallet
lock; rules.py decides (pure): a bet needs a rate still within its validity, and locks it on its
round; the round's wins and rollbacks settle at that rate, whatever the rate is by then.

The feed is plain JSON over HTTPS (FX_FEED_URL), fetched by a beat task outside any
transaction; a real provider plugs in by serving that shape, or by a client of its own that
returns FeedRate rows to fx_rates_import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casino.models import Aggregator, Currency
from wallet.models import FxPair, FxRate
from wallet.services.rules import FxQuote

logger = logging.getLogger(__name__)


def fx_quote_read(*, aggregator: Aggregator, played: str, wallet_currency: str) -> FxQuote | None:
    """The conversion of `played` into `wallet_currency` for the aggregator's calls, with the
    latest rate (None without an enabled pair). Two index lookups, only for foreign calls."""
    if not FxPair.objects.filter(
        aggregator=aggregator, played_id=played, wallet_currency_id=wallet_currency, enabled=True
    ).exists():
        return None
    exponents = dict(Currency.objects.filter(code__in=[played, wallet_currency]).values_list("code", "exponent"))
    latest = FxRate.objects.filter(base_id=played, quote_id=wallet_currency).order_by("-as_of").first()
    return FxQuote(
        played=played,
        played_exponent=exponents[played],
        wallet_exponent=exponents[wallet_currency],
        rate=latest.rate if latest else None,
        valid_until=latest.valid_until if latest else None,
    )


@dataclass(frozen=True)
class FeedRate:
    base: str
    quote: str
    rate: Decimal
    as_of: datetime
    valid_until: datetime


class FeedError(ValueError):
    """The feed answered something that is not a rate list: nothing of it is imported."""


def fx_feed_fetch(*, url: str, timeout: float = 10.0, session: requests.Session | None = None) -> list[FeedRate]:
    """The rates the feed at `url` publishes. Format (docs/money.md):
    {"as_of": ISO-8601, "valid_seconds": int, "rates": [{"base": "USD", "quote": "EUR", "rate": "0.92"}]}."""
    response = (session or requests).get(url, timeout=timeout)
    response.raise_for_status()
    return fx_feed_parse(response.json())


def fx_feed_parse(body: object) -> list[FeedRate]:
    try:
        assert isinstance(body, dict)
        as_of = parse_datetime(str(body["as_of"]))
        valid_seconds = int(body["valid_seconds"])
        assert as_of is not None and as_of.tzinfo is not None and valid_seconds > 0
        rates = [
            FeedRate(
                base=str(row["base"]),
                quote=str(row["quote"]),
                rate=Decimal(str(row["rate"])),
                as_of=as_of,
                valid_until=as_of + timedelta(seconds=valid_seconds),
            )
            for row in body["rates"]
        ]
    except (AssertionError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise FeedError(f"not a rate feed: {exc!r}") from exc
    if any(not r.rate.is_finite() or r.rate <= 0 for r in rates):
        raise FeedError("a rate must be a positive number")
    return rates


def fx_rates_import(*, rates: list[FeedRate]) -> int:
    """Store the feed's rates of known currencies; a rate already stored (same pair and as_of)
    is left alone, so importing one feed twice stores it once. Returns how many were new."""
    known = set(Currency.objects.values_list("code", flat=True))
    rows = [
        FxRate(
            base_id=r.base,
            quote_id=r.quote,
            rate=r.rate,
            as_of=r.as_of,
            valid_until=r.valid_until,
            source=FxRate.Source.FEED,
        )
        for r in rates
        if r.base in known and r.quote in known and r.base != r.quote
    ]
    with transaction.atomic():
        before = FxRate.objects.count()
        FxRate.objects.bulk_create(rows, ignore_conflicts=True)
        return FxRate.objects.count() - before


def fx_rates_refresh() -> int:
    """Fetch the configured feed (no transaction is open: a network call) and import it."""
    if not settings.FX_FEED_URL:
        return 0
    rates = fx_feed_fetch(url=settings.FX_FEED_URL)
    imported = fx_rates_import(rates=rates)
    logger.info("fx feed: %d rate(s) listed, %d new", len(rates), imported)
    return imported


def fx_rate_set(
    *, base: str, quote: str, rate: Decimal, valid_for: timedelta, by=None, at: datetime | None = None
) -> FxRate:
    """A rate entered by staff, valid from now for `valid_for`."""
    as_of = at or timezone.now()
    return FxRate.objects.create(
        base_id=base, quote_id=quote, rate=rate, as_of=as_of, valid_until=as_of + valid_for, created_by=by
    )
