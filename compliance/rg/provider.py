"""The answers compliance gives to the lower layers' responsible-gaming questions: registered
in casino.responsible_gaming by compliance's AppConfig.ready (the wallet may not import us).

Limits (this module, state.py, totals.py) and exclusions (exclusions: cool-off,
self-exclusion, external registers) are asked through the one provider below.
"""

from __future__ import annotations

from datetime import datetime

from casino.responsible_gaming import RgBetState, RgRefusal
from compliance.models import RgEvent, RgLimit
from compliance.rg.launch import launch_refusal
from compliance.rg.playing import minutes_in_force
from compliance.rg.state import RgState
from compliance.rg.totals import session_state_query, state_from, state_read, totals_add, totals_upsert
from compliance.services import rg_event_record
from wallet.models import Wallet

# What RgEvent records a refusal of, by the money call's kind.
REFUSED_EVENT = {"bet": RgEvent.Kind.BET_REFUSED, "deposit": RgEvent.Kind.DEPOSIT_REFUSED}


class ComplianceResponsibleGaming:
    """Implements casino.responsible_gaming.ResponsibleGaming."""

    def play_refusal(self, *, player_id: int, at: datetime) -> RgRefusal | None:
        """A new session: cool-off, self-exclusion, session time, then the external register (launch.py)."""
        return launch_refusal(player_id=player_id, at=at)

    def bet_state_query(self, *, session_token: str, aggregator_id: int, at: datetime) -> tuple[str, list]:
        """Limits, the session currency's totals and the exclusions in force (totals.py), for
        the wallet to send with its lock; no rows unless the session's player has RG state.
        Never the external register: no HTTP call under the wallet lock (a launch asked it)."""
        return session_state_query(session_token=session_token, aggregator_id=aggregator_id, at=at)

    def bet_state_from(
        self, found: list[tuple], *, currency: str, at: datetime, session_started_at: datetime | None = None
    ) -> RgBetState:
        return state_from(found, currency=currency, at=at, session_started_at=session_started_at)

    def bet_state(
        self, *, player_id: int, wallet_id: int, currency: str, at: datetime, session_started_at: datetime | None = None
    ) -> RgBetState | None:
        """The same read as bet_state_query's, by player, in a statement of its own."""
        return state_read(player_id=player_id, currency=currency, at=at, session_started_at=session_started_at)

    def money_statement(
        self, *, player_id: int, currency: str, kind: str, amount: int, at: datetime
    ) -> tuple[str, list]:
        return totals_upsert(player_id=player_id, currency=currency, kind=kind, amount=amount, at=at)

    def record_money(
        self, *, state: RgBetState | None, player_id: int, wallet_id: int, kind: str, amount: int, at: datetime
    ) -> None:
        currency = state.currency if isinstance(state, RgState) else _currency_of(wallet_id)
        totals_add(player_id=player_id, currency=currency, kind=kind, amount=amount, at=at)

    def record_refusal(self, *, player_id: int, kind: str, refusal: RgRefusal, detail: dict) -> None:
        rg_event_record(
            player=player_id,
            kind=REFUSED_EVENT.get(kind, RgEvent.Kind.BET_REFUSED),
            reason=refusal.rg_reason,
            detail={**detail, "message": refusal.message},
        )

    def deposit_refusal(self, *, player_id: int, wallet_id: int, amount: int, at: datetime) -> RgRefusal | None:
        state = state_read(player_id=player_id, currency=_currency_of(wallet_id), at=at)
        return state.deposit_refusal(amount=amount, at=at)

    def reality_check_seconds(self, *, player_id: int, at: datetime) -> int | None:
        """The player's reality-check interval, for the launch answer; None: none set."""
        minutes = minutes_in_force(player_id=player_id, kind=RgLimit.Kind.REALITY_CHECK, at=at)
        return minutes * 60 if minutes is not None else None


def _currency_of(wallet_id: int) -> str:
    return Wallet.objects.values_list("currency_id", flat=True).get(pk=wallet_id)
