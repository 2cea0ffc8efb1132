"""What a bet, win or rollback does: the wallet's rules, decided without touching the database.

calls.py reads everything a call needs under the wallet lock (Known), decide() turns it into a
Decision (or a refusal), and writes.py writes that decision in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

from casino.models import Aggregator, GameSession
from casino.money import MINOR_UNITS_MAX, convert_balance_down, convert_minor_units
from casino.responsible_gaming import RgBetState
from casino.rules import player_may_play
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, GameRound, HouseAccount, LedgerTransaction, Wallet
from wallet.services.ledger import AccountKey, Posting, game_account_key, jackpot_account_key, posting

Kind = AggregatorTransaction.Kind
Outcome = AggregatorTransaction.Outcome


class SpinType:
    CASH = "cash"
    FREE = "free"
    PROMO = "promo"
    TOURNAMENT = "tournament"
    # A jackpot's payout: paid from its pool (docs/money.md), bounded by the pool, not by the
    # risk limits on a round's wins.
    JACKPOT = "jackpot"
    ALL = (CASH, FREE, PROMO, TOURNAMENT, JACKPOT)
    # Wins of these spins need no bet in their round: the aggregator or a promotion pays them.
    WITHOUT_BET = frozenset({FREE, PROMO, TOURNAMENT})


@dataclass(frozen=True, kw_only=True)
class MoneyCall:
    """A bet, win or rollback as any protocol hands it to the wallet, already parsed."""

    aggregator: Aggregator
    kind: str
    transaction_id: str
    player_id: str
    session_token: str
    currency: str
    amount: int | None
    round_id: str = ""
    game_code: str = ""
    spin_type: str = SpinType.CASH
    round_closed: bool = False
    # Rollback: the transaction it cancels. Win: its bet, for protocols that name it (Hub88).
    reference_id: str = ""
    # When True (protocols whose free bets are paid by the aggregator) a bet debits nothing.
    is_free: bool = False
    # A bet's jackpot contribution as the aggregator computed it (minor units); None: our own
    # percentage of the bet (Jackpot.contribution_percent).
    jackpot_contribution: int | None = None
    # The aggregator's id of the free-spin grant a free bet or win uses (Hub88's reward_uuid):
    # kept with the call's record, where games/free_spins.py counts a grant's consumption.
    free_spins_id: str = ""
    # time.perf_counter() when the request reached the view: the record keeps how long we took.
    received_at: float | None = field(default=None, compare=False)

    def content(self) -> dict:
        """The fields a resend must repeat exactly (round_closed is deliberately not one)."""
        return {
            "kind": self.kind,
            "player_id": self.player_id,
            "session_token": self.session_token,
            "amount": self.amount,
            "currency": self.currency,
            "round_id": self.round_id,
            "game_code": self.game_code,
            "spin_type": self.spin_type,
            "reference_id": self.reference_id,
            # Only when sent, so the content of calls recorded before the field existed is unchanged.
            **({"jackpot_contribution": self.jackpot_contribution} if self.jackpot_contribution is not None else {}),
            **({"free_spins_id": self.free_spins_id} if self.free_spins_id else {}),
        }


@dataclass(frozen=True, kw_only=True)
class RiskLimits:
    """The aggregator's limits a real-money win is checked against (services/risk.py reads them
    under the wallet lock). Amounts in minor units of the call's currency."""

    max_win_multiple: int
    # Only read for a win without a bet (None for a cash win, which never needs them).
    max_win_without_bet: int | None = None
    daily_wins_without_bet: int | None = None
    wins_without_bet_today: int = 0  # read from the day's counter, locked after the wallet


