"""The sandbox's own record of one player: what it sent, what it was answered, what it believes."""

from collections import Counter, deque
from dataclasses import asdict


class PlayerRecord:
    """Written by the player's own thread only; the driver reads copies of the counters."""

    def __init__(self, player_id: str, keep_entries: int | None):
        self.player_id = player_id
        self.entries: deque = deque(maxlen=keep_entries)
        self.counters: Counter = Counter()
        self.latencies: deque = deque(maxlen=keep_entries * 10 if keep_entries else None)
        self.first_balance: int | None = None
        self.believed: int | None = None  # the real wallet, as the sandbox sees it
        self.final_balance: int | None = None
        self.plans: deque = deque(maxlen=keep_entries)
        self.problems: list[str] = []
        self.last_real_session = None  # the GameSessionRef the final balance is asked with

    @property
    def agrees(self) -> bool | None:
        if self.final_balance is None or self.believed is None:
            return None
        return self.final_balance == self.believed

    def as_dict(self) -> dict:
        return {
            "player_id": self.player_id,
            "first_balance": self.first_balance,
            "believed_balance": self.believed,
            "final_balance": self.final_balance,
            "agrees": self.agrees,
            "counters": dict(self.counters),
            "problems": self.problems,
            "plans": [asdict(p) for p in self.plans],
            "entries": list(self.entries),
        }
