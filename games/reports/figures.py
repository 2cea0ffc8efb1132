"""Reads of the finance reports: figures grouped as asked, royalties per provider and month.
Everything is read from the rollup tables (rollup.py), never from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection

from casino.models import Currency
from games.models import DailyFigures, PlayerDay, ProviderContract

# What a report may be grouped by; the currency always is (amounts of two currencies never add).
DIMENSIONS = {
    "day": "f.day",
    "month": "date_trunc('month', f.day)::date",
    "aggregator": "a.code",
    "provider": "COALESCE(pr.name, '(unknown provider)')",
    "game": "f.game_code",
    "currency": "f.currency_id",
}
AMOUNTS = ("turnover", "wins", "ggr", "bonus_cost", "jackpot_contributions", "jackpot_wins", "ngr")
COLUMNS = ("rounds", "bets", *AMOUNTS, "unique_players")


class ReportError(ValueError):
    """A report asked for something it cannot be: a clear message, never a 500."""


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date  # inclusive
    by: tuple[str, ...] = ("day",)
    aggregator: str = ""  # code
    provider_id: int | None = None
    currency: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ReportError("the report ends before it starts")
        unknown = [d for d in self.by if d not in DIMENSIONS]
        if unknown:
            raise ReportError(f"cannot group by {', '.join(unknown)}: choose from {', '.join(DIMENSIONS)}")

    @property
    def groups(self) -> tuple[str, ...]:
        ordered = tuple(d for d in DIMENSIONS if d in self.by and d != "currency")
        return (*ordered, "currency")


@dataclass
class ReportRow:
    keys: dict[str, object]
    values: dict[str, int] = field(default_factory=dict)


def _where(query: ReportQuery) -> tuple[str, list]:
    sql, params = ["f.day BETWEEN %s AND %s"], [query.start, query.end]
    if query.aggregator:
        sql.append("a.code = %s")
        params.append(query.aggregator)
    if query.provider_id is not None:
        sql.append("f.provider_id = %s")
        params.append(query.provider_id)
    if query.currency:
        sql.append("f.currency_id = %s")
        params.append(query.currency)
    return " AND ".join(sql), params


_FROM = (
    f" FROM {DailyFigures._meta.db_table} f JOIN casino_aggregator a ON a.id = f.aggregator_id"
    " LEFT JOIN games_provider pr ON pr.id = f.provider_id"
)


def report_rows(query: ReportQuery, *, players: bool = True) -> list[ReportRow]:
    """The figures of `query`, one row per group, in minor units of the row's currency. Unique
    players are counted over the group (a player of two games counts once), not summed; with
    `players` False they are left at 0 (royalties need none, and counting them is the cost)."""
    groups = query.groups
    dims = ", ".join(f"{DIMENSIONS[g]} AS {g}" for g in groups)
    group_by = ", ".join(DIMENSIONS[g] for g in groups)
    where, params = _where(query)
    sums = (
        "SUM(f.rounds), SUM(f.bets), SUM(f.turnover), SUM(f.wins), SUM(f.turnover - f.wins), SUM(f.bonus_cost),"
        " SUM(f.jackpot_contributions), SUM(f.jackpot_wins),"
        " SUM(f.turnover - f.wins - f.bonus_cost - f.jackpot_contributions)"
    )
    figures_sql = f"SELECT {dims}, {sums}{_FROM} WHERE {where} GROUP BY {group_by} ORDER BY {group_by}"  # noqa: S608
    # Every dimension and filter is on the player-day rows themselves: no join to the figures.
    players_sql = (
        f"SELECT {dims}, COUNT(DISTINCT f.player_id) FROM {PlayerDay._meta.db_table} f"  # noqa: S608
        " JOIN casino_aggregator a ON a.id = f.aggregator_id LEFT JOIN games_provider pr ON pr.id = f.provider_id"
        f" WHERE {where} GROUP BY {group_by}"
    )
    with connection.cursor() as cursor:
        cursor.execute(figures_sql, params)
        found = cursor.fetchall()
        counted = {}
        if players:
            cursor.execute(players_sql, params)
            counted = {tuple(row[: len(groups)]): row[-1] for row in cursor.fetchall()}
    rows = []
    for row in found:
        key = tuple(row[: len(groups)])
        values = dict(zip(COLUMNS[:-1], (int(v) for v in row[len(groups) :]), strict=True))
        values["unique_players"] = counted.get(key, 0)
        rows.append(ReportRow(dict(zip(groups, key, strict=True)), values))
    return rows


@dataclass(frozen=True)
class Royalty:
    month: date
    aggregator: str
    provider: str
    currency: str
    ngr: int
    share_percent: Decimal | None  # None: the provider has no contract
    due: int | None


def royalties(*, start: date, end: date) -> list[Royalty]:
    """Royalty due per provider, month and currency: the contract's share of the month's NGR,
    rounded half-even to the minor unit; nothing is due on a month whose NGR is not positive."""
    rows = report_rows(ReportQuery(start=start, end=end, by=("month", "aggregator", "provider")), players=False)
    shares = {
        (c.provider.aggregator.code, c.provider.name): c.revenue_share_percent
        for c in ProviderContract.objects.select_related("provider__aggregator")
    }
    result = []
    for row in rows:
        provider = str(row.keys["provider"])
        share = shares.get((str(row.keys["aggregator"]), provider))
        ngr = row.values["ngr"]
        due = None
        if share is not None:
            due = int((Decimal(max(ngr, 0)) * share / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        month = row.keys["month"]
        assert isinstance(month, date)
        result.append(Royalty(month, str(row.keys["aggregator"]), provider, str(row.keys["currency"]), ngr, share, due))
    return result


def format_amount(amount: int, currency: str, exponents: dict[str, int]) -> str:
    """Minor units as major units of the currency, for people (CSV and admin)."""
    return Currency(code=currency, exponent=exponents.get(currency, 2)).format(amount).rsplit(" ", 1)[0]


def currency_exponents() -> dict[str, int]:
    return dict(Currency.objects.values_list("code", "exponent"))
