from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from casino.crypto import EncryptedTextField, is_under_first_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS, so older keys can "
        "be removed. Safe to run again: secrets already under the first key are left alone."
    )

    def handle(self, *args, **opts):
        # One transaction: either every secret moves to the new key or none does, so a failure
        # (a secret no configured key opens) leaves nothing half-rotated.
        with transaction.atomic(durable=True):
            rows = sum(rotate_model(model) for model in models_with_secrets())
        self.stdout.write(f"{rows} row(s) re-encrypted with the first key")


def models_with_secrets() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def rotate_model(model_and_fields: tuple[type[models.Model], list[str]]) -> int:
    model, names = model_and_fields
    # Cast to plain text: the stored token itself, to tell which key wrote it.
    tokens = {f"token_{name}": Cast(name, models.TextField()) for name in names}
    # Locked in pk order, so a staff save of the same row waits instead of being overwritten
    # with the value read here.
    rows = model._base_manager.select_for_update().order_by("pk").annotate(**tokens)
    rotated = 0
    for row in rows:
        stale = [
            name
            for name in names
            if getattr(row, f"token_{name}") and not is_under_first_key(getattr(row, f"token_{name}"))
        ]
        if stale:
            # The attributes hold the plaintext (decrypted on load); the field encrypts it with
            # the first key on the way back. update(): no history row, nothing actually changed.
            model._base_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in stale})
            rotated += 1
    return rotated
