"""Load for `make bench`: an aggregator calling the native wallet protocol v1, signed.

Run by scripts/bench/run.py (locust headless, one process, separate from the server):
  BENCH_TARGET   "full" (the real wallet endpoints: game rounds), "bets" (pure bets, each in a
                 round of its own) or "ceiling" (the bare bench endpoint)
  BENCH_PLAYERS  players to spread over (10000), or 1 for the hot-player scenarios
  BENCH_KEY_ID, BENCH_SECRET  the bench aggregator's credentials
  BENCH_CONNECTIONS_FILE  where the count of TCP connections opened is written at the end

The signature is computed here from the protocol text (docs: PRODUCT.md), not imported from
the server's code, so the bench also checks that the server follows the published rule.
"""

import hashlib
import hmac
import json
import os
import random
import time
import uuid

from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, constant, events, task

TARGET = os.environ.get("BENCH_TARGET", "full")
PLAYERS = int(os.environ.get("BENCH_PLAYERS", "10000"))
KEY_ID = os.environ.get("BENCH_KEY_ID", "bench-key")
SECRET = os.environ.get("BENCH_SECRET", "bench-signing-secret").encode()

# The mix of one game round (a locust task): probabilities per round.
P_BALANCE = 0.25  # the game asks the balance first
P_BET_RESEND = 0.15  # the aggregator did not see our answer and resends the bet
P_ROLLBACK = 0.12  # the round is cancelled instead of settled
P_ROLLBACK_RESEND = 0.3
WIN_AMOUNTS = [0, 0, 0, 50, 100, 200, 1000]  # most spins lose; a win of 0 closes a losing round


# TCP connections opened to the server: an aggregator keeps its connections open, so a server
# that closes one after every answer makes it pay a connect (and the server an accept) per call.
OPENED = [0]
_create_socket = ConnectionPool._create_socket


def _counted_create_socket(self):
    OPENED[0] += 1
    return _create_socket(self)


ConnectionPool._create_socket = _counted_create_socket


@events.quitting.add_listener
def _write_connections(environment, **_kwargs):
    path = os.environ.get("BENCH_CONNECTIONS_FILE")
    if path:
        with open(path, "w") as handle:
            handle.write(str(OPENED[0]))


def player_id(n: int) -> str:
    return f"bench-{n:05d}"


def session_token(n: int) -> str:
    return f"bench-session-{n:05d}"


def new_id() -> str:
    return uuid.uuid4().hex


class NativeAggregator(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next call as soon as it has an answer

    def signed_post(self, path: str, body: dict, name: str, expect_id: str | None = None) -> dict | None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(SECRET, timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": KEY_ID,
            "X-Timestamp": timestamp,
            "X-Signature": signature,
        }
        with self.client.post(path, data=raw, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            answer = response.json()
            if answer.get("status") != "OK":
                response.failure(f"not OK: {answer}")
                return None
            if expect_id is not None and answer.get("wallet_transaction_id") != expect_id:
                response.failure(f"a resend got another answer: {answer} (first: {expect_id})")
                return None
            return answer

    @task
    def play(self):
        if TARGET == "ceiling":
            self.ceiling_call()
        elif TARGET == "bets":
            self.pure_bet()
        else:
            self.game_round()

    def ceiling_call(self):
        body = {"account": random.randint(1, PLAYERS), "amount": 100, "reference": new_id()}
        self.signed_post("/bench/ceiling", body, "ceiling")

    def pure_bet(self):
        """What an aggregator's load is mostly made of: signed bets, each its own transaction and round."""
        n = random.randint(1, PLAYERS)
        bet = {
            "player_id": player_id(n),
            "session_token": session_token(n),
            "currency": "EUR",
            "transaction_id": new_id(),
            "round_id": new_id(),
            "game_id": "bench-slot",
            "amount": 100,
        }
        self.signed_post("/api/v1/wallet/bet", bet, "bet")

    def game_round(self):
        n = random.randint(1, PLAYERS)
        base = {"player_id": player_id(n), "session_token": session_token(n), "currency": "EUR"}
        if random.random() < P_BALANCE:
            self.signed_post("/api/v1/wallet/balance", base, "balance")

        round_id = new_id()
        bet = {**base, "transaction_id": new_id(), "round_id": round_id, "game_id": "bench-slot", "amount": 100}
        first = self.signed_post("/api/v1/wallet/bet", bet, "bet")
        if first is None:
            return
        if random.random() < P_BET_RESEND:
            self.signed_post("/api/v1/wallet/bet", bet, "bet (resend)", expect_id=first["wallet_transaction_id"])

        if random.random() < P_ROLLBACK:
            rollback = {
                **base,
                "transaction_id": new_id(),
                "rollback_transaction_id": bet["transaction_id"],
                "round_id": round_id,
                "game_id": "bench-slot",
            }
            done = self.signed_post("/api/v1/wallet/rollback", rollback, "rollback")
            if done is not None and random.random() < P_ROLLBACK_RESEND:
                self.signed_post(
                    "/api/v1/wallet/rollback", rollback, "rollback (resend)", expect_id=done["wallet_transaction_id"]
                )
            return
        win = {
            **base,
            "transaction_id": new_id(),
            "round_id": round_id,
            "game_id": "bench-slot",
            "amount": random.choice(WIN_AMOUNTS),
            "round_closed": True,
        }
        self.signed_post("/api/v1/wallet/win", win, "win")