@dataclass(frozen=True, kw_only=True)
class FxQuote:
    """Converting a call played in `played` for a wallet in another currency (docs/money.md):
    one major unit of `played` is worth `rate` of the wallet's currency. Read in calls.py: the
    aggregator's pair (None when it may not play in `played` here) and the latest rate, if any."""

    played: str
    played_exponent: int
    wallet_exponent: int
    rate: Decimal | None = None
    valid_until: datetime | None = None

    def at(self, rate: Decimal) -> FxQuote:
        """The same conversion at another rate (the one a round locked)."""
        return FxQuote(
            played=self.played, played_exponent=self.played_exponent, wallet_exponent=self.wallet_exponent, rate=rate
        )

    def to_wallet(self, amount: int) -> int:
        """Played minor units in the wallet's, half-even."""
        assert self.rate is not None
        return convert_minor_units(
            amount, rate=self.rate, from_exponent=self.played_exponent, to_exponent=self.wallet_exponent
        )

    def balance_played(self, balance: int) -> int:
        """The wallet's balance in played minor units, rounded down."""
        assert self.rate is not None
        return convert_balance_down(
            balance, rate=self.rate, from_exponent=self.wallet_exponent, to_exponent=self.played_exponent
        )


@dataclass(frozen=True, kw_only=True)
class JackpotTerms:
    """An active jackpot the call's game contributes to (calls.py reads them for real play);
    `pool` (its account's balance) is read, under the jackpot's row lock, for a jackpot win only."""

    id: int
    game_code: str  # empty: every game of the aggregator
    contribution_percent: Decimal
    pool: int | None = None


