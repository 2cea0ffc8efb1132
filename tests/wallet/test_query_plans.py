"""The money path's reads stay index lookups, whatever the values and the statistics.

They run as prepared statements (wallet/rows.py): PostgreSQL plans each once per connection,
without knowing the values. A lookup written so that only the values make an index usable (an
OR of two lookups, or a partial index whose condition the query does not repeat) then reads
every record of the aggregator on every call, which the bench saw as a database three times
busier than it needed to be. Here each read's generic plan must find its rows through index
conditions alone.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from casino import responsible_gaming
from compliance.audit.export import _statement_sql
from wallet import rows
from wallet.locks import _session_query
from wallet.models import AggregatorTransaction, HouseAccount, LedgerEntry, LedgerTransaction, Wallet
from wallet.partitions import add_months, month_of, partition_name, partitions_create_ahead
from wallet.services.calls import _records_query, _rounds_query
from wallet.services.rules import MoneyCall

pytestmark = pytest.mark.django_db

ROWS = 3000

# A few thousand players with a session each, and as many rounds and call records (one in ten
# a rollback), as a database in service holds; then the planner's statistics on them.
IN_SERVICE = [
    """INSERT INTO casino_player (external_id, status, country, kyc_status, created_at)
       SELECT 'plan-' || n, 'active', 'MT', 'none', now() FROM generate_series(1, %(rows)s) n""",
    """INSERT INTO wallet_wallet (player_id, currency_id, mode, balance, created_at)
       SELECT id, 'EUR', 'real', 0, now() FROM casino_player WHERE external_id LIKE 'plan-%%'""",
    """INSERT INTO casino_gamesession
           (token, player_id, aggregator_id, game_code, currency_id, mode, created_at, expires_at)
       SELECT 'token-' || w.id, w.player_id, %(aggregator)s, 'g', 'EUR', 'real', now(), now()
       FROM wallet_wallet w""",
    """INSERT INTO wallet_gameround (aggregator_id, external_id, wallet_id, session_id, game_code, status, live_bets,
           rolled_back_bets, bet_total, win_total, opened_at, last_activity_at)
       SELECT s.aggregator_id, 'round-' || s.id, w.id, s.id, 'g', 'open', 1, 0, 100, 0, now(), now()
       FROM casino_gamesession s
       JOIN wallet_wallet w ON w.player_id = s.player_id AND w.currency_id = s.currency_id AND w.mode = s.mode""",
    # Half of the records last month, half this month: two partitions hold rows (and the months
    # created ahead, and the DEFAULT partition, none).
    """INSERT INTO wallet_aggregatortransaction (aggregator_id, external_id, kind, mode, wallet_id, session_id,
           round_id, amount, game_code, spin_type, round_closed, reference_id, request, outcome, result_code,
           message, created_at)
       SELECT r.aggregator_id, 'tx-' || r.id, CASE WHEN r.id %% 10 = 0 THEN 'rollback' ELSE 'bet' END, 'real',
           r.wallet_id, r.session_id, r.id, 100, 'g', 'cash', false,
           CASE WHEN r.id %% 10 = 0 THEN 'tx-' || (r.id - 1) ELSE '' END, '{}', 'applied', 'OK', '',
           CASE WHEN r.id %% 20 < 10 THEN now() - interval '1 month' ELSE now() END
       FROM wallet_gameround r""",
    """INSERT INTO wallet_ledgertransaction (kind, mode, currency_id, wallet_id, reference, memo, created_at)
       SELECT 'deposit', 'real', 'EUR', w.id, '', '', month.at
       FROM wallet_wallet w CROSS JOIN (VALUES (now()), (now() - interval '1 month')) month(at)""",
    # Responsible gaming: a daily loss limit, a day's totals and an ended cool-off per player.
    """INSERT INTO compliance_rglimit (player_id, kind, period, currency_id, amount, updated_at)
       SELECT id, 'loss', 'day', 'EUR', 100000, now() FROM casino_player WHERE external_id LIKE 'plan-%%'""",
    """INSERT INTO compliance_rgdaytotal (player_id, currency_id, day, wagered, net_loss, deposited)
       SELECT id, 'EUR', date_trunc('day', now()), 100, 100, 0 FROM casino_player
       WHERE external_id LIKE 'plan-%%'""",
    """INSERT INTO compliance_rgexclusion (player_id, kind, term, starts_at, ends_at, source, created_at)
       SELECT id, 'cool_off', 'P1D', now() - interval '3 days', now() - interval '2 days', 'player', now()
       FROM casino_player WHERE external_id LIKE 'plan-%%'""",
    "UPDATE casino_player SET has_rg_state = true WHERE external_id LIKE 'plan-%%'",
    "ANALYZE",
]


def last_month(at: datetime) -> datetime:
    month = add_months(month_of(at), -1)
    return datetime(month.year, month.month, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def in_service(aggregator):
    partitions_create_ahead(at=last_month(timezone.now()), months=1)  # last month's too
    with connection.cursor() as cursor:
        for statement in IN_SERVICE:
            cursor.execute(statement, {"rows": ROWS, "aggregator": aggregator.pk})


def generic_plan(sql: str, params: list) -> str:
    prepared = rows.numbered(sql)  # as the money path sends it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE money_read AS {prepared}")
        try:
            cursor.execute(f"EXPLAIN EXECUTE money_read({', '.join(['%s'] * len(params))})", params)
            return "\n".join(line for (line,) in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE money_read")


def empty_tables() -> set[str]:
    """The tables (partitions among them) that hold no row, by the statistics of ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples <= 0")
        return {name for (name,) in cursor.fetchall()}


