"""The staff roles: Django groups whose permissions are written here, once, as data.

The matrix (docs/staff-roles.md renders it) is least privilege: each role gets the permissions
named below and nothing else; superusers stand aside. Migration 0006 creates the groups, and
every `migrate` (post_migrate, compliance/apps.py) brings them back in step with this table,
so a permission added here, or a model added later by another app (Compliance reads every
model), reaches the groups without a hand edit. A permission named here that does not exist
(an app not installed) is skipped.

Nobody may change or delete ledger rows, call records or audit records: no role holds such a
permission, and their admins refuse them to superusers too.
"""

from __future__ import annotations

SUPPORT = "Support"
FINANCE = "Finance"
OPERATIONS = "Operations"
COMPLIANCE = "Compliance"
ROLES = (OPERATIONS, SUPPORT, FINANCE, COMPLIANCE)

# Reading what a player did: their account, sessions, rounds, calls and ledger.
_PLAYER_TRAIL = [
    "casino.view_player",
    "casino.view_gamesession",
    "casino.view_currency",
    "wallet.view_wallet",
    "wallet.view_ledgertransaction",
    "wallet.view_ledgerentry",
    "wallet.view_aggregatortransaction",
    "wallet.view_gameround",
]

PERMISSIONS: dict[str, list[str]] = {
    # Answers players: reads their trail and RG state; moves no money, sees no aggregator (secrets).
    SUPPORT: [
        *_PLAYER_TRAIL,
        "games.view_game",
        "games.view_provider",
        "compliance.view_rgevent",
        "compliance.view_rglimit",
        "compliance.view_rgexclusion",
        # docs/money.md: a player's bonuses and free spins.
        "wallet.view_bonus",
        "games.view_freespingrant",
    ],
    # Requests and approves (four eyes: never their own) staff money operations.
    FINANCE: [
        *_PLAYER_TRAIL,
        "wallet.view_houseaccount",
        # what each account's entries of a month detached for archiving summed to (docs/scaling.md)
        "wallet.view_ledgerarchive",
        "wallet.view_winswithoutbetday",
        "wallet.view_moneyrequest",
        "wallet.add_moneyrequest",
        "wallet.approve_moneyrequest",
        # Reconciliation: runs and statements, discrepancies resolved (an adjustment is a money
        # request like any other), stale rounds closed with their bets refunded.
        "reconciliation.view_discrepancy",
        # docs/money.md: FX rates entered by hand, jackpots' pools, bonuses (grant, forfeit), the
        # finance reports and the providers' revenue-share contracts.
        "wallet.view_fxrate",
        "wallet.add_fxrate",
        "wallet.view_jackpot",
        "wallet.view_bonus",
        "wallet.add_bonus",
        "wallet.change_bonus",
        "games.view_dailyfigures",
        "games.view_providercontract",
        "games.add_providercontract",
        "games.change_providercontract",
        # resolves discrepancies, an adjustment being a money request; closes stale rounds
        "reconciliation.change_discrepancy",
        "reconciliation.view_reconciliationrun",
        "reconciliation.view_statementimport",
        "reconciliation.view_shadowsummary",
        "reconciliation.view_staleround",
        "reconciliation.change_staleround",
    ],
    # Runs the integrations: aggregators (credentials write-only), risk limits, catalog, syncs.
    OPERATIONS: [
        "casino.view_aggregator",
        "casino.add_aggregator",
        "casino.change_aggregator",
        "wallet.view_risklimit",
        "wallet.add_risklimit",
        "wallet.change_risklimit",
        "wallet.delete_risklimit",
        "casino.view_currency",
        "casino.add_currency",
        "casino.change_currency",
        "casino.view_gamesession",
        "wallet.view_gameround",
        "wallet.view_aggregatortransaction",
        "wallet.view_winswithoutbetday",
        "games.view_provider",
        "games.change_provider",
        "games.view_game",
        "games.change_game",
        "games.view_gamecodealias",
        "games.add_gamecodealias",
        "games.change_gamecodealias",
        "games.delete_gamecodealias",
        "games.view_certification",
        "games.add_certification",
        "games.change_certification",
        "games.delete_certification",
        "games.view_catalogsyncrun",
        # docs/money.md: which currencies an aggregator may play in, jackpots, free-spin grants.
        "wallet.view_fxpair",
        "wallet.add_fxpair",
        "wallet.change_fxpair",
        "wallet.view_fxrate",
        "wallet.view_jackpot",
        "wallet.add_jackpot",
        "wallet.change_jackpot",
        "games.view_freespingrant",
        "games.add_freespingrant",
        # reconciliation: runs (and starting one), statements, settlement evidence, shadow mode
        "reconciliation.view_reconciliationrun",
        "reconciliation.add_reconciliationrun",
        "reconciliation.view_discrepancy",
        "reconciliation.view_statementimport",
        "reconciliation.add_statementimport",
        "reconciliation.view_settlementrequest",
        "reconciliation.view_settlementevent",
        "reconciliation.view_reconciliationsettings",
        "reconciliation.add_reconciliationsettings",
        "reconciliation.change_reconciliationsettings",
        "reconciliation.view_shadowsummary",
        "reconciliation.view_staleround",
    ],
    # Reads everything (every view_ permission, below), sets RG restrictions, blocks players,
    # resolves discrepancies' compliance side, exports the audit log and statements.
    COMPLIANCE: [
        "casino.change_player",
        "compliance.add_rglimit",
        "compliance.add_rgexclusion",
        "compliance.export_auditrecord",
        "reconciliation.change_discrepancy",
    ],
}
# Roles that also get every view_ permission there is, now and for models added later.
READS_EVERYTHING = {COMPLIANCE}


def role_permission_ids(*, apps, role: str) -> set[int]:
    """The ids of the permissions `role` holds, from `apps` (a migration's or the project's)."""
    permission_model = apps.get_model("auth", "Permission")
    wanted = PERMISSIONS[role]
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list("pk", "content_type__app_label", "codename")
    }
    ids = {by_name[name] for name in wanted if name in by_name}
    if role in READS_EVERYTHING:
        ids |= {pk for name, pk in by_name.items() if name.split(".", 1)[1].startswith("view_")}
    return ids


def roles_sync(*, apps) -> None:
    """Create the role groups that are missing and set each one's permissions to the table's."""
    group_model = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(role_permission_ids(apps=apps, role=role))
