"""`make run`'s demo data switches on what docs/money.md adds, for the sandbox aggregator."""

import socket

from django.core.management import call_command

from casino.models import Aggregator
from games.models import Provider, ProviderContract
from sandbox.management.commands import load_demo
from wallet.models import FxPair, Jackpot


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_plays_dollars_and_pounds_on_euro_wallets_with_a_jackpot_and_contracts(db, monkeypatch):
    # load_demo serves the sandbox itself for its catalog syncs when none answers at SANDBOX_URL.
    monkeypatch.setattr(load_demo, "SANDBOX_URL", f"http://127.0.0.1:{_free_port()}")

    call_command("load_demo")
    call_command("load_demo")  # idempotent

    sandbox = Aggregator.objects.get(code="sandbox")
    pairs = FxPair.objects.filter(aggregator=sandbox, enabled=True)
    assert sorted(pairs.values_list("played", "wallet_currency")) == [("GBP", "EUR"), ("USD", "EUR")]
    assert Jackpot.objects.filter(aggregator=sandbox, currency="EUR", is_active=True).count() == 1
    providers = Provider.objects.filter(aggregator=sandbox)
    assert providers.exists()
    assert ProviderContract.objects.filter(provider__in=providers).count() == providers.count()
