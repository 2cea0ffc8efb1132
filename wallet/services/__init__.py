"""The only code that moves money.

Every public service here is one short database transaction: lock (wallet/locks.py), check,
write the ledger transaction and its entries, update the cached balance, return. Nothing in
here calls the network. Protocol adapters (wallet/api/*), commands, tasks and admin actions
parse their input and call these functions; they never touch a balance themselves.

- calls.py: aggregators' money calls and balance reads (every protocol goes through them):
  lock and read, then rules.py decides what the call does and writes.py writes it;
- ledger.py: writing one balanced ledger transaction;
- wallets.py: opening wallets, staff money operations, demo play money;
- rounds.py: staff closing a round the aggregator left open (refunding its bets if void).
"""

from wallet.services.calls import CallAnswer, MoneyCall, SpinType, wallet_balance, wallet_process_call
from wallet.services.rounds import round_close, round_open_bets
from wallet.services.wallets import (
    demo_wallet_top_up,
    wallet_adjust,
    wallet_deposit,
    wallet_open,
    wallet_withdraw,
)

__all__ = [
    "CallAnswer",
    "MoneyCall",
    "SpinType",
    "demo_wallet_top_up",
    "round_close",
    "round_open_bets",
    "wallet_adjust",
    "wallet_balance",
    "wallet_deposit",
    "wallet_open",
    "wallet_process_call",
    "wallet_withdraw",
]
