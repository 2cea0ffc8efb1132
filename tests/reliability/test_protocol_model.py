"""A hypothesis stateful model of the native wallet protocol v1 (docs/native-protocol.md).

Random sequences of bets, wins, rollbacks, resends (reformatted JSON, toggled round_closed),
conflicting resends, rollbacks of ids we never saw and calls in closed rounds go through the
real HTTP layer (signed requests, Django test client). After every step the answer (status,
code, balance) must be the one a plain in-memory model of the spec predicts, and after every
step the wallet's cached balance must equal the model's and the sum of its ledger entries.

RELIABILITY_EXAMPLES sets the number of sequences (default 25; `make reliability` runs more).
"""

import itertools
import json
import os
from dataclasses import dataclass, field

import pytest
from django.db.models import Sum
from django.test import Client
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

from casino.models import Player
from games.services import session_open
from tests.conftest import NativeClient
from wallet.models import LedgerEntry, Wallet
from wallet.services import wallet_deposit, wallet_open

OPENING = 1_000
EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "25"))
_sequence = itertools.count()


@dataclass
class Round:
    closed: bool = False
    live_bets: int = 0
    rolled_back_bets: int = 0


@dataclass
class Bet:
    amount: int
    round_id: str
    applied: bool
    rolled_back: bool = False


@dataclass
class Sent:
    """A call we made and the answer it got: what a resend must get back."""

    endpoint: str
    body: dict
    status: int
    answer: dict


@dataclass
class Model:
    """The protocol as PRODUCT.md states it, for one player with one session in EUR."""

    balance: int = OPENING
    rounds: dict[str, Round] = field(default_factory=dict)
    bets: dict[str, Bet] = field(default_factory=dict)
    wins: set[str] = field(default_factory=set)
    # Bet ids rolled back before we saw them (the bet, if it comes, is refused).
    tombstones: set[str] = field(default_factory=set)