def scans(plan: str) -> list[tuple[str, list[str]]]:
    """Each scan node of `plan` (its line) with the lines of detail under it."""
    nodes: list[tuple[str, list[str]]] = []
    for line in plan.splitlines():
        if " on " in line and "Scan" in line:
            nodes.append((line, []))
        elif nodes:
            nodes[-1][1].append(line)
    return nodes


def assert_index_lookups(plan: str, keys: tuple[str, ...]) -> None:
    """Every table or partition holding rows is read by an index lookup on `keys`, never a
    filter. An empty table or partition (a month created ahead, the DEFAULT one) may be scanned:
    it has no page to read, and a prepared plan is made again once ANALYZE gives it rows (and at
    the latest with each new connection, DB_CONN_MAX_AGE)."""
    empty = empty_tables()
    for scan, details in scans(plan):
        if "Seq Scan" in scan:
            table = re.search(r"Seq Scan on (\w+)", scan).group(1)
            assert table in empty, f"{table} holds rows and is scanned:\n{plan}"
            continue
        for line in details:
            if "Filter:" in line:
                assert not any(key in line for key in keys), f"a key is filtered, not looked up:\n{plan}"
    for key in keys:
        assert re.search(rf"Index Cond: .*{key}", plan), f"no index lookup on {key}:\n{plan}"


def partitions_read(plan: str, table: str) -> set[str]:
    return set(re.findall(rf"on ({table}_\w+)", plan))


def money_call(aggregator, **fields) -> MoneyCall:
    return MoneyCall(
        aggregator=aggregator,
        kind=fields.pop("kind", "bet"),
        transaction_id="tx-1",
        player_id="player-1",
        session_token="token-1",
        currency="EUR",
        amount=100,
        **fields,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"round_id": "round-1"},  # a bet or a win
        {"kind": "rollback", "round_id": "round-1", "reference_id": "tx-0"},
        {"kind": "rollback", "reference_id": "tx-0"},  # a rollback that names no round
    ],
)
def test_the_reads_of_a_money_call_find_their_rows_by_index(aggregator, fields):
    call = money_call(aggregator, **fields)

    records = _records_query(call)
    assert_index_lookups(generic_plan(records.sql, records.params), ("external_id", "reference_id"))
    rounds = _rounds_query(call)
    assert_index_lookups(generic_plan(rounds.sql, rounds.params), ("external_id",))


