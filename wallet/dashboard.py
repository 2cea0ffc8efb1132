"""The wallet's figures on the back-office pages (casino/backoffice.py): the dashboard's money,
latency and stale-round panels, the player page's wallets and rounds, the player search by
transaction and round id, and the stale-rounds gauge of /metrics.

The dashboard reads the rollups (wallet/services/rollups.py) plus, live, the few rows past
their watermark: a day of figures is a day of minutes, whatever the ledger's size.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from casino import backoffice
from casino.charts import Series, bar_chart, line_chart
from casino.models import Aggregator, Currency, GameSession
from wallet.models import (
    LATENCY_BUCKETS_MS,
    ActivePlayerHour,
    AggregatorTransaction,
    CallMinute,
    GameRound,
    LedgerEntry,
    MoneyMinute,
    RollupWatermark,
    Wallet,
)
from wallet.selectors import stale_rounds
from wallet.services.rollups import ACTIVE_SELECT, CALLS, CALLS_SELECT, LEDGER, MONEY_SELECT

NO_END = 2**63 - 1


def _watermark(source: str) -> int:
    mark = RollupWatermark.objects.filter(source=source).values_list("last_id", flat=True).first()
    return mark or 0


def _tail(select: str, source: str) -> list[tuple]:
    """The rows a rollup's SELECT gives for the ids past its watermark (not rolled up yet)."""
    with connection.cursor() as cursor:
        cursor.execute(select, [_watermark(source), NO_END])
        return cursor.fetchall()


def money_by_minute(*, since: datetime) -> list[tuple[datetime, int, str, int, int, int, int]]:
    """(minute, aggregator id, currency, bets, bet amount, win amount, rollback amount) of real
    money since `since`, rolled up and live."""
    floor = since.replace(second=0, microsecond=0)
    rows = list(
        MoneyMinute.objects.filter(minute__gte=floor).values_list(
            "minute", "aggregator_id", "currency_id", "bets", "bet_amount", "win_amount", "rollback_amount"
        )
    )
    rows += [row for row in _tail(MONEY_SELECT, LEDGER) if row[0] >= floor]
    return rows


