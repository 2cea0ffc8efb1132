"""The staff roles' matrix (docs/staff-roles.md, compliance/roles.py), walked: every role x
every page the admin registers (taken from admin.site._registry, so a new model cannot escape
this test) x view, add, change, delete, plus the actions and the pages of their own."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse

from compliance.roles import PERMISSIONS, ROLES, roles_sync
from tests.staff import staff_in
from wallet.models import MoneyRequest, Wallet
from wallet.services.money_requests import money_request_create

S, F, O, C = "Support", "Finance", "Operations", "Compliance"  # noqa: E741

# model -> {role: what it may do there: v(iew) a(dd) c(hange) d(elete)}. A role not named: nothing.
MATRIX = {
    "auth.user": {C: "v"},
    "auth.group": {C: "v"},
    "casino.player": {S: "v", F: "v", C: "vc"},
    "casino.currency": {S: "v", F: "v", O: "vac", C: "v"},
    "casino.aggregator": {O: "vac", C: "v"},
    "casino.gamesession": {S: "v", F: "v", O: "v", C: "v"},
    "wallet.wallet": {S: "v", F: "v", C: "v"},
    "wallet.ledgertransaction": {S: "v", F: "v", C: "v"},
    "wallet.aggregatortransaction": {S: "v", F: "v", O: "v", C: "v"},
    "wallet.gameround": {S: "v", F: "v", O: "v", C: "v"},
    "wallet.houseaccount": {F: "v", C: "v"},
    "wallet.ledgerarchive": {F: "v", C: "v"},
    "wallet.winswithoutbetday": {F: "v", O: "v", C: "v"},
    "wallet.moneyrequest": {F: "v", C: "v"},
    "games.provider": {S: "v", O: "vc", C: "v"},
    "games.game": {S: "v", O: "vc", C: "v"},
    "games.certification": {O: "vacd", C: "v"},
    "games.catalogsyncrun": {O: "v", C: "v"},
    "wallet.fxpair": {O: "vac", C: "v"},
    "wallet.fxrate": {F: "va", O: "v", C: "v"},
    "wallet.jackpot": {F: "v", O: "vac", C: "v"},
    "wallet.bonus": {S: "v", F: "vac", C: "v"},
    "games.dailyfigures": {F: "v", C: "v"},
    "games.providercontract": {F: "vac", C: "v"},
    "games.freespingrant": {S: "v", O: "va", C: "v"},
    "compliance.loginattempt": {C: "v"},
    "compliance.rglimit": {S: "v", C: "va"},
    "compliance.rgexclusion": {S: "v", C: "va"},
    "compliance.rgevent": {S: "v", C: "v"},
    "compliance.registercheck": {C: "v"},
    "compliance.auditrecord": {C: "v"},
    "compliance.auditverification": {C: "v"},
    "reconciliation.reconciliationrun": {F: "v", O: "v", C: "v"},
    "reconciliation.discrepancy": {F: "vc", O: "v", C: "vc"},
    "reconciliation.statementimport": {F: "v", O: "va", C: "v"},
    "reconciliation.settlementrequest": {O: "v", C: "v"},
    "reconciliation.settlementevent": {O: "v", C: "v"},
    "reconciliation.reconciliationsettings": {O: "vac", C: "v"},
    "reconciliation.shadowsummary": {F: "v", O: "v", C: "v"},
    "reconciliation.staleround": {F: "v", O: "v", C: "v"},
}
# Nobody, superusers included, changes or deletes these.
UNTOUCHABLE = [
    "wallet.ledgertransaction",
    "wallet.ledgerarchive",
    "wallet.aggregatortransaction",
    "wallet.moneyrequest",
    "compliance.auditrecord",
    "compliance.auditverification",
    "compliance.loginattempt",
    "compliance.rgevent",
]
# Admin actions (besides Django's delete_selected, which follows "d") each role sees.
ACTIONS = {
    ("casino.aggregator", O): {"sync_catalog_now"},
    **{("reconciliation.discrepancy", role): {"export_csv"} for role in (F, O, C)},
    ("reconciliation.statementimport", O): {"reconcile_statements"},
    ("wallet.bonus", F): {"forfeit"},
}

REGISTRY = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}


def test_every_admin_page_is_in_the_matrix():
    assert set(REGISTRY) == set(MATRIX), "a model's admin page without a row in MATRIX (and docs/staff-roles.md)"


def test_the_roles_exist_as_groups_with_exactly_their_permissions(db):
    for role in ROLES:
        held = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        assert {name for name in PERMISSIONS[role] if not name.startswith("reconciliation.")} <= held
        if role != C:
            assert held <= set(PERMISSIONS[role])


def test_a_group_changed_by_hand_is_brought_back_in_step(db):
    from django.apps import apps

    Group.objects.get(name=S).permissions.clear()

    roles_sync(apps=apps)

    assert Group.objects.get(name=S).permissions.filter(codename="view_player").exists()


@pytest.fixture(scope="module")
def factory():
    return RequestFactory()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_admin_page(db, factory, role):
    user = staff_in(role)
    client = Client()
    client.force_login(user)
    request = factory.get("/admin/")
    request.user = user
    problems = []
    for label, model_admin in REGISTRY.items():
        allowed = MATRIX[label].get(role, "")
        info = (model_admin.model._meta.app_label, model_admin.model._meta.model_name)
        seen = {
            "v": client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200,
            "a": client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200,
            "c": model_admin.has_change_permission(request),
            "d": model_admin.has_delete_permission(request),
        }
        for letter, may in seen.items():
            if may != (letter in allowed):
                problems.append(f"{role} {'may' if may else 'may not'} {letter} {label}")
        actions = set(model_admin.get_actions(request)) - {"delete_selected"} if seen["v"] else set()
        if actions != ACTIONS.get((label, role), set()):
            problems.append(f"{role} sees actions {sorted(actions)} on {label}")
    assert not problems, problems


@pytest.mark.parametrize("label", UNTOUCHABLE)
def test_nobody_changes_or_deletes_the_records(admin_user, factory, label):
    request = factory.get("/admin/")
    request.user = admin_user  # a superuser
    model_admin = REGISTRY[label]

    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


@pytest.mark.parametrize(("role", "allowed"), [(S, False), (F, True), (O, False), (C, False)])
def test_only_finance_moves_money(player, role, allowed):
    wallet = Wallet.objects.get(player=player)
    requester = staff_in(F, "the-requester")
    pending = money_request_create(
        request_key=uuid.uuid4(), wallet_id=wallet.pk, operation="deposit", amount=100, memo="x", staff_user=requester
    )
    client = Client()
    client.force_login(staff_in(role))

    form = client.get(reverse("admin:wallet_wallet_money", args=[wallet.pk]))
    decide = client.post(reverse("admin:wallet_moneyrequest_decide", args=[pending.pk]), {"decision": "approve"})

    assert (form.status_code == 200) is allowed
    assert (decide.status_code == 302) is allowed and (decide.status_code == 403) is not allowed
    assert (MoneyRequest.objects.get(pk=pending.pk).status == "posted") is allowed


@pytest.mark.parametrize(("role", "allowed"), [(S, False), (F, False), (O, False), (C, True)])
def test_only_compliance_exports(db, role, allowed):
    client = Client()
    client.force_login(staff_in(role))

    assert (client.get(reverse("admin:compliance_auditrecord_export")).status_code == 200) is allowed


def test_support_sees_no_aggregator_and_so_no_secret_status(aggregator):
    client = Client()
    client.force_login(staff_in(S))

    assert client.get(reverse("admin:casino_aggregator_change", args=[aggregator.pk])).status_code == 403


@pytest.mark.parametrize(("role", "allowed"), [(S, True), (F, True), (O, False), (C, True)])
def test_finding_a_player_and_the_player_page_follow_view_player(player, role, allowed):
    client = Client()
    client.force_login(staff_in(role))

    found = client.get(reverse("admin:player_find"), {"q": "nobody-by-this-name"})
    page = client.get(reverse("admin:player_page", args=[player.pk]))

    assert (found.status_code == 200) is allowed and (page.status_code == 200) is allowed
