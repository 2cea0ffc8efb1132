"""The database itself refuses what must never happen to money (migration 0002 and the models'
constraints), whatever code, shell session or admin action tries it."""

import uuid

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from casino.models import Mode
from games.services import aggregator_create
from wallet.models import AggregatorTransaction, HouseAccount, LedgerEntry, LedgerTransaction, MoneyRequest, Wallet
from wallet.services import ledger


@pytest.fixture
def bet(native, call, player) -> AggregatorTransaction:
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    assert response.status_code == 200
    return AggregatorTransaction.objects.get(external_id="bet-1")


def refused_by_the_database(sql: str, params: list) -> None:
    # A savepoint, so the refused statement does not abort the test's own transaction.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_ledger_triggers_exist_on_the_database_the_tests_run_on(db):
    # Whichever PostgreSQL this is (CI's, a developer's, the embedded one of `make test`), the
    # money tables carry migration 0002's guards (made again on the partitioned tables by 0010):
    # append-only, and balanced at commit; and a money request names a ledger transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgdeferrable, t.tginitdeferred FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relname LIKE 'wallet_%%'"
            " AND t.tgparentid = 0 ORDER BY t.tgname"  # the partitions' clones left out
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'wallet_ledgerentry_balanced' AND c.relkind = 'r'"
        )
        partitions_balanced = {name for (name,) in cursor.fetchall()}

    assert triggers == [
        ("wallet_aggregatortransaction", "wallet_aggregatortransaction_append_only", False, False),
        ("wallet_ledgerentry", "wallet_ledgerentry_append_only", False, False),
        ("wallet_ledgerentry", "wallet_ledgerentry_balanced", True, True),
        ("wallet_ledgertransaction", "wallet_ledgertransaction_append_only", False, False),
        ("wallet_moneyrequest", "wallet_moneyrequest_ledger_transaction_exists", True, True),
    ]
    assert "wallet_ledgerentry_default" in partitions_balanced
    assert len(partitions_balanced) >= 2  # every partition carries it: this month's too


def test_a_ledger_entry_cannot_be_updated(bet):
    entry = LedgerEntry.objects.get(transaction=bet.ledger_transaction, wallet__isnull=False)

    refused_by_the_database("UPDATE wallet_ledgerentry SET amount = amount - 1000 WHERE id = %s", [entry.pk])

    entry.refresh_from_db()
    assert entry.amount == -250


def test_a_ledger_entry_cannot_be_deleted(bet):
    entry = LedgerEntry.objects.get(transaction=bet.ledger_transaction, wallet__isnull=False)

    refused_by_the_database("DELETE FROM wallet_ledgerentry WHERE id = %s", [entry.pk])

    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_a_ledger_transaction_cannot_be_updated(bet):
    refused_by_the_database(
        "UPDATE wallet_ledgertransaction SET memo = 'edited' WHERE id = %s", [bet.ledger_transaction_id]
    )

    assert LedgerTransaction.objects.get(pk=bet.ledger_transaction_id).memo == ""


def test_a_ledger_transaction_cannot_be_deleted(bet):
    refused_by_the_database("DELETE FROM wallet_ledgertransaction WHERE id = %s", [bet.ledger_transaction_id])

    assert LedgerTransaction.objects.filter(pk=bet.ledger_transaction_id).exists()


def test_an_aggregator_transaction_record_cannot_be_updated(bet):
    refused_by_the_database(
        "UPDATE wallet_aggregatortransaction SET result_code = 'INSUFFICIENT_FUNDS' WHERE id = %s", [bet.pk]
    )

    assert AggregatorTransaction.objects.get(pk=bet.pk).result_code == "OK"


def test_an_aggregator_transaction_record_cannot_be_deleted(bet):
    refused_by_the_database("DELETE FROM wallet_aggregatortransaction WHERE id = %s", [bet.pk])

    assert AggregatorTransaction.objects.filter(pk=bet.pk).exists()


def test_the_orm_cannot_edit_the_ledger_either(bet):
    entries = LedgerEntry.objects.filter(transaction=bet.ledger_transaction)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        entries.update(amount=1)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        entries.delete()

    assert sorted(entries.values_list("amount", flat=True)) == [-250, 250]


def test_a_wallet_balance_cannot_go_negative(player):
    with pytest.raises(IntegrityError, match="wallet_balance_not_negative"), transaction.atomic():
        Wallet.objects.filter(player=player).update(balance=-1)

    assert Wallet.objects.get(player=player).balance == 10_000


