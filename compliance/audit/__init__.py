"""The audit log: one append-only, hash-chained table (compliance.models.AuditRecord).

- chain.py: appending (serialised by a transaction-scoped advisory lock), the hash, verifying
  the chain and exporting its head daily;
- capture.py: what gets recorded without the code that changes things knowing (staff changes
  through simple-history, users, groups and permissions, logouts), and the recorder the lower
  layers reach through casino/audit.py;
- export.py: streaming the log and a player's statement as CSV or JSON Lines.
"""