def jackpot_contributions(call: MoneyCall, debit: int, jackpots: list[JackpotTerms]) -> list[tuple[int, int]]:
    """(jackpot id, amount) for each jackpot a bet of `debit` contributes to: the amount the
    aggregator sent goes to the game's own jackpot (else the aggregator-wide one); without it,
    each jackpot takes its percentage of the bet, half-even in minor units. Never more than the
    bet; nothing of zero."""
    if not jackpots or debit <= 0:
        return []
    if call.jackpot_contribution is not None:
        target = min(jackpots, key=lambda j: j.game_code == "")  # the game's own first
        amount = min(call.jackpot_contribution, debit)
        return [(target.id, amount)] if amount > 0 else []
    shares = []
    for jackpot in jackpots:
        share = (Decimal(debit) * jackpot.contribution_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        if share > 0:
            shares.append((jackpot.id, int(share)))
    return shares


@dataclass(frozen=True, kw_only=True)
class BonusState:
    """A player's active bonus, read (and its bonus wallet locked, after the cash wallet) by
    calls.py when the cash wallet has one. Bets use cash first, then this wallet's money."""

    bonus_id: int
    wallet: Wallet  # the bonus wallet, locked


class Known:
    """What a call reads under the wallet lock: the records of the transactions it names (its
    own, when it is a resend; the one a rollback or a Hub88 win names) with the rollbacks that
    name them, the rounds (the call's own, and the round of the transaction it names), for
    a real-money win, the risk limits it must keep (None: none apply, as for demo play), and for
    a real-money bet of a player with responsible-gaming state, that state (`rg`, read at `at`)."""

    def __init__(
        self,
        records: list[AggregatorTransaction],
        rounds: list[GameRound],
        risk: RiskLimits | None = None,
        rg: RgBetState | None = None,
        at: datetime | None = None,
        fx: FxQuote | None = None,
        jackpots: list[JackpotTerms] | None = None,
        bonus: BonusState | None = None,
    ):
        self.records = records
        self.rounds = rounds
        self.risk = risk
        self.rg = rg
        self.at = at
        # A call played in another currency than the wallet's: its pair and latest rate.
        self.fx = fx
        # Real-money bets and jackpot wins: the active jackpots of the call's game.
        self.jackpots = jackpots or []
        # Real play of a player with an active bonus: the bonus and its (locked) wallet.
        self.bonus = bonus

    def record(self, external_id: str) -> AggregatorTransaction | None:
        return next((r for r in self.records if r.external_id == external_id), None)

    def _rollbacks_of(self, external_id: str, *outcomes: str) -> bool:
        return any(
            r.kind == Kind.ROLLBACK and r.reference_id == external_id and r.outcome in outcomes for r in self.records
        )

    def tombstone(self, external_id: str) -> bool:
        """A rollback of this transaction arrived before it did."""
        return self._rollbacks_of(external_id, Outcome.TOMBSTONE)

    def rolled_back(self, bet: AggregatorTransaction) -> bool:
        # NO_OP counts too: the rollback of a free or zero bet refunds nothing, yet the bet is
        # rolled back all the same (a win naming it is refused, a second rollback moves nothing).
        return self._rollbacks_of(bet.external_id, Outcome.APPLIED, Outcome.NO_OP)

    def round_named(self, call: MoneyCall, wallet: Wallet) -> GameRound | None:
        if not call.round_id:
            return None
        round_ = next((r for r in self.rounds if r.external_id == call.round_id), None)
        if round_ is not None and round_.wallet_id != wallet.pk:
            raise WalletError(
                ErrorCode.VALIDATION_ERROR, f"round {call.round_id!r} belongs to another player or wallet"
            )
        return round_

    def round_of(self, record: AggregatorTransaction) -> GameRound | None:
        return next((r for r in self.rounds if r.pk == record.round_id), None)


@dataclass
class RoundChange:
    """What a call adds to its round's counts, and whether it closes the round."""

    closes: bool
    live_bets: int = 0
    rolled_back_bets: int = 0
    bet_total: int = 0
    win_total: int = 0
    bonus_stake: int = 0


@dataclass
class Decision:
    """What a call does: its outcome and answer, the round it belongs to (a new, unsaved one,
    whose counts are already set; or an existing one, changed by `round_change`) and the ledger
    transaction it posts."""

    outcome: str
    code: str = "OK"
    message: str = ""
    round: GameRound | None = None
    round_change: RoundChange | None = None
    posting: Posting | None = None
    # What a win without a bet adds to its aggregator's total of the day (services/risk.py).
    wins_without_bet: int = 0
    # A refusal for a responsible-gaming reason: the reason, remembered with the answer.
    rg_reason: str = ""
    # A call played in another currency: the conversion it settled at (its answer's balance too).
    fx: FxQuote | None = None
    # A bet's contributions to jackpots: (jackpot id, minor units), posted after the bet.
    jackpot_contributions: list[tuple[int, int]] = field(default_factory=list)
    # Bonus money (docs/money.md): the call's second ledger transaction, on the bonus wallet
    # (`posting` is then the cash wallet's; or, with no cash part, `posting` is the bonus one);
    # the part on the bonus wallet (positive) and its signed change; what the bet wagers.
    bonus_posting: Posting | None = None
    bonus_amount: int = 0
    bonus_delta: int = 0
    wagered: int = 0


def decide(call: MoneyCall, session: GameSession, wallet: Wallet, known: Known) -> Decision:
    """The call's Decision on the session's (locked) wallet; raises WalletError for a refusal."""
    rule = {Kind.BET: _bet, Kind.WIN: _win, Kind.ROLLBACK: _rollback}[Kind(call.kind)]
    return rule(call, session, wallet, known)


def _refuse(code: ErrorCode, message: str, rg_reason: str = "") -> WalletError:
    return WalletError(code, message, rg_reason=rg_reason)


def _bet(call: MoneyCall, session: GameSession, wallet: Wallet, known: Known) -> Decision:
    if session.is_expired:
        raise _refuse(ErrorCode.SESSION_EXPIRED, "the session has expired")
    _check_currency(call, session, known)
    # The rule launch asks too (casino/rules.py): a bet is refused exactly when a launch would be.
    refusal = player_may_play(session.player)
    if refusal is not None:
        raise _refuse(refusal.code, refusal.message)
    if known.tombstone(call.transaction_id):
        raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "this bet was rolled back before it arrived")
    round_ = known.round_named(call, wallet)
    fx = _fx_rate(call, session, known, round_, fresh=True)
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.ROUND_CLOSED, f"round {call.round_id!r} is closed")
    # A zero bet (Hub88 allows amount 0) and a free bet are recorded as live bets that staked
    # nothing: neither makes a cash win payable (_check_round_staked_money, _round_of_named_bet).
    played = 0 if call.is_free else (call.amount or 0)  # every protocol requires a bet's amount
    debit = fx.to_wallet(played) if fx is not None else played
    if known.rg is not None:
        # Limits, session time and exclusions, as read under this wallet's lock (calls.py): a
        # token issued before a limit was set is held to it, since nothing is kept in the session.
        assert known.at is not None  # read together with rg
        rg_refusal = known.rg.bet_refusal(amount=debit, at=known.at)
        if rg_refusal is not None:
            raise _refuse(rg_refusal.code, rg_refusal.message, rg_reason=rg_refusal.rg_reason)
    # Cash first, then bonus money (played in the wallet's own currency only).
    bonus = known.bonus if fx is None else None
    if wallet.balance + (bonus.wallet.balance if bonus is not None else 0) < debit:
        raise _refuse(ErrorCode.INSUFFICIENT_FUNDS, "insufficient funds")
    cash = min(wallet.balance, debit)
    from_bonus = debit - cash

    round_, change = _round_for(
        call,
        session,
        wallet,
        round_,
        RoundChange(call.round_closed, live_bets=1, bet_total=debit, bonus_stake=from_bonus),
        fx,
    )
    cash_posting = (
        _posting(call, wallet, LedgerTransaction.Kind.BET, -cash, round_, fx=fx, played=-played) if cash else None
    )
    bonus_posting = (
        _bonus_posting(call, wallet, bonus, LedgerTransaction.Kind.BET, -from_bonus, round_)
        if bonus is not None and from_bonus
        else None
    )
    return Decision(
        outcome=Outcome.APPLIED if debit else Outcome.NO_OP,
        round=round_,
        round_change=change,
        posting=cash_posting or bonus_posting,
        bonus_posting=bonus_posting if cash_posting else None,
        bonus_amount=from_bonus,
        bonus_delta=-from_bonus,
        wagered=debit if bonus is not None else 0,
        fx=fx,
        jackpot_contributions=jackpot_contributions(call, debit, known.jackpots),
    )