def money_totals(rows) -> dict[str, dict[str, int]]:
    """Per currency: bets (count), turnover (bets less refunds), wins, GGR (turnover less wins)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"bets": 0, "turnover": 0, "wins": 0, "ggr": 0})
    for _, _, currency, bets, bet_amount, win_amount, rollback_amount in rows:
        total = totals[currency]
        total["bets"] += bets
        total["turnover"] += bet_amount - rollback_amount
        total["wins"] += win_amount
    for total in totals.values():
        total["ggr"] = total["turnover"] - total["wins"]
    return dict(totals)


def active_players(*, since: datetime) -> int:
    """Players who bet real money since `since` (to the hour: the rollup counts by hour)."""
    hour = since.replace(minute=0, second=0, microsecond=0)
    table = ActivePlayerHour._meta.db_table
    with connection.cursor() as cursor:
        # Counted in the database: a day is (players x 24) rows, too many to fetch.
        cursor.execute(
            f"SELECT count(DISTINCT player_id) FROM (SELECT player_id FROM {table} WHERE hour >= %s"  # noqa: S608
            f" UNION ALL SELECT player_id FROM ({ACTIVE_SELECT}) tail WHERE hour >= %s) active",
            [hour, _watermark(LEDGER), NO_END, hour],
        )
        return cursor.fetchone()[0]


def calls_by_aggregator(*, since: datetime) -> dict[int, dict]:
    """Per aggregator: calls, refused, and the cumulative latency buckets, since `since`."""
    floor = since.replace(second=0, microsecond=0)
    names = ["calls", "refused", "timed", *(f"le_{ms}ms" for ms in LATENCY_BUCKETS_MS)]
    found: dict[int, dict] = defaultdict(lambda: dict.fromkeys(names, 0))
    for row in CallMinute.objects.filter(minute__gte=floor).values("aggregator_id", *names):
        for name in names:
            found[row["aggregator_id"]][name] += row[name]
    for row in _tail(CALLS_SELECT, CALLS):
        if row[0] >= floor:
            for name, value in zip(names, row[2:], strict=True):
                found[row[1]][name] += value
    return dict(found)


def p95_bound_ms(figures: dict) -> int | None:
    """The smallest bucket bound (ms) within which 95 % of timed calls were answered; None
    when there were none, or when the 95th percentile is past the last bound."""
    if not figures["timed"]:
        return None
    for ms in LATENCY_BUCKETS_MS:
        if figures[f"le_{ms}ms"] >= 0.95 * figures["timed"]:
            return ms
    return None


# --- Dashboard panels ---------------------------------------------------------------------------


def _money(currency: Currency, amount: int) -> str:
    return currency.format(amount)


def money_panel() -> dict:
    now = timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day_ago = now - timedelta(hours=24)
    rows = money_by_minute(since=min(midnight, day_ago))
    currencies = Currency.objects.in_bulk()
    periods = []
    for label, since in (("Today (UTC)", midnight), ("Last 24 h", day_ago)):
        floor = since.replace(second=0, microsecond=0)
        totals = money_totals([row for row in rows if row[0] >= floor])
        periods.append(
            {
                "label": label,
                "active_players": active_players(since=since),
                "currencies": [
                    {
                        "currency": code,
                        "bets": total["bets"],
                        "turnover": _money(currencies[code], total["turnover"]),
                        "wins": _money(currencies[code], total["wins"]),
                        "ggr": _money(currencies[code], total["ggr"]),
                    }
                    for code, total in sorted(totals.items())
                ],
            }
        )
    last_hour = [row for row in rows if row[0] >= now - timedelta(minutes=60)]
    return {
        "periods": periods,
        "bets_per_minute": round(sum(row[3] for row in last_hour) / 60, 1),
        "bets_chart": _bets_chart(rows, midnight, now),
        "ggr_chart": _ggr_chart(rows, midnight, now, currencies),
    }


def _hour_labels(midnight: datetime, now: datetime) -> list[tuple[float, str]]:
    hours = int((now - midnight).total_seconds() // 3600) + 1
    step = max(1, hours // 8)
    return [(h * 60.0, f"{h:02d}:00") for h in range(0, hours + 1, step)]


def _bets_chart(rows, midnight: datetime, now: datetime):
    per_minute: dict[int, int] = defaultdict(int)
    for minute, _, _, bets, *_ in rows:
        if minute >= midnight:
            per_minute[int((minute - midnight).total_seconds() // 60)] += bets
    points = [(float(m), float(per_minute.get(m, 0))) for m in range(int((now - midnight).total_seconds() // 60) + 1)]
    return line_chart(
        [Series("bets per minute", points)], title="Bets per minute today (UTC)", x_labels=_hour_labels(midnight, now)
    )


def _ggr_chart(rows, midnight: datetime, now: datetime, currencies):
    """Cumulative GGR per currency over the day, in major units, one line per currency."""
    per_minute: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for minute, _, currency, _, bet_amount, win_amount, rollback_amount in rows:
        if minute >= midnight:
            per_minute[currency][int((minute - midnight).total_seconds() // 60)] += (
                bet_amount - rollback_amount - win_amount
            )
    series = []
    for currency, minutes in sorted(per_minute.items()):
        scale = 10 ** currencies[currency].exponent
        running, points = 0, [(0.0, 0.0)]
        for minute in sorted(minutes):
            running += minutes[minute]
            points.append((float(minute), running / scale))
        series.append(Series(currency, points))
    return line_chart(series, title="GGR today, cumulative (major units)", x_labels=_hour_labels(midnight, now))


def calls_panel() -> dict:
    since = timezone.now() - timedelta(hours=24)
    figures = calls_by_aggregator(since=since)
    aggregators = Aggregator.objects.in_bulk(list(figures))
    rows = []
    for aggregator_id, f in sorted(figures.items(), key=lambda item: aggregators[item[0]].code):
        bound = p95_bound_ms(f)
        rows.append(
            {
                "aggregator": aggregators[aggregator_id].code,
                "calls": f["calls"],
                "refused_percent": round(100 * f["refused"] / f["calls"], 2) if f["calls"] else 0,
                "p95": f"≤ {bound} ms" if bound else ("—" if not f["timed"] else f"> {LATENCY_BUCKETS_MS[-1]} ms"),
                "p95_ms": bound or 0,
            }
        )
    chart = bar_chart(
        [(row["aggregator"], row["p95_ms"]) for row in rows], title="Wallet callback p95, last 24 h", unit=" ms"
    )
    return {"rows": rows, "chart": chart if rows else None}


def stale_rounds_panel() -> dict:
    counts = _stale_counts()
    return {"rows": sorted(counts.items()), "total": sum(counts.values())}


def _stale_counts() -> dict[str, int]:
    stale = stale_rounds(older_than=timedelta(seconds=settings.STALE_ROUND_AFTER_SECONDS))
    return dict(stale.values_list("aggregator__code").annotate(n=Count("id")).values_list("aggregator__code", "n"))


def stale_rounds_samples():
    return [({"aggregator": code}, n) for code, n in _stale_counts().items()]


# --- Player page ---------------------------------------------------------------------------------

ROUNDS_PER_PAGE = 20


def wallets_section(player, query) -> dict:
    wallets = Wallet.objects.filter(player=player).select_related("currency").order_by("mode", "currency_id")
    sessions = GameSession.objects.filter(player=player).select_related("aggregator").order_by("-id")[:10]
    return {
        "wallets": [{"wallet": w, "balance": w.currency.format(w.balance)} for w in wallets],
        "sessions": sessions,
    }


def _round_page(player, query) -> tuple[list[GameRound], int | None]:
    """A page of the player's rounds, newest first, older than `before` (a round id): each
    wallet's newest rounds read along its (wallet, -id) index, then merged. No count and no
    OFFSET: a player with 100,000 rounds costs what one with 20 does. Returns the rounds and
    the cursor of the next (older) page, if any."""
    focus = query.get("round", "")
    rounds = GameRound.objects.select_related("aggregator", "wallet__currency")
    if focus.isdigit():
        return list(rounds.filter(pk=int(focus), wallet__player=player)), None
    before = query.get("before", "")
    older_than = int(before) if before.isdigit() and len(before) < 19 else None
    candidates: list[GameRound] = []
    for wallet_id in Wallet.objects.filter(player=player).values_list("pk", flat=True):
        newest = rounds.filter(wallet_id=wallet_id)
        if older_than is not None:
            newest = newest.filter(pk__lt=older_than)
        candidates += newest.order_by("-id")[: ROUNDS_PER_PAGE + 1]
    candidates.sort(key=lambda r: r.pk, reverse=True)
    page = candidates[:ROUNDS_PER_PAGE]
    return page, (page[-1].pk if len(candidates) > ROUNDS_PER_PAGE else None)


def rounds_section(player, query) -> dict:
    """The player's rounds, newest first, a page at a time, each with its calls and their
    ledger rows."""
    page, older = _round_page(player, query)
    ids = [r.pk for r in page]
    calls: dict[int | None, list] = defaultdict(list)
    for call in AggregatorTransaction.objects.filter(round_id__in=ids).order_by("id"):
        calls[call.round_id].append(call)
    entries: dict[int, list] = defaultdict(list)
    ledger_ids = [c.ledger_transaction_id for cs in calls.values() for c in cs if c.ledger_transaction_id]
    for entry in LedgerEntry.objects.filter(transaction_id__in=ledger_ids).select_related(
        "wallet__player", "wallet__currency", "house_account__aggregator", "house_account__currency"
    ):
        entries[entry.transaction_id].append(entry)
    shown = []
    for round_ in page:
        currency = round_.wallet.currency
        shown.append(
            {
                "round": round_,
                "bet_total": currency.format(round_.bet_total),
                "win_total": currency.format(round_.win_total),
                "calls": [
                    {
                        "call": call,
                        "amount": currency.format(call.amount) if call.amount is not None else "—",
                        "balance": currency.format(call.balance) if call.balance is not None else "—",
                        "ms": f"{call.elapsed_us / 1000:.1f}" if call.elapsed_us is not None else "—",
                        "request": _masked_request(call.request),
                        "ledger": [
                            {
                                "entry": e,
                                "account": e.wallet or e.house_account,
                                "amount": currency.format(e.amount),
                                "balance_after": currency.format(e.balance_after)
                                if e.balance_after is not None
                                else "",
                            }
                            for e in entries.get(call.ledger_transaction_id or 0, [])
                        ],
                    }
                    for call in calls.get(round_.pk, [])
                ],
            }
        )
    return {
        "rounds": shown,
        "focused": query.get("round", "").isdigit(),
        "older": older,
        "paged": query.get("before", "").isdigit(),
    }


def _masked_request(request: dict) -> dict:
    if "session_token" in request:
        return {**request, "session_token": backoffice.masked(request["session_token"])}
    return request


def find_by_transaction_or_round(query: str) -> list[backoffice.PlayerMatch]:
    """A player from an aggregator transaction id (ours too: the record's number) or a round id."""
    text = query.strip()
    matches = []
    # Both ids are unique per aggregator, indexed (aggregator, id): naming the aggregators lets
    # PostgreSQL probe that index once per aggregator instead of scanning every call.
    aggregators = list(Aggregator.objects.values_list("pk", flat=True))
    calls = AggregatorTransaction.objects.filter(aggregator__in=aggregators, external_id=text).select_related("wallet")[
        :20
    ]
    matches += [
        backoffice.PlayerMatch(c.wallet.player_id, f"aggregator transaction {c.external_id}", c.round_id) for c in calls
    ]
    rounds = GameRound.objects.filter(aggregator__in=aggregators, external_id=text).select_related("wallet")[:20]
    matches += [backoffice.PlayerMatch(r.wallet.player_id, f"round {r.external_id}", r.pk) for r in rounds]
    return matches


def register() -> None:
    backoffice.dashboard_panel(
        backoffice.DashboardPanel("money", "Real money", "wallet/dashboard/money.html", money_panel, order=10)
    )
    backoffice.dashboard_panel(
        backoffice.DashboardPanel(
            "calls", "Wallet callbacks per aggregator, last 24 h", "wallet/dashboard/calls.html", calls_panel, order=20
        )
    )
    backoffice.dashboard_panel(
        backoffice.DashboardPanel("stale", "Stale rounds", "wallet/dashboard/stale.html", stale_rounds_panel, order=40)
    )
    backoffice.player_section(
        backoffice.PlayerSection("wallets", "Wallets and sessions", "wallet/player/wallets.html", wallets_section, 10)
    )
    backoffice.player_section(
        backoffice.PlayerSection("rounds", "Rounds", "wallet/player/rounds.html", rounds_section, order=20)
    )
    backoffice.player_finder(backoffice.PlayerFinder("wallet", find_by_transaction_or_round, order=20))
    backoffice.gauge_source("casino_stale_rounds", stale_rounds_samples)
