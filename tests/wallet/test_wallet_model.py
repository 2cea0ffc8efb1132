"""A model of the wallet rules (docs/native-protocol.md, sections 5 to 9), checked against the real
services by hypothesis: any sequence of bets, wins, rollbacks, resends, expiries, blocks and
deposits gives the answers the rules say, and after every step the balance is what the model
says, equals the sum of its ledger entries, and is never negative."""

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from casino.models import Aggregator, GameSession, Player
from games.services import session_open
from tests.conftest import make_player
from wallet.errors import WalletError
from wallet.models import Wallet
from wallet.selectors import ledger_violations, session_wallet
from wallet.services import MoneyCall, wallet_deposit, wallet_process_call

ROUNDS = ["r1", "r2", "r3", "r4"]
CLOSES = st.sampled_from([False, False, False, True])  # most spins leave their round open
_players = itertools.count()


@dataclass
class Round:
    closed: bool = False
    live: int = 0
    rolled_back: int = 0


@dataclass
class Record:
    """What the model remembers of a call: its content and the answer it got."""

    kind: str
    content: tuple
    answer: tuple
    amount: int | None = None
    round_id: str = ""
    applied: bool = False
    rolled_back: bool = False


@dataclass
class Model:
    balance: int = 3_000
    expired: bool = False
    status: str = Player.Status.ACTIVE
    rounds: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    tombstones: set = field(default_factory=set)


