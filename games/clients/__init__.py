"""Outbound clients, one per aggregator protocol: `client_for(aggregator)` picks it.

To add a protocol: write games/clients/<protocol>.py with a class taking the aggregator and
implementing AggregatorClient (base.py), then add it to CLIENTS below.
"""

from importlib import import_module

from games.clients.base import AggregatorClient

# Aggregator.protocol -> "module:Class". Imported lazily: client modules import the models.
CLIENTS = {
    "native": "games.clients.native:NativeClient",
    "hub88": "games.clients.hub88:Hub88Client",
}


def client_for(aggregator, **options) -> AggregatorClient:
    """The outbound client for this aggregator's protocol (options go to its constructor)."""
    try:
        target = CLIENTS[aggregator.protocol]
    except KeyError:
        raise LookupError(f"no outbound client for protocol {aggregator.protocol!r}") from None
    module_name, class_name = target.split(":")
    return getattr(import_module(module_name), class_name)(aggregator, **options)
