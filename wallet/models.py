"""Wallets, the double-entry ledger, game rounds and the record of every aggregator money call.

Invariants (the database enforces them on PostgreSQL; see migration 0002):
- a wallet balance is never negative (CHECK);
- the entries of a ledger transaction sum to zero (deferred constraint trigger, at commit);
- ledger transactions, ledger entries and aggregator transaction records are append-only
  (UPDATE and DELETE raise);
- an aggregator's transaction id is processed at most once (UNIQUE (aggregator, external_id)
  within each month's partition, and across months by the call's lock: see AggregatorTransaction).

The ledger (LedgerTransaction, LedgerEntry) and the call records (AggregatorTransaction) are
partitioned by calendar month of `created_at` (migration 0010, wallet/partitions.py,
docs/scaling.md). In the database their primary keys are (id, created_at) and the links between
them are composite foreign keys (…, created_at): a transaction, its entries and its call record
share one created_at. Django's state keeps `id` as the primary key (ids come from one sequence).

Only wallet/services/ writes to these tables.
"""

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Func
from simple_history.models import HistoricalRecords

from casino.models import Aggregator, Currency, GameSession, Mode, Player


class TransactionNow(Func):
    """PostgreSQL's transaction_timestamp(): one time for every row a database transaction
    writes. The default of the partitioned tables' created_at, so a ledger transaction, its
    entries and its call record written by the ORM in one transaction share their partition key
    (Django's Now() is the statement's time, which differs between statements)."""

    template = "transaction_timestamp()"
    output_field = models.DateTimeField()


class WalletMode(models.TextChoices):
    """A wallet's kind of money: Mode's two (real, demo), and bonus money (docs/money.md): a
    player's bonus balance beside their real wallet, which no session plays from directly."""

    REAL = Mode.REAL.value, "real"
    DEMO = Mode.DEMO.value, "demo"
    BONUS = "bonus", "bonus"


class Wallet(models.Model):
    """A player's purse in one currency. `balance` is a cache of the sum of its ledger entries."""

    player = models.ForeignKey(Player, on_delete=models.PROTECT, related_name="wallets")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    # Demo wallets hold play money for demo sessions; real money never moves through them.
    mode = models.CharField(max_length=8, choices=WalletMode.choices, default=Mode.REAL)
    balance = models.BigIntegerField(default=0, help_text="Minor units of the currency.")
    # A real wallet whose player has an active bonus (wallet/services/bonus.py): only then does a
    # money call read and lock the bonus wallet too. Read with the wallet row: free otherwise.
    has_bonus = models.BooleanField(default=False, db_default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["player__external_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["player", "currency", "mode"], name="wallet_one_per_player_currency_mode"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="wallet_balance_not_negative"),
        ]

    def __str__(self) -> str:
        suffix = " (demo)" if self.mode == Mode.DEMO else ""
        return f"{self.player} {self.currency_id}{suffix}"


class HouseAccount(models.Model):
    """The counterparty of every wallet movement.

    House accounts keep no cached balance: every bet of every player touches its aggregator's
    account, so a cached balance there would be one hot row serialising all play. Their
    balance is the sum of their entries (see selectors.house_account_balance).
    """

    class Kind(models.TextChoices):
        GAME = "game", "game play (per aggregator)"
        CASHIER = "cashier", "cashier (deposits and withdrawals)"
        ADJUSTMENT = "adjustment", "staff adjustments"
        DEMO_BANK = "demo_bank", "demo play-money bank"
        # Currency conversion (docs/money.md): one per currency; its legs bridge a wallet in one
        # currency and a game account in another, and keep what rounding leaves over.
        FX = "fx", "currency conversion"
        # Free, promo and tournament wins (per aggregator): their cost, apart from cash wins.
        BONUS = "bonus", "bonus cost (free, promo and tournament wins)"
        # A jackpot's pool (per jackpot): contributions in, jackpot wins out.
        JACKPOT = "jackpot", "jackpot pool"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, null=True, blank=True)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.REAL)
    # A jackpot's pool: one account per jackpot (and mode), whatever its aggregator.
    jackpot = models.ForeignKey("Jackpot", on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "aggregator", "currency", "mode"],
                condition=models.Q(aggregator__isnull=False, jackpot__isnull=True),
                name="house_account_unique_with_aggregator",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency", "mode"],
                condition=models.Q(aggregator__isnull=True, jackpot__isnull=True),
                name="house_account_unique_without_aggregator",
            ),
            models.UniqueConstraint(
                fields=["jackpot", "mode"],
                condition=models.Q(jackpot__isnull=False),
                name="house_account_one_per_jackpot",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="jackpot", jackpot__isnull=False)
                | (~models.Q(kind="jackpot") & models.Q(jackpot__isnull=True)),
                name="house_account_jackpot_pool",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="game", aggregator__isnull=False) | ~models.Q(kind="game"),
                name="house_account_game_needs_aggregator",
            ),
        ]

    def __str__(self) -> str:
        owner = f" {self.aggregator}" if self.aggregator_id else ""
        return f"{self.get_kind_display()}{owner} {self.currency_id} ({self.mode})"


