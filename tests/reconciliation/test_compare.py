"""The comparison: each class found exactly, nothing on a clean window, reruns idempotent,
healed ones closed (through reconciliation_run with their side in hand)."""

from reconciliation.models import Discrepancy, ReconciliationRun, Source
from reconciliation.services.runs import reconciliation_run
from tests.reconciliation.conftest import their


def run(aggregator, window, rows):
    start, end = window
    return reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT, rows=rows)


def test_a_clean_window_finds_nothing(aggregator, money, window):
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    result = run(aggregator, window, [their("b-1", "bet", 100), their("w-1", "win", 250)])
    assert result.status == ReconciliationRun.Status.SUCCEEDED, result.error
    assert result.counts == {}
    assert (result.their_rows, result.our_rows) == (2, 2)
    assert not Discrepancy.objects.exists()


def test_each_class_is_found_once_and_nothing_more(aggregator, money, window):
    # given: clean round r-1, and one seeded difference of each class
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    money("bet", "b-2", 100, round_id="r-2")  # they report another amount
    money("bet", "b-3", 100, round_id="r-3")  # rolled back here, settled there
    money("rollback", "rb-3", None, round_id="r-3", reference_id="b-3")
    money("bet", "b-4", 100, round_id="r-4")  # reported in another currency
    money("bet", "b-5", 100, round_id="r-5")  # reported twice
    money("bet", "b-6", 100, round_id="r-6")  # missing there
    rows = [
        their("b-1", "bet", 100),
        their("w-1", "win", 250),
        their("b-2", "bet", 150, round_id="r-2"),
        their("b-3", "bet", 100, round_id="r-3"),
        their("rb-3", "rollback", 100, round_id="r-3"),
        their("b-4", "bet", 100, round_id="r-4", currency="USD"),
        their("b-5", "bet", 100, round_id="r-5"),
        their("b-5", "bet", 100, round_id="r-5"),
        their("b-7", "bet", 100, round_id="r-7"),  # missing here
    ]
    # when
    first = run(aggregator, window, rows)
    # then
    assert first.counts == {
        "amount_mismatch": 1,
        "status_mismatch": 1,
        "currency_mismatch": 1,
        "duplicate_there": 1,
        "missing_there": 1,
        "missing_here": 1,
    }
    found = {d.kind: d for d in Discrepancy.objects.all()}
    assert {k: d.transaction_id for k, d in found.items()} == {
        "amount_mismatch": "b-2",
        "status_mismatch": "b-3",
        "currency_mismatch": "b-4",
        "duplicate_there": "b-5",
        "missing_there": "b-6",
        "missing_here": "b-7",
    }
    assert (found["amount_mismatch"].their_amount, found["amount_mismatch"].our_amount) == (150, 100)
    assert (found["status_mismatch"].their_status, found["status_mismatch"].our_status) == ("settled", "rolled_back")
    assert (found["currency_mismatch"].their_currency, found["currency_mismatch"].our_currency) == ("USD", "EUR")
    assert found["duplicate_there"].their_copies == 2
    assert found["missing_there"].our_record is not None and found["missing_there"].round_id == "r-6"
    assert found["missing_here"].our_record is None and found["missing_here"].player_id == "player-1"
    assert all(d.history.filter(history_type="+").count() == 1 for d in found.values())

    # a rerun changes nothing
    second = run(aggregator, window, rows)
    assert second.counts == first.counts and second.new_discrepancies == 0 and second.healed == 0
    assert Discrepancy.objects.count() == 6


def test_a_discrepancy_that_heals_is_closed_as_self_healed(aggregator, money, window):
    money("bet", "b-1", 100)
    rows = [their("b-1", "bet", 100), their("w-1", "win", 250)]
    run(aggregator, window, rows)
    missing = Discrepancy.objects.get()
    assert missing.kind == "missing_here"
    # the win reaches us late
    money("win", "w-1", 250, round_closed=True)
    later = run(aggregator, window, rows)
    assert later.counts == {} and later.healed == 1
    missing.refresh_from_db()
    assert (missing.status, missing.resolution) == ("resolved", "self_healed")
    assert missing.history.first().history_type == "~"


def test_what_staff_resolved_is_not_opened_again_by_a_rerun(aggregator, money, window, django_user_model):
    from reconciliation.services.discrepancies import discrepancy_resolve

    money("bet", "b-1", 100)
    rows = [their("b-1", "bet", 120)]
    run(aggregator, window, rows)
    staff = django_user_model.objects.create_user("ops")
    mismatch = Discrepancy.objects.get()
    discrepancy_resolve(discrepancy_id=mismatch.pk, resolution="accepted", note="their rounding", staff_user=staff)
    again = run(aggregator, window, rows)
    assert again.counts == {"amount_mismatch": 1} and again.new_discrepancies == 0
    assert Discrepancy.objects.count() == 1
