"""One sandbox player: seeded, deterministic play, and the sandbox's own record of it.

Every decision (game, stake, outcome, free spins, and which network misbehaviour to act out)
is drawn from `random.Random(f"{seed}/{player_id}")` when a spin is planned, before anything
is sent. So the same seed, the same catalog and the same starting balance give the same
sequence of decisions, whatever the timing, retries or thread interleaving of a run.

The record is the aggregator's side of the story: every request sent, every answer, and the
balance the sandbox believes the player has, computed from its own accepted operations
starting from the first balance answer. At the end it is compared with our balance.
"""

import random
import threading
import time
from dataclasses import dataclass, field

from sandbox.frontend import FrontendClient, FrontendError, Launch
from sandbox.launch import check_launch_url
from sandbox.plan import Behaviour, SpinPlan, plan_spin
from sandbox.record import PlayerRecord
from sandbox.wire import NO_ANSWER, Answer, GameSessionRef, MoneyOp

UNREACHABLE_AFTER = 3  # calls in a row without any answer: the back-office is down


@dataclass(frozen=True)
class PlayConfig:
    run_id: str
    seed: int
    currency: str = "EUR"
    country: str = "MT"
    language: str = "en"
    aggregator: str = "sandbox"
    key_id: str = "sandbox-key"
    secret: str = "sandbox-signing-secret"  # noqa: S105 - the demo credentials
    launch_check: str = "local"  # "local": same canonical check as the sandbox server; "http": GET it
    max_attempts: int = 6  # per money call, for temporary answers (503 RETRY, 429, no answer)
    retry_cap: float = 2.0  # seconds: the longest the sandbox waits between two attempts
    behaviour: Behaviour = field(default_factory=Behaviour)
    keep_entries: int | None = None  # None: keep every request; forever runs keep the last n


@dataclass
class Session:
    ref: GameSessionRef
    launch: Launch | None
    spins_left: int
    believed: int | None = None  # demo sessions: their own play balance