def index_where_set(field: str, *, name: str) -> models.Index:
    """An index of `field` holding only the rows where it is set: a money call, which leaves it
    NULL, writes no entry into it (migration 0012)."""
    return models.Index(fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name)


class GameRound(models.Model):
    """One game round as the aggregator groups bets and wins; mutable state, not ledger."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    # No index of its own (also below, for the foreign keys that lead a composite index): the
    # composite serves every lookup, and a second, one-column index only offers the planner a
    # wrong choice (a scan of all the aggregator's rows, docs/benchmarks.md) and costs writes.
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, db_index=False)
    external_id = models.CharField("round id", max_length=128)
    # Indexed by round_wallet_recent below (the player page reads a wallet's newest rounds).
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="rounds", db_index=False)
    session = models.ForeignKey(GameSession, on_delete=models.PROTECT, null=True, blank=True)
    game_code = models.CharField(max_length=128)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    live_bets = models.PositiveIntegerField(default=0, help_text="Bets applied and not rolled back.")
    rolled_back_bets = models.PositiveIntegerField(default=0)
    bet_total = models.BigIntegerField(default=0)
    win_total = models.BigIntegerField(default=0)
    # The part of bet_total staked with bonus money: the round's wins go back to the bonus in
    # that proportion while the bonus is active (docs/money.md).
    bonus_stake = models.BigIntegerField(default=0, db_default=0)
    # A round played in another currency than the wallet's: the rate its first money call locked;
    # every later call of the round settles at it (bet_total and win_total are wallet currency).
    # Indexed by round_fx_currency below, only where set (see LedgerTransaction).
    fx_currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="played currency",
        db_index=False,
    )
    fx_rate = models.DecimalField("FX rate", max_digits=24, decimal_places=12, null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["aggregator", "external_id"], name="round_unique_per_aggregator"),
        ]
        indexes = [
            models.Index(fields=["status", "last_activity_at"], name="round_open_by_activity"),
            # Replaces the foreign key's own index (one index either way on each new round): it
            # serves the same lookups and gives a wallet's rounds newest first without a sort.
            models.Index(fields=["wallet", "-id"], name="round_wallet_recent"),
            index_where_set("fx_currency", name="round_fx_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.aggregator} round {self.external_id}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class LedgerTransaction(models.Model):
    """One balance change: its entries (at least two) sum to zero. Never updated or deleted."""

    class Kind(models.TextChoices):
        BET = "bet"
        WIN = "win"
        ROLLBACK = "rollback"
        DEPOSIT = "deposit"
        WITHDRAWAL = "withdrawal"
        ADJUSTMENT = "adjustment"
        DEMO_TOP_UP = "demo_top_up", "demo top-up"
        # Wins of spins the player paid nothing for, against the aggregator's bonus account.
        FREE_SPIN_WIN = "free_spin_win", "free-spin win"
        PROMO_WIN = "promo_win", "promo win"
        TOURNAMENT_WIN = "tournament_win", "tournament win"
        # Between house accounts (the game account and a jackpot's pool), and a pool's payout.
        JACKPOT_CONTRIBUTION = "jackpot_contribution", "jackpot contribution"
        JACKPOT_WIN = "jackpot_win", "jackpot win"
        # Bonus money: granted into a bonus wallet, converted to cash once wagered (docs/money.md).
        BONUS_GRANT = "bonus_grant", "bonus grant"
        BONUS_CONVERSION = "bonus_conversion", "bonus converted to cash"
        BONUS_FORFEIT = "bonus_forfeit", "bonus forfeited"

    # Every bet writes a row here, and one entry into each index of it. So a foreign key gets an
    # index only where a query reads by it (the round: the daily figures, a round's ledger rows),
    # and one set by staff only (bets leave it NULL) gets a partial one, which bets do not touch:
    # "what did this user create", and the PROTECT check of deleting that user, stay lookups.
    # Currency and aggregator keep theirs: no money call reads by them, but deleting a currency or
    # an aggregator in the admin checks PROTECT through them, which would otherwise scan the
    # ledger (the currency's `_like` twin, for LIKE on a code, went: migration 0012).
    kind = models.CharField(max_length=24, choices=Kind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.REAL)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    # The wallet whose balance changed (also in the entries; kept here for search and reports).
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )  # indexed by (wallet, -id) below
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, null=True, blank=True)
    round = models.ForeignKey(GameRound, on_delete=models.PROTECT, null=True, blank=True)
    reference = models.CharField(max_length=128, blank=True, help_text="Aggregator transaction id, or staff reference.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )  # indexed by ledger_created_by below
    # Four eyes (MoneyRequest): the second staff member, who approved what created_by requested.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )  # indexed by ledger_approved_by below
    memo = models.CharField(max_length=255, blank=True)
    # A call played in another currency than the wallet's (docs/money.md): what was played, in
    # the played currency's minor units (signed like the wallet's leg), at which locked rate.
    fx_currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="played currency",
        db_index=False,
    )  # indexed by ledger_fx_currency below
    fx_amount = models.BigIntegerField("played amount", null=True, blank=True)
    fx_rate = models.DecimalField("FX rate", max_digits=24, decimal_places=12, null=True, blank=True)
    # The partition key (calendar month). The money path writes its call's time here, and its
    # entries and call record copy it; written by the ORM it is the database transaction's time.
    created_at = models.DateTimeField(db_default=TransactionNow(), editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["wallet", "-id"]),
            models.Index(fields=["reference"]),
            models.Index(fields=["created_at"]),
            index_where_set("created_by", name="ledger_created_by"),
            index_where_set("approved_by", name="ledger_approved_by"),
            index_where_set("fx_currency", name="ledger_fx_currency"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.reference}".strip()


class LedgerEntry(models.Model):
    """One leg of a ledger transaction: a signed amount on a wallet or on a house account."""

    # db_constraint=False: Django can only write a foreign key to `id`, which is not unique by
    # itself on a partitioned table. The database's guard is the composite foreign key
    # (transaction_id, created_at) -> (id, created_at) of migration 0010.
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries", db_constraint=False
    )
    # Each leg is on a wallet or on a house account, never both: each of the two indexes holds
    # only the legs that name its account (entry_wallet, entry_house_account below), so a bet's
    # two legs write one entry into each instead of two (a NULL is an index entry too).
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", db_index=False
    )
    house_account = models.ForeignKey(
        HouseAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", db_index=False
    )
    amount = models.BigIntegerField(help_text="Signed minor units: positive credits the account.")
    # The wallet's balance right after this entry: a statement a support agent can read.
    balance_after = models.BigIntegerField(null=True, blank=True)
    # Its transaction's created_at (the partition key; the composite foreign key checks it).
    created_at = models.DateTimeField(db_default=TransactionNow(), editable=False)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(wallet__isnull=False, house_account__isnull=True, balance_after__isnull=False)
                    | models.Q(wallet__isnull=True, house_account__isnull=False, balance_after__isnull=True)
                ),
                name="entry_on_exactly_one_account",
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero"),
        ]
        indexes = [
            index_where_set("wallet", name="entry_wallet"),
            index_where_set("house_account", name="entry_house_account"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.wallet or self.house_account}"


class AggregatorTransaction(models.Model):
    """An aggregator's money call (bet, win, rollback) as received, and the answer we gave.

    Its unique (aggregator, external_id) is the idempotency key: a resend finds this row and
    gets the stored answer back, whatever protocol it came in. The answer is kept protocol-
    neutral (result code, balance, message); each protocol renders it the same way each time.

    The table is partitioned by month, and PostgreSQL's unique keys hold within one partition
    only: in the database the key is a unique index on each month's partition. Across months,
    the call's lookup searches every attached partition, and a call near the turn of a month
    also takes a lock on the key itself (wallet/services/calls.py, docs/scaling.md).
    """

    class Kind(models.TextChoices):
        BET = "bet"
        WIN = "win"
        ROLLBACK = "rollback"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "applied (money moved)"
        REFUSED = "refused", "refused (business error)"
        NO_OP = "no_op", "accepted, nothing to move"
        TOMBSTONE = "tombstone", "rollback of a bet not yet seen"

    # Indexed by the idempotency key (each month's <partition>_txn_id) and aggtxn_wallet_recent (see GameRound).
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, db_index=False)
    external_id = models.CharField("aggregator transaction id", max_length=128)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.REAL)
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="aggregator_transactions", db_index=False)
    session = models.ForeignKey(GameSession, on_delete=models.PROTECT)
    round = models.ForeignKey(GameRound, on_delete=models.PROTECT, null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    game_code = models.CharField(max_length=128, blank=True)
    spin_type = models.CharField(max_length=16, blank=True)
    round_closed = models.BooleanField(default=False)
    # For a rollback: the id of the transaction it cancels. For a win (some protocols): its bet.
    reference_id = models.CharField(max_length=128, blank=True)
    # The parsed money fields of the request: a resend must match them to be a resend.
    request = models.JSONField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    result_code = models.CharField(max_length=32)
    balance = models.BigIntegerField(null=True, blank=True, help_text="The balance we answered.")
    message = models.CharField(max_length=255, blank=True)
    # Bonus money: the part of a bet paid from the bonus wallet, or of a win or refund credited
    # to it (wallet currency minor units; its ledger transaction is the call's second one).
    bonus_amount = models.BigIntegerField(default=0, db_default=0)
    # For an RG_BLOCKED answer: why (casino.responsible_gaming.RgReason), replayed to a resend.
    rg_reason = models.CharField("RG reason", max_length=32, blank=True, default="", db_default="")
    # In the database: the composite foreign key (ledger_transaction_id, created_at) and a unique
    # index on the same pair, which is the one-to-one, since a record shares its transaction's
    # created_at (migration 0010). Django cannot write either (db_constraint=False).
    ledger_transaction = models.OneToOneField(
        LedgerTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aggregator_transaction",
        db_constraint=False,
    )
    # The partition key (calendar month): the call's time, which its ledger transaction shares.
    created_at = models.DateTimeField(db_default=TransactionNow(), editable=False)
    elapsed_us = models.PositiveIntegerField(
        "time to answer (µs)",
        null=True,
        blank=True,
        help_text="From the request reaching the view to writing this record, lock wait included.",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # In the database: a unique index on each month's partition, <partition>_txn_id
            # (wallet/partitions.py); Django's state keeps the key it checks forms against.
            models.UniqueConstraint(fields=["aggregator", "external_id"], name="aggregator_transaction_id_unique"),
        ]
        indexes = [
            models.Index(
                fields=["aggregator", "reference_id"],
                condition=~models.Q(reference_id=""),
                name="aggtxn_reference",
            ),
            models.Index(fields=["wallet", "-id"], name="aggtxn_wallet_recent"),
            # Reconciliation reads one window of call records by time. BRIN: records are appended
            # in time order, so a few pages find any hour, and keeping it costs the bet path next
            # to nothing (a B-tree would be one more index write per call).
            BrinIndex(fields=["created_at"], name="aggtxn_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.kind} {self.external_id}"


class LedgerArchive(models.Model):
    """What one account's entries of a month summed to when that month was detached for
    archiving (wallet/partitions.py): its balance still counts them, so the ledger's checks
    (selectors.ledger_violations) and a house account's balance add them to the entries left."""

    month = models.DateField(help_text="The first day of the month detached.")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    house_account = models.ForeignKey(HouseAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.BigIntegerField(help_text="The sum of the account's entries of the month, minor units.")
    entries = models.PositiveIntegerField()
    # The largest id among them: the running balance of a later entry starts from `amount`.
    last_entry_id = models.BigIntegerField()
    archived_in = models.CharField(max_length=63, help_text="The detached table holding the entries.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wallet__isnull=False, house_account__isnull=True)
                | models.Q(wallet__isnull=True, house_account__isnull=False),
                name="ledger_archive_one_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.wallet or self.house_account}: {self.amount:+d}"


# --- Risk limits ------------------------------------------------------------------------------
# Wins without a bet (free, promo and tournament spins; wins tied to no paid bet) need no money
# from the player, so an aggregator's leaked credential could mint money with them. Each one is
# capped per aggregator and currency, and so is their total per UTC day. Amounts are per
# currency, in its minor units: there is no FX conversion here, only round figures near
# EUR 10,000 for one win and EUR 100,000 a day, which staff raise per aggregator (RiskLimit rows).
# A currency missing from this table gets 0 and 0 (no win without a bet) until staff set a row.
DEFAULT_RISK_LIMITS: dict[str, tuple[int, int]] = {
    # code: (largest win without a bet, daily total of such wins), minor units
    "EUR": (10_000_00, 100_000_00),
    "USD": (10_000_00, 100_000_00),
    "GBP": (10_000_00, 100_000_00),
    "CAD": (15_000_00, 150_000_00),
    "JPY": (1_500_000, 15_000_000),  # exponent 0
    "BTC": (10_000_000, 100_000_000),  # 0.1 BTC / 1 BTC in satoshi
    # 3 ETH / 9 ETH in wei: amounts are 64-bit (at most ~9.2 ETH), so the daily default stays below.
    "ETH": (3 * 10**18, 9 * 10**18),
    "USDT": (10_000 * 10**6, 100_000 * 10**6),
}


class RiskLimit(models.Model):
    """An aggregator's limits on wins without a bet in one currency, set by staff. Without a row
    the currency's DEFAULT_RISK_LIMITS apply (selectors.risk_limit_in_force)."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.CASCADE, related_name="risk_limits")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    max_win_without_bet = models.PositiveBigIntegerField(
        "largest win without a bet", help_text="Minor units of the currency (cents, satoshi, wei)."
    )
    daily_wins_without_bet = models.PositiveBigIntegerField(
        "daily total of wins without a bet", help_text="Minor units, per UTC day, all players of the aggregator."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["aggregator", "currency"]
        constraints = [models.UniqueConstraint(fields=["aggregator", "currency"], name="risk_limit_unique")]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.currency_id} risk limits"


class WinsWithoutBetDay(models.Model):
    """The total of one aggregator's wins without a bet in one currency on one UTC day: the
    counter the daily risk limit is checked against. Locked after the wallet (wallet/locks.py)."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, db_index=False)  # leads the unique key
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    day = models.DateField(help_text="UTC.")
    total = models.BigIntegerField(default=0, help_text="Minor units credited by wins without a bet.")

    class Meta:
        ordering = ["-day", "aggregator", "currency"]
        verbose_name = "day of wins without a bet"
        verbose_name_plural = "days of wins without a bet"
        constraints = [
            models.UniqueConstraint(fields=["aggregator", "currency", "day"], name="wins_without_bet_day_unique"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="wins_without_bet_day_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.currency_id} {self.day}"


# --- Currency conversion ----------------------------------------------------------------------


class FxPair(models.Model):
    """An aggregator may play in `played` on wallets in `wallet_currency` (docs/money.md)."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.CASCADE, related_name="fx_pairs")
    played = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+", verbose_name="played currency")
    wallet_currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["aggregator", "played", "wallet_currency"]
        verbose_name = "FX pair"
        constraints = [
            models.UniqueConstraint(fields=["aggregator", "played", "wallet_currency"], name="fx_pair_unique"),
            models.CheckConstraint(
                condition=~models.Q(played=models.F("wallet_currency")), name="fx_pair_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.played_id}->{self.wallet_currency_id}"


class FxRate(models.Model):
    """One unit of `base` is worth `rate` units of `quote` (major units), from `as_of` until
    `valid_until`: after that a bet converted by it is refused (FX_RATE_STALE)."""

    class Source(models.TextChoices):
        STAFF = "staff"
        FEED = "feed"

    base = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    quote = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(max_digits=24, decimal_places=12)
    as_of = models.DateTimeField()
    valid_until = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base", "quote", "-as_of"]
        verbose_name = "FX rate"
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "as_of"], name="fx_rate_unique_as_of"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("as_of")), name="fx_rate_valid_after_as_of"
            ),
        ]
        indexes = [models.Index(fields=["base", "quote", "-as_of"], name="fx_rate_latest")]

    def __str__(self) -> str:
        return f"1 {self.base_id} = {self.rate.normalize()} {self.quote_id} ({self.as_of:%Y-%m-%d %H:%M})"


# --- Jackpots ---------------------------------------------------------------------------------


class Jackpot(models.Model):
    """A pool filled by a share of each real-money bet on its games and paid out by jackpot wins
    (docs/money.md). Its money is its house account's (HouseAccount.jackpot): contributions and
    wins are ledger transactions of their own kinds."""

    name = models.CharField(max_length=100)
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="jackpots")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    game_code = models.CharField(
        max_length=128, blank=True, help_text="The aggregator's game code; empty: every game of the aggregator."
    )
    contribution_percent = models.DecimalField(
        "contribution (% of each bet)",
        max_digits=7,
        decimal_places=4,
        help_text="Used when the aggregator sends no contribution amount with the bet.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["aggregator", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contribution_percent__gte=0, contribution_percent__lte=100),
                name="jackpot_contribution_0_100",
            ),
            models.UniqueConstraint(
                fields=["aggregator", "currency", "game_code"],
                condition=models.Q(is_active=True),
                name="jackpot_one_active_per_game",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.aggregator} {self.currency_id})"


# --- Bonus money ------------------------------------------------------------------------------


class Bonus(models.Model):
    """Bonus money granted to a player's real wallet: held in their bonus wallet, played after
    their cash, convertible to cash once `wagered` reaches `wagering_required` (docs/money.md)."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        CONVERTED = "converted", "converted to cash"
        FORFEITED = "forfeited"

    cash_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="bonuses")
    bonus_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="Granted, minor units.")
    wagering_required = models.BigIntegerField(help_text="Real-money bets to place before conversion, minor units.")
    wagered = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "bonuses"
        constraints = [
            models.UniqueConstraint(
                fields=["cash_wallet"], condition=models.Q(status="active"), name="bonus_one_active_per_wallet"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0, wagering_required__gte=0), name="bonus_amounts"),
        ]

    def __str__(self) -> str:
        return f"bonus {self.pk} of {self.cash_wallet} ({self.status})"


class MoneyRequest(models.Model):
    """A staff deposit, withdrawal or adjustment, from the form that asked for it to its ledger
    transaction (wallet/services/money_requests.py). Above the currency's four-eyes threshold it
    waits for a second staff member with the approve permission (never the requester); at or
    below it, it posts at once. `request_key` is the form's own id: a form sent twice (Back, then
    submit again) finds this row and gets its result instead of a second operation."""

    class Operation(models.TextChoices):
        DEPOSIT = "deposit"
        WITHDRAWAL = "withdrawal"
        ADJUSTMENT = "adjustment", "adjustment (signed)"

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for approval"
        POSTED = "posted", "posted to the ledger"
        REJECTED = "rejected"
        EXPIRED = "expired"
        REFUSED = "refused", "refused when posting (responsible gaming)"

    request_key = models.UUIDField(unique=True, help_text="The id of the form that asked for it.")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="money_requests")
    operation = models.CharField(max_length=16, choices=Operation.choices)
    amount = models.BigIntegerField(help_text="Signed minor units: what the wallet's balance moves by.")
    memo = models.CharField(max_length=255, help_text="Why.")
    # Where the request came from (e.g. "admin", "reconciliation:discrepancy:42").
    source = models.CharField(max_length=64, default="admin")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    # db_constraint=False: no foreign key can point at a partitioned table's `id` alone. The
    # database still refuses an id that is not a ledger transaction (a trigger, migration 0010).
    ledger_transaction = models.OneToOneField(
        LedgerTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="money_request",
        db_constraint=False,
    )

    class Meta:
        ordering = ["-id"]
        permissions = [("approve_moneyrequest", "Can approve another staff member's money request")]
        indexes = [models.Index(fields=["status", "expires_at"], name="money_request_open")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="money_request_amount_not_zero"),
            # The database's own four-eyes guard: whoever decided is not who asked.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("requested_by")),
                name="money_request_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(status="posted", ledger_transaction__isnull=False)
                | (~models.Q(status="posted") & models.Q(ledger_transaction__isnull=True)),
                name="money_request_posted_has_ledger",
            ),
        ]

    def __str__(self) -> str:
        return f"money request #{self.pk} {self.operation} on {self.wallet}"


