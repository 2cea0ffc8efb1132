"""Finance reports (docs/money.md): the daily rollup of the ledger (rollup.py), the figures and
royalties read from it (figures.py), their CSV (csv.py)."""