class WalletMachine(RuleBasedStateMachine):
    aggregator: Aggregator

    @initialize()
    def open_a_session(self):
        self.player = make_player(f"model-{next(_players)}", deposit=3_000)
        self.session = session_open(player=self.player, aggregator=self.aggregator, game_code="g", currency="EUR")
        self.model = Model()
        self.ids = itertools.count()

    # --- talking to the wallet ---------------------------------------------------------

    def send(self, kind, tx, *, amount, round_id="", spin_type="cash", round_closed=False, reference_id=""):
        if round_id:
            round_id = f"{self.player.external_id}-{round_id}"  # rounds are per aggregator: keep examples apart
        call = MoneyCall(
            aggregator=self.aggregator,
            kind=kind,
            transaction_id=tx,
            player_id=self.player.external_id,
            session_token=self.session.token,
            currency="EUR",
            amount=amount,
            round_id=round_id,
            game_code="g" if round_id else "",
            spin_type=spin_type,
            round_closed=round_closed,
            reference_id=reference_id,
        )
        try:
            answer = wallet_process_call(call=call)
        except WalletError as error:
            return (str(error.code), error.balance)
        return (answer.code, answer.balance)

    def new_id(self, kind: str) -> str:
        return f"{self.player.external_id}-{kind}-{next(self.ids)}"

    def remember(self, tx: str, record: Record) -> None:
        if record.answer[0] in ("OK", *REMEMBERED):
            self.model.records[tx] = record

    def round(self, round_id: str) -> Round | None:
        return self.model.rounds.get(round_id)

    # --- the rules, as the model states them ---------------------------------------------

    @rule(round_id=st.sampled_from(ROUNDS), amount=st.integers(1, 6_000), closes=CLOSES)
    def bet(self, round_id, amount, closes):
        m, tx = self.model, self.new_id("bet")
        round_ = self.round(round_id)
        if m.expired:
            expected = "SESSION_EXPIRED"
        elif m.status == Player.Status.BLOCKED:
            expected = "PLAYER_BLOCKED"
        elif round_ is not None and round_.closed:
            expected = "ROUND_CLOSED"
        elif amount > m.balance:
            expected = "INSUFFICIENT_FUNDS"
        else:
            expected = "OK"
            m.balance -= amount
            round_ = m.rounds.setdefault(round_id, Round())
            round_.live += 1
            round_.closed = round_.closed or closes

        answer = self.send("bet", tx, amount=amount, round_id=round_id, round_closed=closes)

        assert answer == (expected, m.balance)
        content = ("bet", amount, round_id, "cash", "")
        self.remember(tx, Record("bet", content, answer, amount, round_id, applied=expected == "OK"))

    @precondition(lambda self: self.model.tombstones - set(self.model.records))
    @rule(data=st.data())
    def late_bet_after_its_rollback(self, data):
        """The bet a tombstone rollback named arrives after all."""
        m = self.model
        tx = data.draw(st.sampled_from(sorted(m.tombstones - set(m.records))))
        if m.expired:
            expected = "SESSION_EXPIRED"
        elif m.status != Player.Status.ACTIVE:
            expected = "PLAYER_BLOCKED"
        else:
            expected = "TRANSACTION_ROLLED_BACK"

        answer = self.send("bet", tx, amount=100, round_id="r-late")

        assert answer == (expected, m.balance)
        self.remember(tx, Record("bet", ("bet", 100, "r-late", "cash", ""), answer, 100, "r-late"))

    @rule(
        round_id=st.sampled_from(ROUNDS),
        amount=st.integers(0, 4_000),
        spin_type=st.sampled_from(["cash", "cash", "free", "promo", "tournament"]),
        closes=CLOSES,
    )
    def win(self, round_id, amount, spin_type, closes):
        m, tx = self.model, self.new_id("win")
        round_ = self.round(round_id)
        if round_ is not None and round_.closed:
            expected = "ROUND_CLOSED"
        elif spin_type == "cash" and (round_ is None or round_.live == 0):
            expected = (
                "TRANSACTION_ROLLED_BACK" if round_ is not None and round_.rolled_back else "TRANSACTION_NOT_FOUND"
            )
        else:
            expected = "OK"
            m.balance += amount
            round_ = m.rounds.setdefault(round_id, Round())
            round_.closed = round_.closed or closes

        answer = self.send("win", tx, amount=amount, round_id=round_id, spin_type=spin_type, round_closed=closes)

        assert answer == (expected, m.balance)
        self.remember(tx, Record("win", ("win", amount, round_id, spin_type, ""), answer, amount, round_id))

    @rule(data=st.data(), amount_kind=st.sampled_from(["none", "none", "same", "other"]))
    def rollback(self, data, amount_kind):
        m, tx = self.model, self.new_id("rb")
        target_id = data.draw(st.sampled_from([*sorted(m.records), self.new_id("unseen")]))
        target = m.records.get(target_id)
        amount = None
        if amount_kind == "same" and target is not None and target.amount:
            amount = target.amount
        elif amount_kind == "other":
            amount = (target.amount or 0) + 1 if target is not None else 7

        remembered = True
        if target is None:
            expected = "OK"
            m.tombstones.add(target_id)
        elif target.kind != "bet":
            expected = "TRANSACTION_ALREADY_SETTLED"
        elif not target.applied or target.rolled_back:
            expected = "OK"
        elif amount is not None and amount != target.amount:
            expected, remembered = "VALIDATION_ERROR", False
        elif self.round(target.round_id).closed:
            expected = "TRANSACTION_ALREADY_SETTLED"
        else:
            expected = "OK"
            m.balance += target.amount
            target.rolled_back = True
            round_ = self.round(target.round_id)
            round_.live -= 1
            round_.rolled_back += 1

        answer = self.send("rollback", tx, amount=amount, reference_id=target_id)

        assert answer == (expected, m.balance)
        if remembered:
            self.remember(tx, Record("rollback", ("rollback", amount, "", "cash", target_id), answer))

    @precondition(lambda self: self.model.records)
    @rule(data=st.data(), round_closed=st.booleans())
    def resend(self, data, round_closed):
        """Same id, same content: the first answer, and nothing moves (round_closed is not content)."""
        tx = data.draw(st.sampled_from(sorted(self.model.records)))
        record = self.model.records[tx]
        kind, amount, round_id, spin_type, reference_id = record.content

        answer = self.send(
            kind,
            tx,
            amount=amount,
            round_id=round_id,
            spin_type=spin_type,
            reference_id=reference_id,
            round_closed=round_closed,
        )

        assert answer == record.answer

    @precondition(lambda self: self.model.records)
    @rule(data=st.data())
    def resend_with_other_content(self, data):
        tx = data.draw(st.sampled_from(sorted(self.model.records)))
        kind, amount, round_id, spin_type, reference_id = self.model.records[tx].content

        answer = self.send(
            kind, tx, amount=(amount or 0) + 1, round_id=round_id, spin_type=spin_type, reference_id=reference_id
        )

        assert answer == ("DUPLICATE_TRANSACTION", self.model.balance)

    @rule(expired=st.booleans())
    def session_expiry(self, expired):
        delta = timedelta(minutes=-1 if expired else 10)
        GameSession.objects.filter(pk=self.session.pk).update(expires_at=timezone.now() + delta)
        self.model.expired = expired

    @rule(status=st.sampled_from(Player.Status.values))
    def player_status(self, status):
        Player.objects.filter(pk=self.player.pk).update(status=status)
        self.model.status = status

    @rule(amount=st.integers(1, 3_000))
    def deposit(self, amount):
        wallet_deposit(wallet_id=session_wallet(self.session).pk, amount=amount, memo="model")
        self.model.balance += amount

    # --- what must hold after every step ---------------------------------------------------

    @invariant()
    def the_balance_is_the_models_and_the_ledger_holds(self):
        if not hasattr(self, "model"):
            return
        balance = Wallet.objects.get(pk=session_wallet(self.session).pk).balance
        assert balance == self.model.balance >= 0
        assert ledger_violations() == []


REMEMBERED = (
    "INSUFFICIENT_FUNDS",
    "PLAYER_BLOCKED",
    "RG_BLOCKED",
    "SESSION_EXPIRED",
    "TRANSACTION_NOT_FOUND",
    "TRANSACTION_ROLLED_BACK",
    "TRANSACTION_ALREADY_SETTLED",
    "ROUND_CLOSED",
    "CURRENCY_MISMATCH",
)


def test_any_sequence_of_calls_follows_the_rules_and_keeps_the_ledger_whole(aggregator):
    WalletMachine.aggregator = aggregator
    run_state_machine_as_test(
        WalletMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,  # the same sequences every run: a failure here is reproducible
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
