"""The ledger and the call records are partitioned by month (wallet/partitions.py, migration 0010):
a transaction id is still applied exactly once, whatever month its first record went to; months
are created ahead and detached for archiving only past the resend horizon."""

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from casino.models import GameSession
from tests.conftest import balance_of, make_player
from tests.wallet.test_concurrency import assert_ledger_healthy, connect_patiently
from wallet.errors import RetryLater
from wallet.models import AggregatorTransaction, HouseAccount, LedgerEntry, LedgerTransaction
from wallet.partitions import (
    add_months,
    attached_months,
    month_of,
    near_month_turn,
    partition_name,
    partitions_create_ahead,
    rows_in_default,
)
from wallet.selectors import house_account_balance
from wallet.services import MoneyCall, wallet_process_call
from wallet.services import calls as calls_module

CALLS = "wallet_aggregatortransaction"


def first_moment(month) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """timezone.now(), set per thread (clock.at = ...); the real time where it is not set."""
    real_now = timezone.now
    local = threading.local()

    monkeypatch.setattr(timezone, "now", lambda: getattr(local, "at", None) or real_now())
    return local


@pytest.fixture
def session(session):
    """The conftest's session, open long enough for calls made at a month's turn ahead."""
    session.expires_at = timezone.now() + timedelta(days=1000)
    session.save(update_fields=["expires_at"])
    return session


def bet(
    aggregator, session: GameSession, transaction_id: str = "bet-1", amount: int = 250, round_id: str = ""
) -> MoneyCall:
    return MoneyCall(
        aggregator=aggregator,
        kind="bet",
        transaction_id=transaction_id,
        player_id=session.player.external_id,
        session_token=session.token,
        currency="EUR",
        amount=amount,
        round_id=round_id or f"round-{transaction_id}",
        game_code="book-of-tests",
    )


def partition_of(record: AggregatorTransaction) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {CALLS} WHERE id = %s", [record.pk])  # noqa: S608
        return cursor.fetchone()[0]


# --- Exactly once across months ------------------------------------------------------------


@pytest.mark.django_db
def test_a_resend_of_last_months_bet_gets_its_answer_and_moves_no_money(aggregator, session, player, clock):
    last_month = add_months(month_of(timezone.now()), -1)
    partitions_create_ahead(at=first_moment(last_month), months=0)
    clock.at = first_moment(last_month) + timedelta(days=27, hours=23)  # late in last month
    first = wallet_process_call(call=bet(aggregator, session))
    assert first.ok and balance_of(player) == 9_750

    clock.at = None  # now
    again = wallet_process_call(call=bet(aggregator, session))

    assert again.replayed and (again.code, again.balance) == (first.code, first.balance)
    assert again.wallet_transaction_id == first.wallet_transaction_id
    assert balance_of(player) == 9_750
    record = AggregatorTransaction.objects.get(external_id="bet-1")
    assert partition_of(record) == partition_name(CALLS, last_month)
    assert LedgerTransaction.objects.filter(kind="bet").count() == 1


@pytest.mark.django_db
def test_last_months_transaction_id_with_other_content_is_a_duplicate(aggregator, session, player, clock):
    last_month = add_months(month_of(timezone.now()), -1)
    partitions_create_ahead(at=first_moment(last_month), months=0)
    clock.at = first_moment(last_month) + timedelta(days=3)
    wallet_process_call(call=bet(aggregator, session, amount=250))
    clock.at = None

    answer = None
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the code is what matters
        answer = wallet_process_call(call=bet(aggregator, session, amount=999))

    assert answer is None and refused.value.code == "DUPLICATE_TRANSACTION"
    assert balance_of(player) == 9_750


@pytest.mark.django_db
def test_a_ledger_transaction_its_entries_and_its_record_share_one_month(aggregator, session, clock):
    month = add_months(month_of(timezone.now()), 1)  # created ahead by the migration
    clock.at = first_moment(month) + timedelta(hours=5)

    wallet_process_call(call=bet(aggregator, session))

    record = AggregatorTransaction.objects.get(external_id="bet-1")
    ledger = record.ledger_transaction
    assert record.created_at == ledger.created_at == clock.at
    assert {entry.created_at for entry in LedgerEntry.objects.filter(transaction=ledger)} == {clock.at}
    assert partition_of(record) == partition_name(CALLS, month)


