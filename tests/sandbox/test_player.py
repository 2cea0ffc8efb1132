"""The sandbox player's own bookkeeping, against an in-memory wallet that answers like ours:
retries, lost answers, early rollbacks and resends must leave its record equal to the wallet."""

from sandbox.frontend import Launch
from sandbox.player import Behaviour, PlayConfig, SandboxPlayer
from sandbox.wire import NO_ANSWER, Answer

UNRULY = Behaviour(resend=0.3, timeout=0.1, rollback_first=0.1, free_spins=0.1, overbet=0.05, split_win=0.3)
GAMES = [{"id": "g-1", "code": "sbx_one", "demo_supported": True}, {"id": "g-2", "code": "sbx_two"}]


class FakeWallet:
    """The native protocol's money rules, in memory. `flaky(n)`: every n-th call first answers
    503 RETRY (not applied); `lose(tx)`: that call is applied but never answered."""

    def __init__(
        self, balance: int = 100_000, *, flaky_every: int = 0, lose_first_bet: bool = False, mute_first_win: int = 0
    ):
        self.balance = balance
        self.answers: dict[str, Answer] = {}
        self.bets: dict[str, int] = {}
        self.rolled_back: set[str] = set()
        self.calls = 0
        self.flaky_every = flaky_every
        self.lose_first_bet = lose_first_bet
        self.lost: set[str] = set()
        self.mute_first_win = mute_first_win  # the first win is applied, then n attempts go unanswered
        self.muted_win = ""

    def answer(self, status: int, code: str, tx: str = "") -> Answer:
        body = {"status": "OK" if code == "OK" else "ERROR", "balance": self.balance}
        if code != "OK":
            body["code"] = code
        if tx:
            body["transaction_id"] = tx
        return Answer(status, code, self.balance, body, 0.001)

    def balance_of(self, session) -> Answer:
        return self.answer(200, "OK")

    def money(self, session, op, *, resend: bool = False) -> Answer:
        self.calls += 1
        if self.flaky_every and self.calls % self.flaky_every == 0:
            return Answer(503, "RETRY", None, {"status": "ERROR", "code": "RETRY"}, 0.001, retry_after=1)
        tx = op.transaction_id
        if tx not in self.answers:
            self.answers[tx] = self.apply(op)
            if op.kind == "bet" and self.lose_first_bet and not self.bets.keys() - {tx} and not self.lost:
                self.lost.add(tx)
        if op.kind == "win" and self.mute_first_win and self.muted_win in ("", tx):
            self.muted_win = tx
            self.mute_first_win -= 1
            return Answer(None, NO_ANSWER, None, None, 0.001)
        if tx in self.lost:
            return Answer(None, NO_ANSWER, None, None, 0.001)
        return self.answers[tx]

    def apply(self, op) -> Answer:
        tx = op.transaction_id
        if op.kind == "bet":
            if tx in self.rolled_back:
                return self.answer(422, "TRANSACTION_ROLLED_BACK", tx)
            if op.amount > self.balance:
                return self.answer(402, "INSUFFICIENT_FUNDS", tx)
            self.balance -= op.amount
            self.bets[tx] = op.amount
        elif op.kind == "win":
            self.balance += op.amount
        elif op.kind == "rollback" and op.reference_id not in self.rolled_back:
            self.balance += self.bets.pop(op.reference_id, 0)
            self.rolled_back.add(op.reference_id)
        return self.answer(200, "OK", tx)


class FakeWire:
    name = "fake"

    def __init__(self, wallet: FakeWallet):
        self.wallet = wallet

    def balance(self, session):
        return self.wallet.balance_of(session)

    def money(self, session, op, *, resend=False):
        return self.wallet.money(session, op, resend=resend)

    def money_payload(self, session, op):
        return {"transaction_id": op.transaction_id, "amount": op.amount}


def launcher(player_id, game, mode):
    return Launch(session_token=f"tok-{player_id}", game_code=game["code"], launch_url="", mode=mode, expires_at=None)


def player(wallet: FakeWallet, *, seed: int = 1, behaviour: Behaviour = UNRULY) -> SandboxPlayer:
    config = PlayConfig(run_id="t", seed=seed, behaviour=behaviour)
    return SandboxPlayer(
        "sbx-player-1",
        config=config,
        wire=FakeWire(wallet),
        frontend=None,
        games=GAMES,
        launcher=launcher,
        sleep=lambda seconds: None,
    )


def test_the_record_equals_the_wallet_after_retries_lost_answers_and_early_rollbacks():
    wallet = FakeWallet(flaky_every=7)
    sandbox = player(wallet)

    record = sandbox.play(300)
    sandbox.final_check()

    assert record.believed == wallet.balance == record.final_balance
    assert record.agrees is True
    assert record.counters["errors"] == 0, record.problems
    assert record.counters["balance_mismatches"] == 0
    assert record.counters["retries"] > 0
    assert record.counters["timeouts"] > 0
    assert record.counters["rollback_before_bet"] > 0
    assert record.counters["resends"] > 0


def test_a_bet_that_never_gets_an_answer_is_rolled_back_and_not_counted():
    wallet = FakeWallet(lose_first_bet=True)
    sandbox = player(wallet, behaviour=Behaviour(resend=0, timeout=0, rollback_first=0, free_spins=0, overbet=0))

    record = sandbox.play(3)

    assert record.counters["retries"] == 5  # six attempts in all, then the sandbox gives up on it
    assert record.counters["timeouts"] == 1 and record.counters["rollbacks"] == 1
    assert wallet.lost and wallet.lost <= wallet.rolled_back
    assert record.believed == wallet.balance


def test_the_same_seed_plans_the_same_spins_and_another_seed_does_not():
    one, two, other = player(FakeWallet()), player(FakeWallet()), player(FakeWallet(), seed=2)

    for sandbox in (one, two, other):
        sandbox.play(100)

    assert list(one.record.plans) == list(two.record.plans)
    assert list(one.record.plans) != list(other.record.plans)
    assert one.record.believed == two.record.believed


def test_a_win_without_an_answer_is_sent_again_later_until_it_is_answered():
    wallet = FakeWallet(mute_first_win=8)  # more than one call's six attempts
    sandbox = player(wallet, behaviour=Behaviour(resend=0, timeout=0, rollback_first=0, free_spins=0, overbet=0))

    record = sandbox.play(20)
    sandbox.final_check()

    assert record.counters["resolved_later"] == 1
    assert record.counters["unresolved"] == 0
    assert record.believed == wallet.balance == record.final_balance