class NativeProtocol(RuleBasedStateMachine):
    aggregator = None  # set by the test

    @initialize()
    def open_session(self):
        n = next(_sequence)
        self.prefix = f"m{n}-"
        player = Player.objects.create(external_id=f"model-{n}", country="MT")
        wallet = wallet_open(player=player, currency="EUR")
        wallet_deposit(wallet_id=wallet.pk, amount=OPENING, memo="model funding")
        session = session_open(
            player=player, aggregator=self.aggregator, game_code="g", currency="EUR", ttl_seconds=3600
        )
        self.wallet_id = wallet.pk
        self.base = {"player_id": player.external_id, "session_token": session.token, "currency": "EUR"}
        self.native = NativeClient(Client())
        self.model = Model()
        self.sent: dict[str, Sent] = {}  # transaction id -> first answer, for resends
        self.ids = itertools.count()

    # --- helpers ---------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        return f"{self.prefix}{kind}-{next(self.ids)}"

    def post(self, endpoint: str, body: dict, raw: bytes | None = None) -> tuple[int, dict]:
        response = self.native.post(endpoint, raw if raw is not None else body)
        return response.status_code, response.json()

    def send(self, endpoint: str, body: dict) -> tuple[int, dict]:
        status, answer = self.post(endpoint, body)
        if status not in (400, 409):  # validation and conflicts are not remembered (PRODUCT.md)
            self.sent[body["transaction_id"]] = Sent(endpoint, body, status, answer)
        return status, answer

    def expect(self, got: tuple[int, dict], status: int, code: str = "OK") -> None:
        got_status, answer = got
        assert (got_status, answer.get("code", "OK")) == (status, code), answer
        assert answer["balance"] == self.model.balance, (answer, self.model.balance)
        if code == "OK":
            assert answer["status"] == "OK" and answer["wallet_transaction_id"]

    def round_id(self, data, *, fresh_only: bool = False) -> str:
        known = sorted(self.model.rounds)
        if known and not fresh_only and data.draw(st.booleans(), label="existing round"):
            return data.draw(st.sampled_from(known), label="round")
        return self.new_id("round")

    # --- rules -----------------------------------------------------------------------------

    @rule(data=st.data(), amount=st.integers(1, 400), closes=st.booleans())
    def bet(self, data, amount, closes):
        m = self.model
        # Now and then the bet whose rollback already came (PRODUCT.md: refused when it arrives).
        pending = sorted(m.tombstones - set(m.bets))
        if pending and data.draw(st.booleans(), label="bet rolled back before it came"):
            tx = data.draw(st.sampled_from(pending), label="tx")
        else:
            tx = self.new_id("bet")
        round_id = self.round_id(data)
        body = {**self.base, "transaction_id": tx, "round_id": round_id, "game_id": "g", "amount": amount}
        body["round_closed"] = closes
        got = self.send("bet", body)

        round_ = m.rounds.get(round_id)
        if tx in m.tombstones:
            m.bets[tx] = Bet(amount, round_id, applied=False)
            return self.expect(got, 422, "TRANSACTION_ROLLED_BACK")
        if round_ is not None and round_.closed:
            m.bets[tx] = Bet(amount, round_id, applied=False)
            return self.expect(got, 422, "ROUND_CLOSED")
        if amount > m.balance:
            m.bets[tx] = Bet(amount, round_id, applied=False)
            return self.expect(got, 402, "INSUFFICIENT_FUNDS")
        m.balance -= amount
        m.bets[tx] = Bet(amount, round_id, applied=True)
        round_ = m.rounds.setdefault(round_id, Round())
        round_.live_bets += 1
        round_.closed = round_.closed or closes
        self.expect(got, 200)

    @rule(
        data=st.data(),
        amount=st.integers(0, 600),
        closes=st.booleans(),
        spin_type=st.sampled_from(["cash", "cash", "cash", "free", "promo", "tournament"]),
    )
    def win(self, data, amount, closes, spin_type):
        m = self.model
        round_id = self.round_id(data)
        tx = self.new_id("win")
        body = {**self.base, "transaction_id": tx, "round_id": round_id, "game_id": "g", "amount": amount}
        body.update(round_closed=closes, spin_type=spin_type)
        got = self.send("win", body)

        round_ = m.rounds.get(round_id)
        if round_ is not None and round_.closed:
            return self.expect(got, 422, "ROUND_CLOSED")
        if spin_type == "cash" and (round_ is None or round_.live_bets == 0):
            if round_ is not None and round_.rolled_back_bets:
                return self.expect(got, 422, "TRANSACTION_ROLLED_BACK")
            return self.expect(got, 422, "TRANSACTION_NOT_FOUND")
        m.balance += amount
        m.wins.add(tx)
        round_ = m.rounds.setdefault(round_id, Round())
        round_.closed = round_.closed or closes
        self.expect(got, 200)

    @precondition(lambda self: self.model.bets)
    @rule(data=st.data(), closes=st.booleans(), amount_given=st.sampled_from(["none", "same", "other"]))
    def rollback_a_bet(self, data, closes, amount_given):
        m = self.model
        target = data.draw(st.sampled_from(sorted(m.bets)), label="bet")
        bet = m.bets[target]
        tx = self.new_id("rollback")
        body = {**self.base, "transaction_id": tx, "rollback_transaction_id": target, "round_id": bet.round_id}
        body.update(game_id="g", round_closed=closes)
        if amount_given != "none":
            body["amount"] = bet.amount if amount_given == "same" else bet.amount + 1
        got = self.send("rollback", body)

        # The order of the spec's precise rules: a refused or already rolled-back bet is a
        # no-op, a wrong amount is invalid, a settled round refuses, otherwise refund once.
        if not bet.applied or bet.rolled_back:
            return self.expect(got, 200)
        if amount_given == "other":
            return self.expect(got, 400, "VALIDATION_ERROR")
        round_ = m.rounds[bet.round_id]
        if round_.closed:
            return self.expect(got, 422, "TRANSACTION_ALREADY_SETTLED")
        m.balance += bet.amount
        bet.rolled_back = True
        round_.live_bets -= 1
        round_.rolled_back_bets += 1
        round_.closed = closes
        self.expect(got, 200)

    @rule(data=st.data(), with_round=st.booleans(), closes=st.booleans())
    def rollback_an_unknown_bet(self, data, with_round, closes):
        m = self.model
        target = self.new_id("bet")
        tx = self.new_id("rollback")
        body = {**self.base, "transaction_id": tx, "rollback_transaction_id": target, "game_id": "g"}
        body["round_closed"] = closes
        round_id = self.round_id(data) if with_round else ""
        if round_id:
            body["round_id"] = round_id
        got = self.send("rollback", body)

        m.tombstones.add(target)
        if round_id:
            round_ = m.rounds.get(round_id)
            if round_ is None:
                m.rounds[round_id] = Round(closed=closes, rolled_back_bets=1)
            elif not round_.closed:
                round_.rolled_back_bets += 1
                round_.closed = closes
        self.expect(got, 200)

    @precondition(lambda self: self.model.wins)
    @rule(data=st.data())
    def rollback_a_win(self, data):
        target = data.draw(st.sampled_from(sorted(self.model.wins)), label="win")
        body = {**self.base, "transaction_id": self.new_id("rollback"), "rollback_transaction_id": target}
        self.expect(self.send("rollback", body), 422, "TRANSACTION_ALREADY_SETTLED")

    @precondition(lambda self: self.sent)
    @rule(data=st.data(), reformat=st.booleans(), toggle_round_closed=st.booleans())
    def resend(self, data, reformat, toggle_round_closed):
        first = self.sent[data.draw(st.sampled_from(sorted(self.sent)), label="resent")]
        body = dict(first.body)
        if toggle_round_closed:  # not part of the content a resend must repeat
            body["round_closed"] = not body.get("round_closed", False)
        raw = None
        if reformat:  # key order and whitespace never make a conflict
            raw = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
        status, answer = self.post(first.endpoint, body, raw)
        assert (status, answer) == (first.status, first.answer)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def conflicting_resend(self, data):
        first = self.sent[data.draw(st.sampled_from(sorted(self.sent)), label="resent")]
        body = dict(first.body)
        body["game_id"] = "another-game"
        got = self.post(first.endpoint, body)
        self.expect(got, 409, "DUPLICATE_TRANSACTION")

    @rule()
    def balance(self):
        status, answer = self.post("balance", self.base)
        assert (status, answer["balance"]) == (200, self.model.balance), answer

    # --- after every step ------------------------------------------------------------------

    @invariant()
    def the_wallet_matches_the_model_and_its_ledger(self):
        if not hasattr(self, "model"):
            return
        balance = Wallet.objects.get(pk=self.wallet_id).balance
        entries = LedgerEntry.objects.filter(wallet_id=self.wallet_id).aggregate(total=Sum("amount"))["total"]
        assert balance == self.model.balance == entries
        assert balance >= 0


@pytest.mark.django_db
def test_the_native_protocol_behaves_like_its_model(aggregator):
    NativeProtocol.aggregator = aggregator
    run_state_machine_as_test(
        NativeProtocol,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            database=None,
        ),
    )