def _bonus_posting(
    call: MoneyCall, wallet: Wallet, bonus: BonusState, kind: str, amount: int, round_: GameRound | None
) -> Posting:
    """`amount` on the player's bonus wallet against the same game account as their cash: real
    money play, reported as such (the ledger transaction's mode is real)."""
    return posting(
        kind=kind,
        wallet=bonus.wallet,
        counter=game_account_key(call.aggregator, wallet),
        amount=amount,
        aggregator=call.aggregator,
        round_=round_,
        reference=call.transaction_id,
        memo="bonus money",
        mode=wallet.mode,
    )


def bonus_share(amount: int, round_: GameRound | None) -> int:
    """The part of a win that goes back to the bonus: its round's bonus stake over its bets,
    half-even in minor units."""
    if round_ is None or round_.bonus_stake <= 0 or round_.bet_total <= 0:
        return 0
    share = Decimal(amount) * round_.bonus_stake / round_.bet_total
    return min(amount, int(share.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


def _win(call: MoneyCall, session: GameSession, wallet: Wallet, known: Known) -> Decision:
    # No expiry check: a win of a round begun in time is owed to the player whenever it comes.
    _check_currency(call, session, known)
    if call.reference_id:
        round_ = _round_of_named_bet(call, wallet, known)
    else:
        round_ = known.round_named(call, wallet)
    # At the rate its round locked, however old; a win that opens its round needs a fresh rate.
    fx = _fx_rate(call, session, known, round_, fresh=round_ is None)
    if not call.reference_id:
        if round_ is not None and round_.is_closed:
            raise _refuse(ErrorCode.ROUND_CLOSED, f"round {call.round_id!r} is closed")
        if call.spin_type not in SpinType.WITHOUT_BET:
            _check_round_staked_money(round_)
    played = call.amount or 0
    amount = fx.to_wallet(played) if fx is not None else played
    if call.spin_type == SpinType.JACKPOT:
        jackpot = _check_jackpot_pays(call, known, amount, fx)
        wins_without_bet = 0
    else:
        jackpot = None
        wins_without_bet = _check_risk_limits(call, wallet, known, amount)

    # A cash win of a round staked partly with bonus money goes back to the bonus in proportion.
    bonus = known.bonus if fx is None and call.spin_type == SpinType.CASH else None
    to_bonus = bonus_share(amount, round_) if bonus is not None else 0
    cash = amount - to_bonus
    _check_balance_room(wallet, cash)
    round_, change = _round_for(call, session, wallet, round_, RoundChange(call.round_closed, win_total=amount), fx)
    cash_posting = (
        _posting(call, wallet, win_kind(call.spin_type), cash, round_, fx=fx, played=played, jackpot=jackpot)
        if cash
        else None
    )
    bonus_posting = (
        _bonus_posting(call, wallet, bonus, LedgerTransaction.Kind.WIN, to_bonus, round_)
        if bonus is not None and to_bonus
        else None
    )
    return Decision(
        outcome=Outcome.APPLIED if amount else Outcome.NO_OP,
        round=round_,
        round_change=change,
        posting=cash_posting or bonus_posting,
        bonus_posting=bonus_posting if cash_posting else None,
        bonus_amount=to_bonus,
        bonus_delta=to_bonus,
        wins_without_bet=wins_without_bet,
        fx=fx,
    )


# Wins of spins the player paid nothing for post as their own kinds against the aggregator's
# bonus account, so their cost is reported apart from cash wins (docs/money.md).
WIN_KINDS = {
    SpinType.CASH: LedgerTransaction.Kind.WIN,
    SpinType.FREE: LedgerTransaction.Kind.FREE_SPIN_WIN,
    SpinType.PROMO: LedgerTransaction.Kind.PROMO_WIN,
    SpinType.TOURNAMENT: LedgerTransaction.Kind.TOURNAMENT_WIN,
    SpinType.JACKPOT: LedgerTransaction.Kind.JACKPOT_WIN,
}


def _check_jackpot_pays(call: MoneyCall, known: Known, amount: int, fx: FxQuote | None) -> JackpotTerms:
    """The jackpot a jackpot win is paid from: its game's own, else the aggregator's; never more
    than its pool holds."""
    if fx is not None:
        raise _refuse(ErrorCode.CURRENCY_MISMATCH, "a jackpot pays in its own currency, the wallet's")
    if not known.jackpots:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "no active jackpot for this game")
    jackpot = min(known.jackpots, key=lambda j: j.game_code == "")
    assert jackpot.pool is not None  # calls.py reads the pool for a jackpot win
    if amount > jackpot.pool:
        raise _refuse(ErrorCode.RISK_LIMIT_EXCEEDED, f"the jackpot's pool holds {jackpot.pool} minor units")
    return jackpot


def win_kind(spin_type: str) -> str:
    return WIN_KINDS.get(spin_type, LedgerTransaction.Kind.WIN)


def _check_round_staked_money(round_: GameRound | None) -> None:
    """A cash win is paid against money staked in its round: a round whose live bets staked
    nothing (a zero bet, a free bet) pays only free, promo and tournament wins."""
    if round_ is not None and round_.bet_total > 0:
        return
    if round_ is not None and round_.live_bets == 0 and round_.rolled_back_bets:
        raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the round's bet was rolled back")
    if round_ is not None and round_.live_bets:
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, "no bet in this round staked money")
    raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, "no bet in this round")


