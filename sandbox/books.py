"""The sandbox aggregator's books: every transaction it counts, as it will report it.

What it plays (rounds.py, or sandbox_play's players through POST /control/books) is written
here; the report endpoint, the statement file and the settlement webhooks all read it. The
control API can seed one of each discrepancy class: a fault waits here and is spent on the
next transaction it fits (docs/sandbox.md, "Reconciliation").
"""

import csv
import io
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

# fault name -> what it does to the next transaction it fits
FAULTS = {
    "drop_from_report": "the next settled bet is left out of the report (missing there)",
    "other_amount": "the next settled bet is reported 1 minor unit higher (amount mismatch)",
    "settle_rolled_back": "the next bet it rolls back is still reported settled (status mismatch)",
    "other_currency": "the next settled bet is reported in another currency (currency mismatch)",
    "report_twice": "the next settled bet is reported twice (duplicate there)",
    "lose_call": "the next win is counted but never sent to the operator (missing here)",
    "lose_webhook": "the next round's settlement webhook is never sent",
    "webhook_out_of_order": "the next round's webhook is sent before its last win",
    "webhook_twice": "the next round's webhook batch is delivered twice",
}
REPORT_FIELDS = ("id", "kind", "player_id", "round_id", "amount", "currency", "status", "time")


class BooksError(ValueError):
    pass


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Entry:
    id: str
    kind: str
    player_id: str
    round_id: str
    amount: int | None
    currency: str
    status: str  # settled | rolled_back | refused
    time: float
    reference_id: str = ""
    # what the report says, when a fault makes it differ from what happened
    hidden: bool = False
    copies: int = 1
    reported_amount: int | None = None
    reported_currency: str | None = None
    keep_settled: bool = False

    def rows(self) -> list[dict]:
        if self.hidden:
            return []
        row = {
            "id": self.id,
            "kind": self.kind,
            "player_id": self.player_id,
            "round_id": self.round_id,
            "amount": self.reported_amount if self.reported_amount is not None else (self.amount or 0),
            "currency": self.reported_currency or self.currency,
            "status": "settled" if self.keep_settled else self.status,
            "time": iso(self.time),
        }
        return [dict(row) for _ in range(self.copies)]


@dataclass
class Books:
    entries: dict[str, Entry] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULTS, 0))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_faults(self, faults: dict) -> None:
        for name, value in faults.items():
            if name not in FAULTS:
                raise BooksError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                raise BooksError("fault counts are integers from 0 to 1000")
        with self.lock:
            self.faults.update(faults)

    def take(self, name: str) -> bool:
        """Spend one pending fault `name`, if any."""
        with self.lock:
            if self.faults.get(name, 0) > 0:
                self.faults[name] -= 1
                return True
        return False

    def record(
        self,
        *,
        transaction_id: str,
        kind: str,
        player_id: str,
        round_id: str,
        amount: int | None,
        currency: str,
        status: str,
        reference_id: str = "",
        at: float | None = None,
    ) -> Entry:
        """Count one transaction as it ended (its final answer). A settled rollback marks the bet
        it names rolled back and is reported with that bet's amount."""
        at = time.time() if at is None else at
        with self.lock:
            bet = self.entries.get(reference_id) if kind == "rollback" else None
            if kind == "rollback" and amount is None:
                amount = bet.amount if bet is not None else 0
            entry = Entry(transaction_id, kind, player_id, round_id, amount, currency, status, at, reference_id)
            self.entries[transaction_id] = entry
            if kind == "bet" and status == "settled":
                self._fault_on_bet(entry)
            if bet is not None and status == "settled" and bet.status == "settled":
                bet.status = "rolled_back"
                if self.faults["settle_rolled_back"] > 0:
                    self.faults["settle_rolled_back"] -= 1
                    bet.keep_settled = True
            return entry

    def _fault_on_bet(self, entry: Entry) -> None:
        # Called with the lock held: at most one fault per bet, in this order.
        for name in ("drop_from_report", "other_amount", "other_currency", "report_twice"):
            if self.faults[name] > 0:
                self.faults[name] -= 1
                if name == "drop_from_report":
                    entry.hidden = True
                elif name == "other_amount":
                    entry.reported_amount = (entry.amount or 0) + 1
                elif name == "other_currency":
                    entry.reported_currency = "USD" if entry.currency != "USD" else "EUR"
                else:
                    entry.copies = 2
                return

    def report(self, start: float, end: float) -> list[dict]:
        """What the aggregator counts in [start, end), as its report lists it, oldest first."""
        with self.lock:
            chosen = sorted((e for e in self.entries.values() if start <= e.time < end), key=lambda e: (e.time, e.id))
            return [row for entry in chosen for row in entry.rows()]

    def round_rows(self, round_id: str) -> list[dict]:
        with self.lock:
            return [row for e in self.entries.values() if e.round_id == round_id for row in e.rows()]

    def statement_csv(self, start: float, end: float) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=REPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.report(start, end))
        return out.getvalue()

    def reset(self) -> None:
        with self.lock:
            self.entries.clear()
            self.faults = dict.fromkeys(FAULTS, 0)

    def snapshot(self) -> dict:
        with self.lock:
            return {"transactions": len(self.entries), "faults": dict(self.faults)}


class BooksPoster:
    """Books kept by a sandbox server in another process (sandbox_play beside sandbox_server):
    entries are buffered and posted to its POST /control/books about once a second."""

    def __init__(self, base_url: str, *, every: float = 1.0, http=None):
        import requests

        self.url = base_url.rstrip("/") + "/control/books"
        self.http = http or requests.Session()
        self.buffer: list[dict] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, args=(every,), daemon=True, name="sandbox-books")
        self.thread.start()

    def record(self, **entry) -> None:
        with self.lock:
            self.buffer.append(entry)

    def flush(self) -> None:
        with self.lock:
            entries, self.buffer = self.buffer, []
        if entries:
            try:
                self.http.post(self.url, json={"entries": entries}, timeout=10)
            except Exception:  # noqa: BLE001 - the books are a demo aid: play goes on without them
                with self.lock:
                    self.buffer[:0] = entries[-10_000:]

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.flush()

    def _loop(self, every: float) -> None:
        while not self.stopped.wait(every):
            self.flush()


def settlement_event(books: Books, *, event_id: str, round_id: str, player_id: str, currency: str) -> dict:
    """The round_settled event of a round, as its books count it."""
    rows = books.round_rows(round_id)
    counted = [r for r in rows if r["status"] == "settled"]
    return {
        "event_id": event_id,
        "type": "round_settled",
        "round_id": round_id,
        "player_id": player_id,
        "currency": currency,
        "transactions": [
            {"id": r["id"], "kind": r["kind"], "amount": r["amount"], "status": r["status"], "currency": r["currency"]}
            for r in rows
        ],
        "bet_total": sum(r["amount"] for r in counted if r["kind"] == "bet"),
        "win_total": sum(r["amount"] for r in counted if r["kind"] == "win"),
        "settled_at": iso(time.time()),
    }