# --- Rollups for the dashboard (wallet/rollups.py) ---------------------------------------------
# Kept by a beat task from a watermark, so the dashboard sums a day of minutes instead of a day
# of ledger rows. Real money only: demo play is left out when they are written.

LATENCY_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 1000)


class RollupWatermark(models.Model):
    """The last row id of `source` (a table) already added to the rollups."""

    source = models.CharField(max_length=64, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source} up to #{self.last_id}"


class MoneyMinute(models.Model):
    """Real-money game postings of one minute, aggregator and currency (minor units)."""

    minute = models.DateTimeField()
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    bets = models.BigIntegerField(default=0, help_text="Bets posted.")
    bet_amount = models.BigIntegerField(default=0)
    win_amount = models.BigIntegerField(default=0)
    rollback_amount = models.BigIntegerField(default=0, help_text="Bets refunded by rollbacks.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minute", "aggregator", "currency"], name="money_minute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.aggregator_id} {self.currency_id}"


class CallMinute(models.Model):
    """Real-money calls of one minute and aggregator: how many, how many refused, and how many
    answered within each of LATENCY_BUCKETS_MS (cumulative, like Prometheus's `le`)."""

    minute = models.DateTimeField()
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+")
    calls = models.BigIntegerField(default=0)
    refused = models.BigIntegerField(default=0)
    timed = models.BigIntegerField(default=0, help_text="Calls with a recorded time.")
    le_5ms = models.BigIntegerField(default=0)
    le_10ms = models.BigIntegerField(default=0)
    le_25ms = models.BigIntegerField(default=0)
    le_50ms = models.BigIntegerField(default=0)
    le_100ms = models.BigIntegerField(default=0)
    le_250ms = models.BigIntegerField(default=0)
    le_1000ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["minute", "aggregator"], name="call_minute_unique")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.aggregator_id}"


class ActivePlayerHour(models.Model):
    """A player who bet real money in this hour (one row per player and hour)."""

    hour = models.DateTimeField()
    player = models.ForeignKey(Player, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "player"], name="active_player_hour_unique")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.player_id}"