def _round_of_named_bet(call: MoneyCall, wallet: Wallet, known: Known) -> GameRound | None:
    """The round of the bet a win names (Hub88): the win belongs to it, whatever round id the
    win carries, so a settled bet cannot be paid again under a new round id.

    The bet must be an accepted, live bet of this very wallet: another player's bet, or this
    player's demo bet for a real win (and the reverse), is no bet of theirs. Checked before the
    round's state, so a win whose bet was rolled back says so even when the rollback closed
    the round."""
    bet = known.record(call.reference_id)
    if bet is None:
        if known.tombstone(call.reference_id):
            raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the bet was rolled back")
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, f"no bet {call.reference_id!r}")
    if bet.wallet_id != wallet.pk or bet.kind != Kind.BET or bet.outcome == Outcome.REFUSED:
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, f"no accepted bet {call.reference_id!r} of this wallet")
    if known.rolled_back(bet):
        raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the bet was rolled back")
    if call.spin_type not in SpinType.WITHOUT_BET and bet.ledger_transaction_id is None:
        # A zero or free bet staked nothing: only the aggregator's free or promo wins follow it.
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, f"bet {call.reference_id!r} staked no money")
    round_ = known.round_of(bet)  # every accepted bet has one
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.ROUND_CLOSED, f"round {round_.external_id!r} of bet {bet.external_id!r} is closed")
    return round_