def test_an_aggregator_transaction_id_is_recorded_once(bet):
    duplicate = {
        field.attname: getattr(bet, field.attname)
        for field in AggregatorTransaction._meta.concrete_fields
        if field.attname not in ("id", "ledger_transaction_id")
    }

    # The key is a unique index on each month's partition (migration 0010): here this month's.
    with pytest.raises(IntegrityError, match=r"wallet_aggregatortransaction_\d{4}_\d{2}_txn_id"), transaction.atomic():
        AggregatorTransaction.objects.create(**duplicate)

    assert AggregatorTransaction.objects.filter(external_id="bet-1").count() == 1


def test_the_same_transaction_id_may_be_used_by_two_aggregators(bet):
    other = aggregator_create(code="other", signing_secret="s", key_id="other-key")
    duplicate = {
        field.attname: getattr(bet, field.attname)
        for field in AggregatorTransaction._meta.concrete_fields
        if field.attname not in ("id", "ledger_transaction_id", "aggregator_id")
    }

    AggregatorTransaction.objects.create(aggregator=other, **duplicate)

    assert AggregatorTransaction.objects.filter(external_id="bet-1").count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unbalanced_ledger_transaction_is_refused_at_commit(player):
    wallet = Wallet.objects.get(player=player)
    cashier = HouseAccount.objects.get(kind=HouseAccount.Kind.CASHIER, currency_id="EUR", mode=Mode.REAL)

    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        one_legged = LedgerTransaction.objects.create(kind="adjustment", currency_id="EUR", wallet=wallet)
        LedgerEntry.objects.create(transaction=one_legged, wallet=wallet, amount=500, balance_after=10_500)

    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        lopsided = LedgerTransaction.objects.create(kind="adjustment", currency_id="EUR", wallet=wallet)
        LedgerEntry.objects.create(transaction=lopsided, wallet=wallet, amount=500, balance_after=10_500)
        LedgerEntry.objects.create(transaction=lopsided, house_account=cashier, amount=-499)

    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 0
    call_command("check_ledger")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_balanced_ledger_transaction_written_by_hand_commits(player):
    wallet = Wallet.objects.get(player=player)
    cashier = HouseAccount.objects.get(kind=HouseAccount.Kind.CASHIER, currency_id="EUR", mode=Mode.REAL)

    with transaction.atomic():
        balanced = LedgerTransaction.objects.create(kind="adjustment", currency_id="EUR", wallet=wallet)
        LedgerEntry.objects.create(transaction=balanced, wallet=wallet, amount=500, balance_after=10_500)
        LedgerEntry.objects.create(transaction=balanced, house_account=cashier, amount=-500)

    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1


def test_a_ledger_entry_of_zero_is_refused(player):
    wallet = Wallet.objects.get(player=player)
    deposit = LedgerTransaction.objects.get(kind="deposit")

    with pytest.raises(IntegrityError, match="entry_amount_not_zero"), transaction.atomic():
        LedgerEntry.objects.create(transaction=deposit, wallet=wallet, amount=0, balance_after=10_000)


def test_a_remembered_house_account_that_no_longer_exists_is_relearned(native, call, player, aggregator):
    # The id of a house account each process remembers is a hint: here it names no row (as
    # after a rolled-back creation). The bet must still post both legs, to the real account.
    key = ledger.AccountKey(HouseAccount.Kind.GAME, "EUR", Mode.REAL, aggregator.pk)
    ledger._house_account_ids.clear()
    ledger._house_account_ids[key] = 999_999_999

    response = native.post("bet", call("bet", transaction_id="bet-stale", amount=250))

    assert response.status_code == 200
    posted = LedgerTransaction.objects.get(reference="bet-stale")
    house = HouseAccount.objects.get(**key._asdict())
    assert sorted(e.amount for e in posted.entries.all()) == [-250, 250]
    assert posted.entries.get(amount=250).house_account == house
    assert ledger._house_account_ids[key] == house.pk


def test_a_money_request_must_name_a_ledger_transaction_that_exists(player, django_user_model):
    # No foreign key can point at the partitioned ledger's id alone: a trigger checks it instead
    # (migration 0010), at commit like the foreign key it replaces.
    staff = django_user_model.objects.create_user("finance")
    wallet = Wallet.objects.get(player=player)
    deposit = LedgerTransaction.objects.get(kind="deposit")

    def posted_request(ledger_transaction_id: int) -> None:
        now = timezone.now()
        MoneyRequest.objects.create(
            request_key=uuid.uuid4(),
            wallet=wallet,
            operation="deposit",
            amount=100,
            memo="test",
            status="posted",
            requested_by=staff,
            requested_at=now,
            expires_at=now,
            ledger_transaction_id=ledger_transaction_id,
        )
        connection.check_constraints()  # the deferred checks, now rather than at commit

    with pytest.raises(IntegrityError, match="is not a row of wallet_ledgertransaction"), transaction.atomic():
        posted_request(999_999_999)
    with transaction.atomic():
        posted_request(deposit.pk)

    assert MoneyRequest.objects.get().ledger_transaction == deposit
