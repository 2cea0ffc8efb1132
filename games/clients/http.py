"""The outbound HTTP helpers moved down to casino/outbound.py, so that reconciliation's report
clients share the one 429/backoff rule without importing games. Kept as a name for games' own
clients and tests."""

from casino.outbound import RETRYABLE_STATUS, OutboundError, RetryPolicy, parse_retry_after, send

__all__ = ["RETRYABLE_STATUS", "OutboundError", "RetryPolicy", "parse_retry_after", "send"]
