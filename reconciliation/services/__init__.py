"""Reconciliation's writes (HackSoft services): keyword-only, typed, `<entity>_<action>`.

- runs.py: a run over one aggregator and window (stage their side, compare in SQL, write);
- settlement.py: settlement webhook batches, each event applied once;
- shadow.py: shadow mode (each event compared with the ledger as it arrives; daily summary);
- discrepancies.py: the staff workflow (investigate, resolve, adjust through wallet services);
- statements.py: statement files, imported whole or not at all;
- stale.py: stale rounds, looked up at the aggregator and closed (refunded when void).
Money moves only through wallet/services.
"""