def _rollback(call: MoneyCall, session: GameSession, wallet: Wallet, known: Known) -> Decision:
    # No expiry check either: the aggregator must be able to cancel a bet it is unsure of.
    _check_currency(call, session, known)
    target = known.record(call.reference_id)
    if target is None:
        # A rollback overtook its bet (or the bet never reached us). Remember it: the bet, if
        # it comes, is refused. The round learns of it, so a win in it is refused as well.
        round_, change = known.round_named(call, wallet), None
        if (round_ is None and call.round_id) or (round_ is not None and not round_.is_closed):
            round_, change = _round_for(
                call, session, wallet, round_, RoundChange(call.round_closed, rolled_back_bets=1)
            )
        return Decision(
            outcome=Outcome.TOMBSTONE,
            round=round_,
            round_change=change,
            message="bet not seen; remembered as rolled back",
        )
    if target.wallet_id != wallet.pk:
        # First: what another wallet's transaction is (a win, say) is none of this caller's business.
        raise WalletError(ErrorCode.VALIDATION_ERROR, "the transaction belongs to another player or wallet")
    if target.kind != Kind.BET:
        raise _refuse(
            ErrorCode.TRANSACTION_ALREADY_SETTLED, f"{target.kind} {target.external_id!r} cannot be rolled back"
        )
    round_ = known.round_of(target)
    # Refunded at the rate the bet's round locked: exactly what the bet debited.
    fx = _fx_rate(call, session, known, round_, fresh=False, played_in=(target.request or {}).get("currency"))
    if target.outcome == Outcome.REFUSED:
        return Decision(outcome=Outcome.NO_OP, round=round_, message="the bet was refused; nothing to roll back")
    if known.rolled_back(target):
        return Decision(outcome=Outcome.NO_OP, round=round_, message="the bet was already rolled back")
    if call.amount is not None and call.amount != target.amount:
        raise WalletError(ErrorCode.VALIDATION_ERROR, f"amount must equal the bet's ({target.amount})")
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.TRANSACTION_ALREADY_SETTLED, "the bet's round is closed")

    played = (target.amount or 0) if target.ledger_transaction_id else 0  # a free bet debited nothing
    refund = fx.to_wallet(played) if fx is not None else played
    # What the bet took from the bonus goes back to it while it is active; once the bonus was
    # converted (or forfeited), to cash.
    bonus = known.bonus
    to_bonus = min(target.bonus_amount, refund) if bonus is not None else 0
    cash = refund - to_bonus
    _check_balance_room(wallet, cash)
    change = RoundChange(
        call.round_closed,
        live_bets=-1,
        rolled_back_bets=1,
        bet_total=-refund,
        bonus_stake=-min(target.bonus_amount, refund),
    )
    memo = f"rollback of {target.external_id}"
    cash_posting = (
        _posting(call, wallet, LedgerTransaction.Kind.ROLLBACK, cash, round_, memo=memo, fx=fx, played=played)
        if cash
        else None
    )
    bonus_posting = (
        _bonus_posting(call, wallet, bonus, LedgerTransaction.Kind.ROLLBACK, to_bonus, round_)
        if bonus is not None and to_bonus
        else None
    )
    return Decision(
        outcome=Outcome.APPLIED if refund else Outcome.NO_OP,
        round=round_,
        round_change=change if round_ is not None else None,
        posting=cash_posting or bonus_posting,
        bonus_posting=bonus_posting if cash_posting else None,
        bonus_amount=to_bonus,
        bonus_delta=to_bonus,
        fx=fx,
    )


def _check_balance_room(wallet: Wallet, credit: int) -> None:
    # The balance column is bigint minor units: a credit past its largest value cannot be
    # written (and PostgreSQL would refuse it anyway). Not remembered: it is a limit of ours.
    if wallet.balance + credit > MINOR_UNITS_MAX:
        raise WalletError(
            ErrorCode.VALIDATION_ERROR,
            f"the credit would take the balance past the largest balance a wallet holds: {MINOR_UNITS_MAX} minor units",
        )