@pytest.mark.django_db
def test_the_database_refuses_an_entry_in_another_month_than_its_transaction(aggregator, session):
    wallet_process_call(call=bet(aggregator, session))
    ledger = LedgerTransaction.objects.get(kind="bet")
    house = HouseAccount.objects.get(kind="game")

    with pytest.raises(Exception, match="wallet_ledgerentry_transaction_fk"), transaction.atomic():
        LedgerEntry.objects.create(
            transaction=ledger, house_account=house, amount=1, created_at=ledger.created_at - timedelta(days=40)
        )
        connection.check_constraints()  # the deferred foreign key, now rather than at commit
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_deliveries_on_two_wallets_across_the_turn_of_a_month_apply_once(aggregator, clock):
    # One transaction id on two players' wallets, one delivery a second before the month turns
    # and one a second after: each would go to its own month's partition, where neither month's
    # unique index sees the other. Both are held in flight together: a third connection locks
    # the game account, so each waits at commit (its entries' deferred foreign key) after its
    # lookup, as a slow commit would.
    sessions = []
    for n in (1, 2):
        player = make_player(f"player-{n}")
        sessions.append(
            GameSession.objects.create(
                token=f"token-{n}",
                player=player,
                aggregator=aggregator,
                game_code="book-of-tests",
                currency_id="EUR",
                expires_at=timezone.now() + timedelta(days=1000),
            )
        )
    wallet_process_call(call=bet(aggregator, sessions[0], "warm-up", amount=1))  # creates the game account
    game_account = HouseAccount.objects.get(kind="game")
    turn = first_moment(add_months(month_of(timezone.now()), 1))
    times = [turn - timedelta(seconds=1), turn + timedelta(seconds=1)]
    answers: list = [None, None]
    failures: list = []

    def deliver(i: int) -> None:
        try:
            connect_patiently()
            clock.at = times[i]
            # Rounds of their own: a shared round id's unique key would serialise them by itself.
            call = bet(aggregator, sessions[i], "bet-x", amount=500, round_id=f"round-{i}")
            answers[i] = wallet_process_call(call=call)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        HouseAccount.objects.select_for_update().get(pk=game_account.pk)
        threads = [threading.Thread(target=deliver, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        time.sleep(0.8)  # both past their lookup (or queued on the key's lock); below lock_timeout
    for thread in threads:
        thread.join(timeout=30)

    records = AggregatorTransaction.objects.filter(external_id="bet-x")
    assert records.count() == 1, [(r.wallet_id, r.created_at) for r in records]
    assert LedgerTransaction.objects.filter(reference="bet-x").count() == 1
    debited = sorted(balance_of(session.player) for session in sessions)
    assert debited == [9_499, 10_000] or debited == [9_500, 9_999], debited
    codes = sorted(
        [answer.code for answer in answers if answer is not None]
        + [exc.code for exc in failures if hasattr(exc, "code")]
    )
    assert codes == ["DUPLICATE_TRANSACTION", "OK"], (answers, failures)
    assert_ledger_healthy()


def test_only_calls_near_the_turn_of_a_month_lock_their_key():
    margin = calls_module.MONTH_TURN_MARGIN
    turn = datetime(2026, 12, 1, tzinfo=UTC)

    assert near_month_turn(turn - margin, margin=margin)
    assert near_month_turn(turn + margin - timedelta(microseconds=1), margin=margin)
    assert not near_month_turn(turn - margin - timedelta(seconds=1), margin=margin)
    assert not near_month_turn(turn + margin, margin=margin)
    assert not near_month_turn(datetime(2026, 11, 15, 12, tzinfo=UTC), margin=margin)
    # Two calls in flight together for longer than the margin would escape: none may commit.
    assert calls_module.CALL_LONGEST * 2 < margin


@pytest.mark.django_db
def test_a_call_that_ran_longer_than_the_lock_near_a_turn_covers_is_rolled_back(
    aggregator, session, player, monkeypatch
):
    monkeypatch.setattr(calls_module, "CALL_LONGEST", timedelta(0))  # every call is "too long"

    with pytest.raises(RetryLater):
        wallet_process_call(call=bet(aggregator, session))

    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.filter(external_id="bet-1").exists()


# --- Maintenance ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("ahead", ["-1", "121", "100000000", "two", "1.5"])
def test_partition_months_refuses_a_count_of_months_ahead_it_would_not_be_asked_for(ahead):
    before = attached_months(CALLS)

    with pytest.raises(CommandError, match="--ahead"):
        call_command("partition_months", "--ahead", ahead, stdout=io.StringIO())

    assert attached_months(CALLS) == before


@pytest.mark.django_db
def test_partition_months_creates_the_months_ahead_and_is_safe_to_run_twice():
    ahead = add_months(month_of(timezone.now()), 5)
    out = io.StringIO()

    call_command("partition_months", "--ahead", "5", stdout=out)
    call_command("partition_months", "--ahead", "5", stdout=io.StringIO())

    assert f"created {partition_name(CALLS, ahead)}" in out.getvalue()
    for table in ("wallet_ledgertransaction", "wallet_ledgerentry", CALLS):
        assert ahead in attached_months(table)
    with connection.cursor() as cursor:  # each new month of the call records has the key
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"{partition_name(CALLS, ahead)}_txn_id"]
        )
        assert "UNIQUE" in cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_call_with_no_months_partition_still_lands_and_is_reported(aggregator, session, clock):
    far = add_months(month_of(timezone.now()), 30)  # no partition that far ahead
    clock.at = first_moment(far) + timedelta(days=2)
    answer = wallet_process_call(call=bet(aggregator, session))
    assert answer.ok  # the DEFAULT partition took it: the bet did not fail
    assert rows_in_default()[CALLS] == 1

    clock.at = None
    with pytest.raises(CommandError, match="need attention"):
        call_command("partition_months", stdout=io.StringIO(), stderr=io.StringIO())
    done = partitions_create_ahead(at=first_moment(far), months=0)
    assert partition_name(CALLS, far) in done.skipped  # PostgreSQL would refuse: rows wait in DEFAULT


