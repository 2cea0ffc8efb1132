"""The two statements responsible gaming adds to a money call, written out (like wallet/rows.py,
and through its prepared-statement cursor): a bet reads the player's limits, this currency's
totals and the exclusions in force in one statement, and an applied bet, win, rollback or
deposit adds itself to its day's totals in one upsert (weeks and months are sums of days). Both
run under the wallet's lock, which serialises every money call of the player in that currency, so
the totals are exact without a lock of their own. A money call sends neither on its own: the read
goes in the lock's pipeline (session_state_query, keyed by the session token) and the upsert is a
CTE of the call's one write statement (totals_upsert), both handed to the wallet through
casino/responsible_gaming.py.
Table and column names come from the models; tests/compliance/test_rg_totals.py checks the
statements against the ORM.
"""

from __future__ import annotations

import functools
from datetime import datetime

from casino.models import GameSession, Mode, Player
from compliance.models import RgDayTotal, RgExclusion, RgLimit
from compliance.rg.exclusions import ExclusionSpan, exclusion_refusal_from
from compliance.rg.periods import Period, operator_tz, period_end, period_start
from compliance.rg.state import LimitRow, RgState, Totals
from wallet import rows


def _c(model, name: str) -> str:
    return model._meta.get_field(name).column


# Whose state a read is for: the first statement of `WITH who AS (...)`, one row (id, currency)
# or none. By player: the two parameters themselves. By session (a bet, sent with the wallet
# lock, before the player is known): the session's player and currency, only for real money of
# a player with RG state, so anyone else's bet costs an index lookup that finds nothing.
WHO_PLAYER = "SELECT %s::bigint AS id, %s::varchar AS currency"


@functools.cache
def _who_session() -> str:
    s_, p_ = functools.partial(_c, GameSession), functools.partial(_c, Player)
    return (
        f"SELECT s.{s_('player')} AS id, s.{s_('currency')} AS currency"  # noqa: S608
        f" FROM {GameSession._meta.db_table} s JOIN {Player._meta.db_table} p ON p.id = s.{s_('player')}"
        f" WHERE s.{s_('token')} = %s AND s.{s_('aggregator')} = %s AND s.{s_('mode')} = '{Mode.REAL.value}'"
        f" AND p.{p_('has_rg_state')}"
    )


@functools.cache
def _read_sql(who: str) -> str:
    lim, tot, exc = RgLimit._meta.db_table, RgDayTotal._meta.db_table, RgExclusion._meta.db_table
    l_, t_ = functools.partial(_c, RgLimit), functools.partial(_c, RgDayTotal)
    x_ = functools.partial(_c, RgExclusion)
    # One statement, three arms of one row shape, told apart by the first column: "l" a limit,
    # "t" a period's totals, "x" an exclusion in force. Each arm reads along an index's leading
    # columns (the totals': rg_day_total_unique; the exclusions': rg_exclusion_player_end).
    # A period's totals are the sum of its days (RgDayTotal), read only for the periods the
    # player has a limit of: a daily limit costs one row, a monthly one at most 31.
    return (
        f"WITH who AS ({who})"  # noqa: S608
        f" SELECT 'l', l.{l_('kind')}, l.{l_('period')}, l.{l_('currency')}, l.{l_('amount')},"
        f" l.{l_('pending_amount')}, l.{l_('pending_at')}, NULL::bigint, NULL::timestamptz"
        f" FROM who JOIN {lim} l ON l.{l_('player')} = who.id"
        f" UNION ALL SELECT 't', NULL, p.period, NULL, sum(t.{t_('wagered')})::bigint,"
        f" sum(t.{t_('net_loss')})::bigint, p.starts_at, sum(t.{t_('deposited')})::bigint, NULL"
        " FROM who CROSS JOIN (VALUES ('day', %s::timestamptz), ('week', %s::timestamptz),"
        " ('month', %s::timestamptz)) AS p(period, starts_at)"
        f" JOIN {tot} t ON t.{t_('player')} = who.id AND t.{t_('currency')} = who.currency"
        f" AND t.{t_('day')} >= p.starts_at AND t.{t_('day')} <= %s"  # up to today (not a later day's row)
        f" WHERE p.period IN (SELECT l.{l_('period')} FROM {lim} l WHERE l.{l_('player')} = who.id)"
        " GROUP BY p.period, p.starts_at"
        f" UNION ALL SELECT 'x', x.{x_('kind')}, NULL, NULL, NULL, NULL, x.{x_('starts_at')}, NULL,"
        f" x.{x_('ends_at')} FROM who JOIN {exc} x ON x.{x_('player')} = who.id AND x.{x_('starts_at')} <= %s"
        f" AND (x.{x_('ends_at')} IS NULL OR x.{x_('ends_at')} > %s)"
    )