def _check_currency(call: MoneyCall, session: GameSession, known: Known) -> None:
    """The wallet's currency, or one its aggregator may play in on it (an FX pair)."""
    if call.currency != session.currency_id and known.fx is None:
        raise _refuse(ErrorCode.CURRENCY_MISMATCH, f"the session's currency is {session.currency_id}")


def _fx_rate(
    call: MoneyCall,
    session: GameSession,
    known: Known,
    round_: GameRound | None,
    *,
    fresh: bool,
    played_in: str | None = None,
) -> FxQuote | None:
    """The conversion a call settles at: None in the wallet's own currency; else the rate its
    round locked, or (`fresh`: a bet, a win opening its round) the latest rate, refused once
    past its validity. `played_in`: a rollback's currency is its bet's (Hub88 sends none)."""
    played = played_in or call.currency
    if round_ is not None and round_.fx_currency_id is not None:
        if played != round_.fx_currency_id:
            raise _refuse(ErrorCode.CURRENCY_MISMATCH, f"round {round_.external_id!r} plays in {round_.fx_currency_id}")
        assert known.fx is not None and round_.fx_rate is not None  # calls.py reads the pair of a foreign call
        if fresh:
            _check_fresh(known.fx, known)
        return known.fx.at(round_.fx_rate)
    if played == session.currency_id:
        return None
    if known.fx is None or (round_ is not None and round_.fx_currency_id is None and round_.live_bets):
        raise _refuse(ErrorCode.CURRENCY_MISMATCH, f"the session's currency is {session.currency_id}")
    if fresh:
        _check_fresh(known.fx, known)
    elif known.fx.rate is None:
        raise _refuse(ErrorCode.FX_RATE_STALE, f"no rate {played}->{session.currency_id}")
    return known.fx


def _check_fresh(fx: FxQuote, known: Known) -> None:
    # A bet converted at an old rate would let a player play the difference: refuse it.
    assert known.at is not None  # calls.py reads the time with the pair
    if fx.rate is None or fx.valid_until is None or fx.valid_until <= known.at:
        raise _refuse(ErrorCode.FX_RATE_STALE, f"no valid rate {fx.played} to the wallet's currency now")


def _round_for(
    call: MoneyCall,
    session: GameSession,
    wallet: Wallet,
    round_: GameRound | None,
    change: RoundChange,
    fx: FxQuote | None = None,
) -> tuple[GameRound, RoundChange | None]:
    """The call's round and the change to write to it: `round_` and `change`; without a round,
    a new (unsaved) one that starts with `change`'s counts (one INSERT, no UPDATE), locking
    the rate of `fx` for the rest of the round."""
    if round_ is not None:
        return round_, change
    # Safe without a lock of its own: rounds are only created under their wallet's lock.
    now = timezone.now()
    new_round = GameRound(
        aggregator=call.aggregator,
        external_id=call.round_id or f"tx:{call.transaction_id}",
        wallet=wallet,
        session=session,
        game_code=call.game_code,
        status=GameRound.Status.CLOSED if change.closes else GameRound.Status.OPEN,
        closed_at=now if change.closes else None,
        live_bets=change.live_bets,
        rolled_back_bets=change.rolled_back_bets,
        bet_total=change.bet_total,
        win_total=change.win_total,
        bonus_stake=change.bonus_stake,
        fx_currency_id=fx.played if fx is not None else None,
        fx_rate=fx.rate if fx is not None else None,
    )
    return new_round, None


