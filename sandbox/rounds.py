"""Rounds the sandbox plays for reconciliation (POST /control/play): a bet, then a win closing
the round or a rollback, each call written in its books as it ended, then the round's
settlement webhook. Faults pending in the books (books.py) change what it reports or sends."""

import json
import random
import time
from dataclasses import dataclass

import requests

from casino.signing import native_signature
from sandbox.books import Books, settlement_event
from sandbox.wire import GameSessionRef, MoneyOp, NativeWire


@dataclass
class RoundsResult:
    rounds: int = 0
    calls: int = 0
    webhooks: int = 0
    webhook_answers: list | None = None

    def as_dict(self) -> dict:
        return {
            "rounds": self.rounds,
            "calls": self.calls,
            "webhooks": self.webhooks,
            "webhook_answers": self.webhook_answers or [],
        }


class SettlementSender:
    """Signs and posts settlement batches to the operator, like its wallet calls."""

    def __init__(self, base_url: str, *, key_id: str, secret: str, http=None):
        self.url = base_url.rstrip("/") + "/api/v1/settlement/events"
        self.key_id = key_id
        self.secret = secret
        self.http = http or requests.Session()

    def send(self, batch: dict) -> dict:
        raw = json.dumps(batch, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": self.key_id,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(self.secret, timestamp, raw),
        }
        try:
            response = self.http.post(self.url, data=raw, headers=headers, timeout=10)
        except requests.RequestException as exc:
            return {"status": None, "error": str(exc)}
        try:
            body = response.json()
        except ValueError:
            body = None
        return {"status": response.status_code, "body": body}


def play_rounds(
    books: Books,
    *,
    base_url: str,
    key_id: str,
    secret: str,
    sessions: list[GameSessionRef],
    rounds: int,
    seed: int = 1,
    run_id: str = "",
) -> RoundsResult:
    """Play `rounds` rounds on each session in turn. Every fifth round is rolled back."""
    rng = random.Random(seed)
    wire = NativeWire(base_url, key_id=key_id, secret=secret)
    sender = SettlementSender(base_url, key_id=key_id, secret=secret, http=wire.http)
    result = RoundsResult(webhook_answers=[])
    run_id = run_id or f"{seed}"
    for n in range(rounds):
        session = sessions[n % len(sessions)]
        round_id = f"rc-{run_id}-{n}"
        stake = rng.randint(1, 20) * 10
        bet = MoneyOp("bet", f"{round_id}-bet", round_id, session.game_code, stake)
        _call(books, wire, session, bet, result)
        out_of_order = books.take("webhook_out_of_order")
        if n % 5 == 4:
            last = MoneyOp(
                "rollback",
                f"{round_id}-rb",
                round_id,
                session.game_code,
                None,
                round_closed=True,
                reference_id=bet.transaction_id,
            )
        else:
            last = MoneyOp(
                "win", f"{round_id}-win", round_id, session.game_code, rng.randint(0, 3) * stake, round_closed=True
            )
        if out_of_order:
            # The round's webhook overtakes its last call: it already counts the call (as it will
            # end), and reaches the operator first.
            _book(books, session, last, "settled")
            _settle(books, sender, session, round_id, result)
        if last.kind == "win" and books.take("lose_call"):
            # Counted here, lost on the way: the operator never hears of it.
            _book(books, session, last, "settled")
        else:
            _call(books, wire, session, last, result)
        if not out_of_order:
            _settle(books, sender, session, round_id, result)
        result.rounds += 1
    return result


def _call(books: Books, wire: NativeWire, session: GameSessionRef, op: MoneyOp, result: RoundsResult) -> None:
    answer = wire.money(session, op)
    for _ in range(5):
        if not answer.temporary:
            break
        time.sleep(min(answer.retry_after or 0.2, 2))
        answer = wire.money(session, op)
    result.calls += 1
    _book(books, session, op, "settled" if answer.ok else "refused")


def _book(books: Books, session: GameSessionRef, op: MoneyOp, status: str) -> None:
    books.record(
        transaction_id=op.transaction_id,
        kind=op.kind,
        player_id=session.player_id,
        round_id=op.round_id,
        amount=op.amount,
        currency=session.currency,
        status=status,
        reference_id=op.reference_id,
    )


def _settle(books: Books, sender: SettlementSender, session: GameSessionRef, round_id: str, result: RoundsResult):
    if books.take("lose_webhook"):
        return
    event = settlement_event(
        books, event_id=f"ev-{round_id}", round_id=round_id, player_id=session.player_id, currency=session.currency
    )
    batch = {"batch_id": f"batch-{round_id}", "events": [event]}
    deliveries = 2 if books.take("webhook_twice") else 1
    for _ in range(deliveries):
        result.webhook_answers.append(sender.send(batch))
        result.webhooks += 1
