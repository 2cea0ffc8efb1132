"""Writes for players."""

from django.db import transaction

from casino.models import Currency, Player


def player_create(*, external_id: str, country: str = "", status: str = Player.Status.ACTIVE) -> Player:
    player = Player(external_id=external_id, country=country.upper(), status=status)
    player.full_clean()
    with transaction.atomic():
        player.save()
    return player


def currency_get(code: str) -> Currency | None:
    return Currency.objects.filter(code=code.upper()).first()