def _posting(
    call: MoneyCall,
    wallet: Wallet,
    kind: str,
    amount: int,
    round_: GameRound | None,
    memo: str = "",
    *,
    fx: FxQuote | None = None,
    played: int = 0,
    jackpot: JackpotTerms | None = None,
) -> Posting:
    """`amount` on the wallet against the aggregator's game account (its bonus account for a
    free, promo or tournament win). Played in another currency: the house side is in the played
    currency (`played`, signed like `amount`), bridged by the FX accounts of both currencies,
    which keep the rounding's remainder (docs/money.md)."""
    mode = wallet.mode
    house = (
        HouseAccount.Kind.GAME
        if kind in (LedgerTransaction.Kind.BET, LedgerTransaction.Kind.WIN, LedgerTransaction.Kind.ROLLBACK)
        else HouseAccount.Kind.BONUS
    )
    if fx is None:
        counter = game_account_key(call.aggregator, wallet)._replace(kind=house)
        if jackpot is not None:
            counter = jackpot_account_key(jackpot_id=jackpot.id, currency=wallet.currency_id, mode=mode)
        return posting(
            kind=kind,
            wallet=wallet,
            counter=counter,
            amount=amount,
            aggregator=call.aggregator,
            round_=round_,
            reference=call.transaction_id,
            memo=memo,
        )
    return posting(
        kind=kind,
        wallet=wallet,
        counter=AccountKey(HouseAccount.Kind.FX, wallet.currency_id, mode),
        amount=amount,
        aggregator=call.aggregator,
        round_=round_,
        reference=call.transaction_id,
        memo=memo,
        more_legs=(
            (AccountKey(HouseAccount.Kind.FX, fx.played, mode), played),
            (AccountKey(house, fx.played, mode, call.aggregator.pk), -played),
        ),
        fx=(fx.played, played, fx.rate),
    )


# --- Risk limits (the values come from services/risk.py, read under the wallet lock) ----------


def is_win_without_bet(call: MoneyCall, wallet: Wallet, known: Known) -> bool:
    """A win the player paid nothing for: a free, promo or tournament spin, or a win whose bets
    debited nothing (a Hub88 free bet). No stake bounds it, so the risk limits on wins without
    a bet do."""
    return call.spin_type in SpinType.WITHOUT_BET or _staked_round(call, wallet, known) is None


def _staked_round(call: MoneyCall, wallet: Wallet, known: Known) -> GameRound | None:
    """The round whose bets a win pays: the round of the bet it names (Hub88), else its own;
    None when that round has no cash staked."""
    round_ = None
    if call.reference_id:
        bet = known.record(call.reference_id)
        round_ = known.round_of(bet) if bet is not None else None
    round_ = round_ or known.round_named(call, wallet)
    return round_ if round_ is not None and round_.bet_total > 0 else None


def _check_risk_limits(call: MoneyCall, wallet: Wallet, known: Known, amount: int) -> int:
    """Refuse a win over the aggregator's risk limits (a leaked credential must not mint money);
    return what it adds to the day's total of wins without a bet (0 for a cash win).

    A cash win may bring its round's wins to at most `max_win_multiple` times the round's bets:
    the round's earlier wins count too, so splitting a win into many calls does not pass. A win
    without a bet must be at most `max_win_without_bet` and keep the aggregator's total of the
    (UTC) day within `daily_wins_without_bet`. Amounts in the wallet's currency.
    """
    limits = known.risk  # `amount`: the win in the wallet's currency
    if limits is None or amount == 0:
        return 0
    if not is_win_without_bet(call, wallet, known):
        round_ = _staked_round(call, wallet, known)
        assert round_ is not None  # is_win_without_bet found none: the win has cash staked
        most = limits.max_win_multiple * round_.bet_total
        if round_.win_total + amount > most:
            raise _over_limit(
                f"a round's wins are limited to {limits.max_win_multiple} times its bets ({most} minor units)"
            )
        return 0
    if limits.max_win_without_bet is None or limits.daily_wins_without_bet is None:
        raise ValueError("a win without a bet needs its risk limits")  # calls.py reads them: a bug
    if amount > limits.max_win_without_bet:
        raise _over_limit(f"a win without a bet is limited to {limits.max_win_without_bet} minor units")
    if limits.wins_without_bet_today + amount > limits.daily_wins_without_bet:
        raise _over_limit(
            f"wins without a bet are limited to {limits.daily_wins_without_bet} minor units a day"
            f" ({limits.wins_without_bet_today} so far today)"
        )
    return amount


def _over_limit(message: str) -> WalletError:
    return _refuse(ErrorCode.RISK_LIMIT_EXCEEDED, f"risk limit of this aggregator: {message}")