@functools.cache
def _upsert_sql() -> str:
    tot = RgDayTotal._meta.db_table
    t_ = functools.partial(_c, RgDayTotal)
    key = ", ".join(t_(name) for name in ("player", "currency", "day"))  # rg_day_total_unique
    sums = ", ".join(
        f"{t_(name)} = t.{t_(name)} + EXCLUDED.{t_(name)}" for name in ("wagered", "net_loss", "deposited")
    )
    return (
        f"INSERT INTO {tot} AS t ({key}, {t_('wagered')}, {t_('net_loss')}, {t_('deposited')})"  # noqa: S608
        f" VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT ({key}) DO UPDATE SET {sums}"
    )


# The last answer of current_starts, with the day it holds for: a money call asks it up to three
# times, and every call of the day gets the same starts (zoneinfo arithmetic costs ~15 us).
_starts_of_day: tuple[str, datetime, datetime, dict[str, datetime]] | None = None


def current_starts(at: datetime) -> dict[str, datetime]:
    """The starts of the day, week and month current at `at` in the operator's time zone."""
    global _starts_of_day
    tz = operator_tz()
    known = _starts_of_day
    if known is not None and known[0] == tz.key and known[1] <= at < known[2]:
        return known[3]
    starts = {period: period_start(period, at, tz) for period in Period}
    _starts_of_day = (tz.key, starts[Period.DAY], period_end(Period.DAY, starts[Period.DAY], tz), starts)
    return starts


def _periods(at: datetime) -> list[datetime]:
    """The read's parameters for the periods: the starts of the day, week and month, then today."""
    starts = current_starts(at)
    return [starts[Period.DAY], starts[Period.WEEK], starts[Period.MONTH], starts[Period.DAY]]


def state_query(*, player_id: int, currency: str, at: datetime) -> tuple[str, list]:
    """The statement state_read sends, and its parameters."""
    return _read_sql(WHO_PLAYER), [player_id, currency, *_periods(at), at, at]


def session_state_query(*, session_token: str, aggregator_id: int, at: datetime) -> tuple[str, list]:
    """The same read for the player of an aggregator's session, for a bet to send in the wallet
    lock's round trip (it runs once the lock is granted, so it sees the totals the previous
    holder committed). No rows unless the session is real money of a player with RG state."""
    return _read_sql(_who_session()), [session_token, aggregator_id, *_periods(at), at, at]


def state_from(
    found: list[tuple], *, currency: str, at: datetime, session_started_at: datetime | None = None
) -> RgState:
    """The RgState of state_query's rows."""
    limits, totals, exclusions = [], {}, []
    for arm, kind, period, limit_currency, a, b, when, deposited, ends_at in found:
        if arm == "l":
            limits.append(LimitRow(kind, period, limit_currency, a, b, when))
        elif arm == "x":
            exclusions.append(ExclusionSpan(kind, when, ends_at))
        else:
            totals[period] = Totals(wagered=a, net_loss=b, deposited=deposited)
    return RgState(
        currency=currency,
        limits=tuple(limits),
        totals=totals,
        session_started_at=session_started_at,
        # The exclusion that holds at `at` (cool-off, self-exclusion), so that one starting
        # while the player is in a game refuses the next bet.
        exclusion=exclusion_refusal_from(exclusions, at),
    )


def state_read(*, player_id: int, currency: str, at: datetime, session_started_at: datetime | None = None) -> RgState:
    """The player's limits (every currency), `currency`'s totals of the periods current at `at`,
    and the exclusions in force at `at`: one prepared statement."""
    sql, params = state_query(player_id=player_id, currency=currency, at=at)
    with rows.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return state_from(found, currency=currency, at=at, session_started_at=session_started_at)


# What each applied money movement adds to (wagered, net_loss, deposited).
DELTAS = {
    "bet": (1, 1, 0),
    "win": (0, -1, 0),
    "rollback": (-1, -1, 0),  # a refund: the bet neither wagered nor lost (counted when it comes)
    "deposit": (0, 0, 1),
}


def totals_upsert(*, player_id: int, currency: str, kind: str, amount: int, at: datetime) -> tuple[str, list]:
    """The upsert adding an applied movement of `amount` (> 0) to the totals of the periods
    current at `at`, and its parameters: for a caller that sends it with writes of its own (a
    money call's one write statement, wallet/services/writes.py)."""
    wagered, net_loss, deposited = (sign * amount for sign in DELTAS[kind])
    day = current_starts(at)[Period.DAY]
    return _upsert_sql(), [player_id, currency, day, wagered, net_loss, deposited]


def totals_add(*, player_id: int, currency: str, kind: str, amount: int, at: datetime) -> None:
    """Add an applied movement of `amount` (> 0) to the totals of the periods current at `at`."""
    sql, params = totals_upsert(player_id=player_id, currency=currency, kind=kind, amount=amount, at=at)
    with rows.cursor() as cursor:
        cursor.execute(sql, params)
