"""The front end's API for a player's responsible-gaming limits (docs/responsible-gaming.md):
read them with their use in the current period and what is pending; set or lift one.

Bearer-key authenticated like the games list and launch (casino/frontend_api.py). Views are
thin: parse, call compliance.rg.limits, render.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casino.errors import ErrorCode
from casino.frontend_api import ErrorResponse, FrontendView, error
from casino.models import Player
from casino.money import MINOR_UNITS_MAX
from casino.selectors import player_find
from compliance.models import RgLimit
from compliance.rg.limits import LimitInvalid, LimitView, rg_limit_set, rg_limits_of
from compliance.rg.periods import Period


class LimitRequest(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RgLimit.Kind.values)
    period = serializers.ChoiceField(
        choices=Period.values, required=False, default="", help_text="Money limits only: day, week or month."
    )
    currency = serializers.CharField(
        max_length=10, required=False, default="", help_text="Money limits only: the wallet's currency."
    )
    amount = serializers.IntegerField(
        min_value=0,
        # The column is bigint: a larger number is a 400 here, not a database error.
        max_value=MINOR_UNITS_MAX,
        allow_null=True,
        help_text="Minor units of the currency (money limits) or minutes (session_time, reality_check). "
        "null lifts the limit (after the loosening delay).",
    )


class LimitItem(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RgLimit.Kind.values)
    period = serializers.CharField(help_text="day, week, month; empty for the minutes kinds.")
    currency = serializers.CharField(allow_null=True)
    amount = serializers.IntegerField(allow_null=True, help_text="In force now; null: none.")
    pending_amount = serializers.IntegerField(allow_null=True, help_text="The looser value asked for (null: lifted).")
    pending_at = serializers.DateTimeField(allow_null=True, help_text="When the pending change applies; null: none.")
    used = serializers.IntegerField(allow_null=True, help_text="Money limits: use so far in the current period.")
    period_starts_at = serializers.DateTimeField(allow_null=True)
    period_ends_at = serializers.DateTimeField(allow_null=True, help_text="When the use starts again from 0.")


class LimitsResponse(serializers.Serializer):
    limits = LimitItem(many=True)
    time_zone = serializers.CharField(help_text="Periods are calendar days, weeks (Monday) and months here.")
    loosen_delay_seconds = serializers.IntegerField(help_text="How long a looser limit waits before it applies.")


class LimitSetResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["applied", "pending"])
    limit = LimitItem()


def _item(view: LimitView) -> dict:
    return {
        "kind": view.kind,
        "period": view.period,
        "currency": view.currency,
        "amount": view.amount,
        "pending_amount": view.pending_amount,
        "pending_at": view.pending_at,
        "used": view.used,
        "period_starts_at": view.period_starts_at,
        "period_ends_at": view.period_ends_at,
    }


def _limits_body(player: Player) -> dict:
    return {
        "limits": [_item(view) for view in rg_limits_of(player=player)],
        "time_zone": settings.RG_TIME_ZONE,
        "loosen_delay_seconds": settings.RG_LOOSEN_DELAY_SECONDS,
    }


NOT_FOUND = OpenApiResponse(ErrorResponse, description=f"{ErrorCode.PLAYER_NOT_FOUND}: no such player")
ERRORS = {
    400: OpenApiResponse(ErrorResponse, description=ErrorCode.VALIDATION_ERROR.value),
    401: OpenApiResponse(ErrorResponse, description=f"{ErrorCode.UNAUTHORIZED}: missing or invalid bearer key"),
    404: NOT_FOUND,
}


class LimitsView(FrontendView):
    @extend_schema(
        summary="A player's responsible-gaming limits",
        description="Every limit in force or pending, with its use so far in the current calendar period.",
        responses={200: LimitsResponse, **ERRORS},
        tags=["front end: responsible gaming"],
    )
    def get(self, request, player_id: str):
        player = player_find(external_id=player_id)
        if player is None:
            return error(404, ErrorCode.PLAYER_NOT_FOUND, f"no player {player_id!r}")
        return Response(_limits_body(player))

    @extend_schema(
        summary="Set or lift a responsible-gaming limit",
        description=(
            "A tighter limit (or the same) applies at once and cancels a pending loosening; a looser one, "
            "or lifting one (amount null), applies only after the loosening delay and is answered as pending. "
            "Money limits (deposit, loss, wager) are per currency and period; session_time and reality_check "
            "are minutes, per player."
        ),
        request=LimitRequest,
        responses={200: LimitSetResponse, **ERRORS},
        tags=["front end: responsible gaming"],
        examples=[
            OpenApiExample(
                "daily loss limit of 50.00 EUR",
                request_only=True,
                value={"kind": "loss", "period": "day", "currency": "EUR", "amount": 5000},
            )
        ],
    )
    def post(self, request, player_id: str):
        body = LimitRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        player = player_find(external_id=player_id)
        if player is None:
            return error(404, ErrorCode.PLAYER_NOT_FOUND, f"no player {player_id!r}")
        try:
            row = rg_limit_set(
                player=player,
                kind=data["kind"],
                period=data["period"],
                currency=data["currency"] or None,
                amount=data["amount"],
            )
        except LimitInvalid as exc:
            return error(400, ErrorCode.VALIDATION_ERROR, str(exc))
        views = {(v.kind, v.period, v.currency): v for v in rg_limits_of(player=player)}
        view = views.get((row.kind, row.period, row.currency_id)) or _lifted(row)
        return Response({"status": "pending" if row.pending_at is not None else "applied", "limit": _item(view)})


def _lifted(row: RgLimit) -> LimitView:
    """A limit lifted at once (it was not set): nothing holds, nothing is pending."""
    return LimitView(row.kind, row.period, row.currency_id, None, None, None, None, None, None)
