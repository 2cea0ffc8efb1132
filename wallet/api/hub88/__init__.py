"""Hub88 Wallet API (docs/hub88.md), one module per concern:

- statuses.py: Hub88's RS_* statuses, the wallet's error codes as those statuses, and our
  readings of the points Hub88 has not confirmed;
- amounts.py: Hub88 units (x 100000) to and from minor units, exactly;
- shapes.py: the request and response serializers (strict types);
- views.py: the endpoints, routed in wallet/hub88_urls.py.

The names below are the package's public face (tests and docs name them from here).
"""

from wallet.api.hub88.amounts import HUB88_EXPONENT, to_hub88_units, to_minor_units
from wallet.api.hub88.statuses import (
    INEXACT_AMOUNT_STATUS,
    OVERSIZED_AMOUNT_STATUS,
    RETRYABLE_STATUS,
    ROLLED_BACK_STATUS,
    RS,
    SIGN_RESPONSES,
    WALLET_STATUS,
)

__all__ = [
    "HUB88_EXPONENT",
    "INEXACT_AMOUNT_STATUS",
    "OVERSIZED_AMOUNT_STATUS",
    "RETRYABLE_STATUS",
    "ROLLED_BACK_STATUS",
    "RS",
    "SIGN_RESPONSES",
    "WALLET_STATUS",
    "to_hub88_units",
    "to_minor_units",
]
