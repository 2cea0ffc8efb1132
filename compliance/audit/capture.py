"""What is recorded in the audit log without the code that changes things calling it.

- Every staff change to a model with simple-history (HistoricalRecords): its historical record
  is created in the same transaction as the change, and post_create_historical_record hands it
  here: the fields from -> to against the previous version, who (history_user), the reason
  (history_change_reason). A model given history later (a new app's model) is covered with no
  change here. Changes without a user (tasks, catalog syncs, aggregator callbacks) are not staff
  changes and are not recorded: they have their own records (sync runs, call records, ledger).
- Secret fields (Aggregator's signing secrets and private key) are never recorded, not even
  encrypted: simple-history leaves them out, and a change to one is recorded as "changed".
- Users, groups and their permissions (Django's auth models have no history): saves, deletes
  and membership or permission changes.
- The admin's own log (LogEntry) for what simple-history does not see: models without history
  edited in the admin, and rows added, changed or deleted inline on another model's page.
- Logouts (logins and failed logins are recorded by the login throttle, compliance/services.py,
  which knows the outcome and the address).
- The recorder registered in casino/audit.py for the lower layers (money requests, discrepancy
  resolutions).

The acting request (its user and address) comes from simple-history's middleware, which keeps
it for the thread (HistoryRequestMiddleware, casino/settings.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from compliance.audit.chain import audit_append

SECRET_FIELDS = {"casino.aggregator": ("signing_secret", "previous_signing_secret", "private_key_pem")}
SECRET_MARK = "(secret, not recorded)"  # noqa: S105 - a label, not a password
# User fields worth recording; the password only as "changed", and last_login is a login.
USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


def current_request():
    return getattr(HistoricalRecords.context, "request", None)


def request_address(request) -> str | None:
    if request is None:
        return None
    from compliance.forms import client_address  # forms imports services, which import this app's models

    return client_address(request)


def acting_user(request=None):
    request = request or current_request()
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _actor_fields(user) -> dict[str, Any]:
    if user is None:
        return {"actor_id": None, "actor": ""}
    return {"actor_id": user.pk, "actor": user.get_username()}


def player_of(instance) -> str:
    """The external id of the player `instance` is (or belongs to), for export filters."""
    label = instance._meta.label_lower
    if label == "casino.player":
        return instance.external_id
    for path in ("player", "wallet.player"):
        target = instance
        try:
            for attribute in path.split("."):
                target = getattr(target, attribute)
        except AttributeError:
            continue
        if target is not None and getattr(target, "external_id", None):
            return target.external_id
    return ""


def record_change(
    *, kind: str, target=None, changes: dict | None = None, reason: str = "", user=None, player: str = ""
) -> None:
    """One record about `target` by `user` (default: the acting request's user), in the caller's
    transaction."""
    request = current_request()
    user = user if user is not None else acting_user(request)
    if not reason and request is not None and request.method == "POST":
        reason = request.POST.get("_audit_reason", "")[:500]  # the admin forms' "Reason for this change"
    audit_append(
        kind=kind,
        **_actor_fields(user),
        ip_address=request_address(request),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None and target.pk is not None else "",
        object_repr=str(target) if target is not None else "",
        player=player or (player_of(target) if target is not None else ""),
        changes=changes,
        reason=reason,
    )


# --- simple-history: every staff change to a model with history ---------------------------------

HISTORY_KINDS = {"+": "change.create", "~": "change.update", "-": "change.delete"}


def _history_changes(history_instance) -> dict:
    if history_instance.history_type == "-":
        return {}
    names = _tracked(history_instance)
    tracked = [field for field in history_instance.instance_type._meta.fields if field.name in names]
    previous = history_instance.prev_record
    if previous is None:
        return {field.attname: [None, getattr(history_instance, field.attname)] for field in tracked}
    delta = history_instance.diff_against(previous)
    return {change.field: [change.old, change.new] for change in delta.changes}


def _tracked(history_instance) -> set[str]:
    return {field.name for field in history_instance.__class__.tracked_fields}


def on_history_record(sender, instance, history_instance, history_user=None, **kwargs) -> None:
    if history_user is None:
        return  # not a staff change (see the module)
    changes = _history_changes(history_instance)
    for name in getattr(instance, "_audit_changed_secrets", ()):
        changes[name] = [SECRET_MARK, "changed"]
    instance._audit_changed_secrets = ()
    if history_instance.history_type == "~" and not changes:
        return  # saved without a change: nothing to tell a regulator
    record_change(
        kind=HISTORY_KINDS[history_instance.history_type],
        target=instance,
        changes=changes,
        reason=history_instance.history_change_reason or "",
        user=history_user,
    )


def remember_changed_secrets(sender, instance, raw=False, **kwargs) -> None:
    """Before a save of a model with secret fields: which of them change (names only)."""
    names = SECRET_FIELDS.get(sender._meta.label_lower)
    if not names or raw:
        return
    before = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_changed_secrets = tuple(
        name for name in names if (getattr(before, name) if before else "") != getattr(instance, name)
    )


# --- The admin's own log: what simple-history does not see -------------------------------------

ADMIN_ACTIONS = {1: "admin.addition", 2: "admin.change", 3: "admin.deletion"}


def on_admin_log_entry(sender, instance, created, raw=False, **kwargs) -> None:
    """Every admin add, change and delete is a LogEntry. For a model with history the change is
    already recorded (on_history_record) and only the inline rows it names are added here (an
    alias added on a game's page); a model without history is recorded from this alone (its
    change message names the fields, not their values)."""
    if not created or raw:
        return
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model is not None and model._meta.app_label == "auth":
        return  # users and groups are recorded with their values (below)
    try:
        parts = json.loads(instance.change_message or "[]")
    except ValueError:
        parts = [{"message": instance.change_message}]
    if model is not None and getattr(model, "history", None) is not None:
        parts = [
            part for part in parts if any("name" in detail for detail in part.values() if isinstance(detail, dict))
        ]
        if not parts:
            return
    if not parts and instance.action_flag == 2:
        return  # saved without a change
    request = current_request()
    audit_append(
        kind=ADMIN_ACTIONS.get(instance.action_flag, "admin.action"),
        **_actor_fields(instance.user),
        ip_address=request_address(request),
        object_type=model._meta.label_lower if model is not None else "",
        object_id=str(instance.object_id or ""),
        object_repr=instance.object_repr,
        changes={"admin": parts},
        reason=request.POST.get("_audit_reason", "")[:500] if request is not None and request.method == "POST" else "",
    )


# --- Users, groups, permissions ------------------------------------------------------------------


def remember_user_before(sender, instance, raw=False, **kwargs) -> None:
    before = sender._default_manager.filter(pk=instance.pk).first() if instance.pk and not raw else None
    instance._audit_before = before


def on_user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # a login stamping last_login: recorded as the login itself
    before = getattr(instance, "_audit_before", None)
    changes = {
        name: [getattr(before, name) if before else None, getattr(instance, name)]
        for name in USER_FIELDS
        if before is None or getattr(before, name) != getattr(instance, name)
    }
    if before is None or before.password != instance.password:
        changes["password"] = [SECRET_MARK, "set" if created else "changed"]
    if changes:
        record_change(kind="auth.user_created" if created else "auth.user_changed", target=instance, changes=changes)


def on_group_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not raw:
        record_change(kind="auth.group_created" if created else "auth.group_changed", target=instance)


def on_deleted(sender, instance, **kwargs) -> None:
    record_change(kind=f"auth.{sender._meta.model_name}_deleted", target=instance)


def _labels(model, pks) -> list[str]:
    if model._meta.label_lower == "auth.permission":
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in model.objects.filter(pk__in=pks))
    return sorted(str(obj) for obj in model.objects.filter(pk__in=pks))


def on_membership_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Groups of a user, permissions of a user or a group: what was added or removed."""
    if action == "pre_clear":
        field = _relation_name(sender, instance)
        instance._audit_cleared = list(getattr(instance, field).values_list("pk", flat=True)) if field else []
        return
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return  # reverse (from a group's or permission's side): recorded from the owner's side only
    pks = pk_set if action != "post_clear" else getattr(instance, "_audit_cleared", [])
    if not pks:
        return
    field = _relation_name(sender, instance) or "members"
    verb = "added" if action == "post_add" else "removed"
    record_change(
        kind=f"auth.{instance._meta.model_name}_{field}_changed",
        target=instance,
        changes={field: {verb: _labels(model, pks)}},
    )


def _relation_name(through, instance) -> str | None:
    for field in instance._meta.many_to_many:
        if field.remote_field.through is through:
            return field.name
    return None


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_append(
        kind="auth.logout",
        **_actor_fields(user),
        ip_address=request_address(request),
        object_type="auth.user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
    )


# --- The seam's recorder (casino/audit.py) -------------------------------------------------------


class ComplianceAuditRecorder:
    def record(
        self,
        *,
        kind: str,
        actor: Any = None,
        target: Any = None,
        changes: dict | None = None,
        reason: str = "",
        player_id: str = "",
    ) -> None:
        record_change(kind=kind, target=target, changes=changes, reason=reason, user=actor, player=player_id)


def connect() -> None:
    """Wire the capture (compliance's AppConfig.ready)."""
    from django.apps import apps

    from casino import audit

    audit.register(ComplianceAuditRecorder())
    post_create_historical_record.connect(on_history_record, dispatch_uid="compliance.audit.history")
    for label in SECRET_FIELDS:
        pre_save.connect(remember_changed_secrets, sender=apps.get_model(label), dispatch_uid=f"audit.secrets.{label}")
    user_model = get_user_model()
    pre_save.connect(remember_user_before, sender=user_model, dispatch_uid="compliance.audit.user_before")
    post_save.connect(on_user_saved, sender=user_model, dispatch_uid="compliance.audit.user")
    post_save.connect(on_group_saved, sender=Group, dispatch_uid="compliance.audit.group")
    post_delete.connect(on_deleted, sender=user_model, dispatch_uid="compliance.audit.user_deleted")
    post_delete.connect(on_deleted, sender=Group, dispatch_uid="compliance.audit.group_deleted")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(on_membership_changed, sender=through, dispatch_uid=f"audit.m2m.{through._meta.label}")
    user_logged_out.connect(on_logged_out, dispatch_uid="compliance.audit.logout")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="compliance.audit.admin_log")