class SandboxPlayer:
    def __init__(
        self,
        player_id: str,
        *,
        config: PlayConfig,
        wire,
        frontend: FrontendClient,
        games: list[dict],
        launcher=None,
        sleep=time.sleep,
        books=None,
    ):
        self.player_id = player_id
        self.config = config
        self.behaviour = config.behaviour
        self.wire = wire
        self.frontend = frontend
        self.games = sorted(games, key=lambda g: g["code"])
        # Tests may open sessions another way (launcher(player_id, game, mode) -> Launch).
        self.launcher = launcher
        self.sleep = sleep
        self.books = books  # the aggregator's books (books.py): what its report will count
        self.rng = random.Random(f"{config.seed}/{player_id}")
        self.record = PlayerRecord(player_id, config.keep_entries)
        self.session: Session | None = None
        self.free_spins_left = 0
        self.free_spin_stake = 0
        self.serial = 0
        self.broke = False
        self.bets_applied: dict[str, int] = {}  # bets we saw accepted and not yet rolled back
        self.silent_calls = 0  # calls in a row without any HTTP answer
        self.pending: list = []  # (session, win or rollback, refund) still without a final answer

    # --- the loop ----------------------------------------------------------------------------

    def play(self, spins: int | None, *, stop: threading.Event | None = None, pace=None) -> PlayerRecord:
        """Play `spins` spins (None: until `stop` is set). Each spin waits for `pace` first."""
        stop = stop or threading.Event()
        done = 0
        while (spins is None or done < spins) and not stop.is_set():
            if pace is not None and not pace.wait(stop):
                break
            if not self.ensure_session():
                if spins is not None:
                    break
                stop.wait(5)  # forever runs: try launching again a little later
                continue
            if not self.spin():
                break
            done += 1
            if self.unreachable:
                if spins is not None:
                    self.problem("the back-office stopped answering; the player stops")
                    break
                self.problem("the back-office stopped answering; trying again in 15 s")
                self.session, self.silent_calls = None, 0
                stop.wait(15)
        return self.record

    def ensure_session(self) -> bool:
        session = self.session
        expiring = (
            session and session.launch and session.launch.expires_at and session.launch.expires_at - 20 < time.time()
        )
        if session is None or session.spins_left <= 0 or expiring:
            self.session = self.open_session()
        return self.session is not None

    def spin(self) -> bool:
        """Plan one spin with the RNG, then act it out. False when the player cannot play on."""
        session = self.session
        self.bets_applied.clear()  # a rollback only ever names a bet of its own spin
        if self.pending:
            self.settle_pending()
        plan = self.plan_spin(self.balance_for_plan(session))
        if plan is None:
            self.broke = True
            self.record.counters["broke"] += 1
            return False
        self.record.plans.append(plan)
        session.spins_left -= 1
        self.record.counters["spins"] += 1
        getattr(self, f"act_{plan.kind}")(plan)
        return True

    def balance_for_plan(self, session: Session) -> int:
        believed = session.believed if session.ref.mode == "demo" else self.record.believed
        return believed or 0

    # --- planning (plan.py draws; sessions draw their game, length and mode) -----------------

    def plan_spin(self, balance: int) -> SpinPlan | None:
        """The next spin's plan; a free spin won earlier comes first."""
        plan = plan_spin(
            self.rng, self.behaviour, balance, free_spin_stake=self.free_spin_stake if self.free_spins_left else None
        )
        if plan is not None and plan.kind == "free":
            self.free_spins_left -= 1
        return plan

    # --- acting the plans out ----------------------------------------------------------------

    def act_cash(self, plan: SpinPlan) -> None:
        round_id = self.new_id("r")
        bet = self.op("bet", round_id, plan.stake, round_closed=plan.settle_loss_on_bet)
        answer = self.send(bet, expect=("OK",))
        if plan.resend_bet == "now":
            self.resend(bet, answer)
        if answer.ok and not plan.settle_loss_on_bet:
            wins = [plan.win // 2, plan.win - plan.win // 2] if plan.split else [plan.win]
            for i, amount in enumerate(wins):
                win = self.op("win", round_id, amount, round_closed=i == len(wins) - 1)
                win_answer = self.send(win, expect=("OK",))
                if plan.resend_win:
                    self.resend(win, win_answer)
        if plan.resend_bet == "late":
            self.resend(bet, answer)  # a stale redelivery after the round closed: still the first answer
        if answer.ok and plan.free_spins_won:
            self.free_spins_left += plan.free_spins_won
            self.free_spin_stake = plan.stake
            self.record.counters["free_spin_triggers"] += 1

    def act_free(self, plan: SpinPlan) -> None:
        win = self.op("win", self.new_id("r"), plan.win, round_closed=True, spin_type="free")
        answer = self.send(win, expect=("OK",))
        self.record.counters["free_spins"] += 1
        if plan.resend_win:
            self.resend(win, answer)

    def act_overbet(self, plan: SpinPlan) -> None:
        bet = self.op("bet", self.new_id("r"), plan.stake, round_closed=True)
        answer = self.send(bet, expect=("INSUFFICIENT_FUNDS",))
        if answer.code == "INSUFFICIENT_FUNDS":
            self.record.counters["insufficient_funds"] += 1
        if plan.resend_bet:
            self.resend(bet, answer)

    def act_timeout(self, plan: SpinPlan) -> None:
        """The bet reaches us but its answer is lost; the aggregator cancels it with a rollback."""
        round_id = self.new_id("r")
        bet = self.op("bet", round_id, plan.stake, round_closed=False)
        self.send(bet, expect=None, lose_answer=True)
        self.record.counters["timeouts"] += 1
        rollback = self.op(
            "rollback", round_id, plan.stake if plan.rollback_amount else None, round_closed=True, reference=bet
        )
        answer = self.send(rollback, expect=("OK",))
        if answer.ok:
            self.record.counters["rollbacks"] += 1
            return
        # The rollback was refused: learn what became of the bet by sending it again.
        self.send(bet, expect=("OK",))

    def act_rollback_first(self, plan: SpinPlan) -> None:
        """The bet is delayed on the network; the rollback overtakes it; the late bet is refused."""
        round_id = self.new_id("r")
        bet = self.op("bet", round_id, plan.stake, round_closed=False)
        rollback = self.op(
            "rollback", round_id, plan.stake if plan.rollback_amount else None, round_closed=True, reference=bet
        )
        answer = self.send(rollback, expect=("OK",))
        if answer.ok:
            self.record.counters["rollbacks"] += 1
        late = self.send(bet, expect=("TRANSACTION_ROLLED_BACK",), note="delivered after its rollback")
        if late.code == "TRANSACTION_ROLLED_BACK":
            self.record.counters["rollback_before_bet"] += 1

    # --- sessions ----------------------------------------------------------------------------

    def open_session(self) -> Session | None:
        b = self.behaviour
        demo = self.rng.random() < b.demo
        length = self.rng.randint(*b.session_spins)
        candidates = [g for g in self.games if g.get("demo_supported")] if demo else self.games
        if not candidates:
            return None
        order = list(candidates)
        self.rng.shuffle(order)
        mode = "demo" if demo else "real"
        self.free_spins_left = 0  # free spins belong to the session that won them
        for game in order[:3]:
            launch = self.launch(game, mode)
            if launch is None:
                continue
            ref = GameSessionRef(self.player_id, launch.session_token, self.config.currency, launch.game_code, mode)
            session = Session(ref=ref, launch=launch, spins_left=length)
            if not self.start_session(session):
                return None
            return session
        return None

    def launch(self, game: dict, mode: str) -> Launch | None:
        c = self.config
        try:
            if self.launcher is not None:
                launch = self.launcher(self.player_id, game, mode)
            else:
                launch = self.frontend.launch(
                    player_id=self.player_id,
                    game=game,
                    currency=c.currency,
                    mode=mode,
                    country=c.country,
                    language=c.language,
                )
        except FrontendError as exc:
            self.record.counters["launches_refused"] += 1
            if exc.status not in (403, 422):  # not a business refusal (uncertified, disabled…)
                self.problem(f"launch of {game.get('code')} failed: {exc} {exc.body or ''}")
            self.log(
                "launch", request={"game": game.get("code"), "mode": mode}, answer={"error": str(exc), "body": exc.body}
            )
            return None
        self.record.counters["launches"] += 1
        if launch.latency:
            self.record.latencies.append(launch.latency)
        if launch.launch_url and not self.launch_url_valid(launch):
            self.problem(f"launch URL refused: {launch.launch_url}")
            self.record.counters["launch_urls_invalid"] += 1
            return None
        return launch

    def launch_url_valid(self, launch: Launch) -> bool:
        c = self.config
        if c.launch_check == "http":
            try:
                status = self.frontend.http.get(launch.launch_url, timeout=10).status_code
            except Exception:  # noqa: BLE001 - any failure to load the game page is a refusal
                status = None
            ok, reason = status == 200, f"GET answered {status}"
        else:
            check = check_launch_url(launch.launch_url, key_id=c.key_id, secret=c.secret)
            ok, reason = check.ok, check.reason
        self.log("launch", request={"url": launch.launch_url}, answer={"valid": ok, "reason": "" if ok else reason})
        if ok:
            self.record.counters["launch_urls_valid"] += 1
        return ok

    def start_session(self, session: Session) -> bool:
        answer = self.call_with_retries(lambda: self.wire.balance(session.ref))
        self.log(
            "balance",
            request={"session_token": session.ref.session_token, "mode": session.ref.mode},
            answer=answer.brief(),
        )
        if not answer.ok or answer.balance is None:
            self.problem(f"balance of a new session answered {answer.http_status} {answer.body}")
            return False
        if session.ref.mode == "demo":
            session.believed = answer.balance
            return True
        record = self.record
        record.last_real_session = session.ref
        if record.believed is None:
            record.first_balance = record.believed = answer.balance
        elif answer.balance != record.believed:
            record.counters["balance_mismatches"] += 1
        return True

    # --- sending and recording ---------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self.serial += 1
        return f"sbx-{self.config.run_id}-{self.player_id}-{prefix}{self.serial}"

    def op(
        self, kind, round_id, amount, *, round_closed, spin_type="cash", reference: MoneyOp | None = None
    ) -> MoneyOp:
        prefix = {"bet": "b", "win": "w", "rollback": "x"}[kind]
        return MoneyOp(
            kind=kind,
            transaction_id=self.new_id(prefix),
            round_id=round_id,
            game_code=self.session.ref.game_code,
            amount=amount,
            spin_type=spin_type,
            round_closed=round_closed,
            reference_id=reference.transaction_id if reference else "",
        )

    def call_with_retries(self, call) -> Answer:
        if self.unreachable:
            return Answer(None, NO_ANSWER, None, None, 0.0)  # stop hammering a server that is gone
        answer = call()
        self.record.latencies.append(answer.latency)
        for attempt in range(1, self.config.max_attempts):
            if not answer.temporary:
                break
            self.record.counters["retries"] += 1
            self.sleep(min(self.config.retry_cap, answer.retry_after or 0.05 * 2**attempt))
            answer = call()
            self.record.latencies.append(answer.latency)
        self.silent_calls = self.silent_calls + 1 if answer.http_status is None else 0
        return answer

    @property
    def unreachable(self) -> bool:
        """Several calls in a row got no HTTP answer at all, retries included."""
        return self.silent_calls >= UNREACHABLE_AFTER

    def send(self, op: MoneyOp, *, expect, note: str = "", lose_answer: bool = False) -> Answer:
        """Send a money call (retrying temporary answers with the same id) and book its effect."""
        session = self.session
        if lose_answer:
            answer = self.wire.money(session.ref, op)
            self.record.latencies.append(answer.latency)
            self.log(op.kind, op=op, answer=None, note="answer lost (simulated timeout)", unseen=answer.brief())
            # Sent, so counted until the rollback that follows cancels it in the books.
            self.count_in_books(op, "settled")
            return Answer(None, NO_ANSWER, None, None, answer.latency)
        answer = self.call_with_retries(lambda: self.wire.money(session.ref, op))
        unexpected = expect is not None and answer.code not in expect
        if answer.code == "SESSION_EXPIRED":
            unexpected = False
            self.record.counters["sessions_expired"] += 1
            session.spins_left = 0
        if unexpected:
            self.problem(
                f"{op.kind} {op.transaction_id}: expected {'/'.join(expect)}, got {answer.http_status} {answer.body}"
            )
        self.log(op.kind, op=op, answer=answer.brief(), note=note, unexpected=unexpected)
        if answer.temporary:
            self.unresolved(op)
        else:
            self.book(op, answer)
        return answer

    def unresolved(self, op: MoneyOp) -> None:
        """No final answer after every attempt. A bet is cancelled, as after a timeout; a win or
        rollback is kept and sent again (same id) before later spins, until it is answered:
        until then the sandbox's belief is uncertain, and counted as such."""
        if op.kind != "bet":
            self.record.counters["unresolved"] += 1
            self.pending.append((self.session, op, self.bets_applied.get(op.reference_id, 0)))
            return
        self.record.counters["timeouts"] += 1
        rollback = self.op("rollback", op.round_id, None, round_closed=True, reference=op)
        answer = self.send(rollback, expect=("OK",), note="cancels a bet left without an answer")
        if answer.ok:
            self.record.counters["rollbacks"] += 1

    def settle_pending(self) -> None:
        """Send the calls still without an answer again, as real aggregators do until answered."""
        waiting, self.pending = self.pending, []
        current = self.session
        for session, op, refund in waiting:
            self.session = session
            answer = self.call_with_retries(lambda s=session, o=op: self.wire.money(s.ref, o))
            if answer.temporary:
                self.pending.append((session, op, refund))
                continue
            self.record.counters["unresolved"] -= 1
            self.record.counters["resolved_later"] += 1
            self.log(op.kind, op=op, answer=answer.brief(), note="sent again after no answer")
            if refund:
                self.bets_applied[op.reference_id] = refund
            self.book(op, answer)
        self.session = current

    def resend(self, op: MoneyOp, first: Answer) -> None:
        """Send the call again with the same id: the first final answer must come back as it was."""
        if first.temporary:
            return  # there is no final answer to compare with
        again = self.call_with_retries(lambda: self.wire.money(self.session.ref, op, resend=True))
        self.record.counters["resends"] += 1
        if again.temporary:
            self.record.counters["unresolved"] += 1
            self.log(op.kind, op=op, answer=again.brief(), note="resend, same id: no final answer")
            return
        same = again.same_as(first)
        if not same:
            self.record.counters["resend_mismatches"] += 1
            self.problem(f"resend of {op.transaction_id} answered {again.brief()}, first {first.brief()}")
        self.log(op.kind, op=op, answer=again.brief(), note="resend, same id" + ("" if same else ": ANSWER DIFFERS"))

    def problem(self, text: str) -> None:
        """Something a real aggregator would open a ticket about: counted, and the first kept."""
        self.record.counters["errors"] += 1
        if len(self.record.problems) < 20:
            self.record.problems.append(text[:500])

    def count_in_books(self, op: MoneyOp, status: str) -> None:
        session = self.session
        if self.books is None or session is None or session.ref.mode == "demo":
            return
        self.books.record(
            transaction_id=op.transaction_id,
            kind=op.kind,
            player_id=session.ref.player_id,
            round_id=op.round_id,
            amount=op.amount,
            currency=session.ref.currency,
            status=status,
            reference_id=op.reference_id,
        )

    def book(self, op: MoneyOp, answer: Answer) -> None:
        """Apply an answered call to the sandbox's belief, then compare with the balance we were told."""
        self.count_in_books(op, "settled" if answer.ok else "refused")
        session, record = self.session, self.record
        demo = session.ref.mode == "demo"
        believed = session.believed if demo else record.believed
        if answer.ok:
            if op.kind == "bet":
                believed -= op.amount
                self.bets_applied[op.transaction_id] = op.amount
                if not demo:
                    record.counters["turnover"] += op.amount
            elif op.kind == "win":
                believed += op.amount
                if not demo:
                    record.counters["wins_total"] += op.amount
            elif op.kind == "rollback":
                # Only a bet we saw accepted was counted; a lost or overtaken bet never was.
                refund = self.bets_applied.pop(op.reference_id, 0)
                believed += refund
                if not demo:
                    record.counters["turnover"] -= refund
        if demo:
            session.believed = believed
            record.counters["demo_calls"] += 1
        else:
            record.believed = believed
        if answer.balance is not None and answer.code != NO_ANSWER and answer.balance != believed:
            record.counters["balance_mismatches"] += 1

    def log(self, kind: str, *, op: MoneyOp | None = None, request=None, answer=None, **extra) -> None:
        entry = {"t": round(time.time(), 3), "kind": kind}
        if op is not None:
            entry["request"] = self.wire.money_payload(self.session.ref, op)
        elif request is not None:
            entry["request"] = request
        entry["answer"] = answer
        entry.update({k: v for k, v in extra.items() if v})
        self.record.entries.append(entry)

    # --- the end -----------------------------------------------------------------------------

    def final_check(self, *, quick: bool = False) -> PlayerRecord:
        """Ask our balance over HTTP and set record.final_balance (None when it cannot be had).
        `quick`: a single attempt, nothing resent (the run was stopped; the server may be too)."""
        self.silent_calls = 0  # one more chance, whatever happened during the run
        if self.pending and not quick:
            self.settle_pending()
        ref = self.record.last_real_session
        if ref is not None:
            answer = self.wire.balance(ref) if quick else self.call_with_retries(lambda: self.wire.balance(ref))
            self.log("balance", request={"session_token": ref.session_token, "final": True}, answer=answer.brief())
            if answer.ok:
                self.record.final_balance = answer.balance
        return self.record