@pytest.mark.django_db
def test_detach_partition_refuses_a_month_inside_the_resend_horizon(settings):
    settings.PARTITION_RESEND_HORIZON_MONTHS = 6
    recent = add_months(month_of(timezone.now()), -6)
    partitions_create_ahead(at=first_moment(recent), months=0)

    with pytest.raises(CommandError, match="inside the resend horizon"):
        call_command("detach_partition", f"{recent:%Y-%m}")

    assert recent in attached_months(CALLS)


@pytest.mark.django_db
def test_detach_partition_detaches_an_old_month_of_every_table(aggregator, session, clock, settings):
    settings.PARTITION_RESEND_HORIZON_MONTHS = 6
    old = add_months(month_of(timezone.now()), -7)
    partitions_create_ahead(at=first_moment(old), months=0)
    clock.at = first_moment(old) + timedelta(days=10)
    wallet_process_call(call=bet(aggregator, session))
    clock.at = None
    # As if committed (PostgreSQL alters no table with deferred checks pending): the command runs
    # in a transaction of its own.
    connection.check_constraints()
    out = io.StringIO()

    call_command("detach_partition", f"{old:%Y-%m}", stdout=out)

    for table in ("wallet_ledgertransaction", "wallet_ledgerentry", CALLS):
        assert old not in attached_months(table)
        assert f"detached {partition_name(table, old)}" in out.getvalue()
    assert not AggregatorTransaction.objects.filter(external_id="bet-1").exists()
    with connection.cursor() as cursor:  # kept as a plain table, for the archive
        cursor.execute(f'SELECT external_id FROM "{partition_name(CALLS, old)}"')  # noqa: S608
        assert cursor.fetchall() == [("bet-1",)]
    # The balances still count the detached entries: the ledger checks, the game account kept its 250.
    assert balance_of(session.player) == 9_750
    assert house_account_balance(HouseAccount.objects.get(kind="game")) == 250
    assert_ledger_healthy()
