"""Responsible gaming: limits (limits.py, periods.py, totals.py), the provider that answers the
wallet's questions through casino/responsible_gaming.py (provider.py)."""