def test_the_session_and_wallet_lock_find_their_row_by_index(aggregator):
    session = _session_query("token-1", aggregator.pk, " FOR UPDATE OF w")

    assert_index_lookups(generic_plan(session.sql, session.params), ("token",))


def test_a_bets_responsible_gaming_read_finds_its_rows_by_index(aggregator):
    sql, params = responsible_gaming.provider().bet_state_query(
        session_token="token-1", aggregator_id=aggregator.pk, at=timezone.now()
    )

    assert_index_lookups(generic_plan(sql, params), ("token", "player_id"))


def test_the_call_records_lookup_reads_each_month_holding_records_by_index(aggregator):
    # A resend of last month's bet must find it: the lookup reads every attached month.
    records = _records_query(money_call(aggregator, round_id="round-1"))
    plan = generic_plan(records.sql, records.params)

    now = timezone.now()
    for month in (month_of(last_month(now)), month_of(now)):
        assert partition_name("wallet_aggregatortransaction", month) in partitions_read(
            plan, "wallet_aggregatortransaction"
        )
    assert_index_lookups(plan, ("external_id",))


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "table"),
    [(AggregatorTransaction, "wallet_aggregatortransaction"), (LedgerTransaction, "wallet_ledgertransaction")],
)
def test_a_read_of_an_hour_reads_only_its_month(aggregator, model, table):
    # Reconciliation's windows, reports and exports read by created_at: only the month they need.
    end = timezone.now()
    start = end - timedelta(hours=1)
    window = model.objects.filter(created_at__gte=start, created_at__lt=end)

    plan = explain(window.values("id"))

    # (In the first hour of a month the window reaches back into the month before.)
    assert partitions_read(plan, table) == {partition_name(table, month) for month in {month_of(start), month_of(end)}}


# Each bet's two legs: one on its wallet, one on the game's house account.
LEGS = [
    """INSERT INTO wallet_houseaccount (kind, currency_id, mode) VALUES ('cashier', 'EUR', 'real')""",
    """INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, amount, balance_after, created_at)
       SELECT id, wallet_id, 100, 100, created_at FROM wallet_ledgertransaction""",
    """INSERT INTO wallet_ledgerentry (transaction_id, house_account_id, amount, created_at)
       SELECT t.id, h.id, -100, t.created_at FROM wallet_ledgertransaction t CROSS JOIN wallet_houseaccount h""",
    "ANALYZE",
]


@pytest.fixture
def legs(in_service):
    with connection.cursor() as cursor:
        for statement in LEGS:
            cursor.execute(statement)


def test_a_players_statement_finds_their_legs_by_index(legs):
    # The legs' wallet index holds only wallet legs (migration wallet 0012): still the lookup.
    player = Wallet.objects.filter(player__external_id="plan-7").values_list("player_id", flat=True).get()
    end = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {_statement_sql()}", [player, end - timedelta(days=60), end])
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert_index_lookups(plan, ("player_id", "wallet_id"))


def test_a_house_accounts_balance_reads_its_legs_by_index(legs):
    account = HouseAccount.objects.get()

    plan = explain(LedgerEntry.objects.filter(house_account=account).values("amount"))

    assert_index_lookups(plan, ("house_account_id",))


@pytest.mark.parametrize("field", ["created_by", "approved_by"])
def test_a_staff_members_ledger_transactions_are_found_by_index(admin_user, field):
    # What deleting a user checks first (PROTECT), and "what did they post": bets leave these
    # NULL and the indexes hold only the staff's rows (migration wallet 0012).
    plan = explain(LedgerTransaction.objects.filter(**{f"{field}__in": [admin_user.pk]}).values("id"))

    assert_index_lookups(plan, (f"{field}_id",))
