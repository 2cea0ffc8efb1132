"""The front end's API for a player's cool-off and self-exclusion (docs/responsible-gaming.md).

    GET    /api/v1/players/{player_id}/rg/cool-off         the cool-off in force, if any
    POST   /api/v1/players/{player_id}/rg/cool-off         start one: {"days": 1..42}
    DELETE /api/v1/players/{player_id}/rg/cool-off         end it early: after the cooling period
    GET    /api/v1/players/{player_id}/rg/self-exclusion   the self-exclusion in force, if any
    POST   /api/v1/players/{player_id}/rg/self-exclusion   start one: {"term": "P6M"|"P1Y"|"P5Y"|"permanent"}

Bearer key and error body as every front-end API (casino/frontend_api.py). Views are thin:
parse, call one service or selector, render. A self-exclusion has no DELETE: nobody lifts it.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casino.errors import ErrorCode
from casino.frontend_api import ERRORS, ErrorResponse, FrontendView, error
from casino.models import Player
from casino.selectors import player_find
from compliance.models import RgExclusion
from compliance.rg.exclusion_services import ExclusionRefused, cool_off_shorten, exclusion_start
from compliance.rg.exclusions import (
    COOL_OFF,
    COOL_OFF_MAX_DAYS,
    COOL_OFF_MIN_DAYS,
    SELF_EXCLUSION,
    SELF_EXCLUSION_TERMS,
    cool_off_term,
    exclusion_current,
)


class ExclusionState(serializers.Serializer):
    in_force = serializers.BooleanField(help_text="Whether the player is in one now.")
    kind = serializers.ChoiceField(choices=RgExclusion.Kind.values)
    term = serializers.CharField(
        allow_null=True, help_text="As chosen, ISO 8601 (P7D, P6M, P1Y, P5Y) or permanent / legacy; null if none."
    )
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(
        allow_null=True, help_text="When play is possible again; null: no end (or none in force)."
    )


class CoolOffRequest(serializers.Serializer):
    days = serializers.IntegerField(min_value=COOL_OFF_MIN_DAYS, max_value=COOL_OFF_MAX_DAYS)


class SelfExclusionRequest(serializers.Serializer):
    term = serializers.ChoiceField(choices=list(SELF_EXCLUSION_TERMS))


NOT_FOUND = {404: OpenApiResponse(ErrorResponse, description=ErrorCode.PLAYER_NOT_FOUND.value)}
CONFLICT = {
    409: OpenApiResponse(
        ErrorResponse, description=f"{ErrorCode.VALIDATION_ERROR}: the change would shorten or change nothing"
    )
}


def state(*, player: Player, kind: str) -> dict:
    current = exclusion_current(player_id=player.pk, kind=kind, at=timezone.now())
    return {
        "in_force": current is not None,
        "kind": kind,
        "term": current.term if current else None,
        "starts_at": current.starts_at.isoformat() if current else None,
        "ends_at": current.ends_at.isoformat() if current and current.ends_at else None,
    }


class ExclusionView(FrontendView):
    kind: str = ""

    def player_or_error(self, player_id: str) -> Player | Response:
        player = player_find(external_id=player_id)
        return player or error(404, ErrorCode.PLAYER_NOT_FOUND, f"no player {player_id!r}")

    def start(self, player_id: str, term: str) -> Response:
        player = self.player_or_error(player_id)
        if isinstance(player, Response):
            return player
        try:
            exclusion_start(player=player, kind=self.kind, term=term)
        except ExclusionRefused as refused:
            return error(409, ErrorCode.VALIDATION_ERROR, str(refused))
        return Response(state(player=player, kind=self.kind), status=201)

    def read(self, player_id: str) -> Response:
        player = self.player_or_error(player_id)
        if isinstance(player, Response):
            return player
        return Response(state(player=player, kind=self.kind))


class CoolOffView(ExclusionView):
    kind = COOL_OFF

    @extend_schema(
        summary="The player's cool-off",
        responses={200: ExclusionState, **ERRORS, **NOT_FOUND},
        tags=["responsible gaming"],
    )
    def get(self, request, player_id: str):
        return self.read(player_id)

    @extend_schema(
        summary="Start a cool-off",
        description=(
            "No play (launch or bet, on any game token) for the given days, from now. With a cool-off "
            "in force, the new one must end later (it extends)."
        ),
        request=CoolOffRequest,
        responses={201: ExclusionState, **ERRORS, **NOT_FOUND, **CONFLICT},
        tags=["responsible gaming"],
    )
    def post(self, request, player_id: str):
        body = CoolOffRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self.start(player_id, cool_off_term(body.validated_data["days"]))

    @extend_schema(
        summary="End the cool-off early",
        description=(
            "The cool-off ends after the cooling period (RG_LOOSEN_DELAY_SECONDS, 24 hours by default) "
            "rather than at its term; it holds until then. The answer gives the end that now holds."
        ),
        responses={200: ExclusionState, **ERRORS, **NOT_FOUND, **CONFLICT},
        tags=["responsible gaming"],
    )
    def delete(self, request, player_id: str):
        player = self.player_or_error(player_id)
        if isinstance(player, Response):
            return player
        try:
            cool_off_shorten(player=player)
        except ExclusionRefused as refused:
            return error(409, ErrorCode.VALIDATION_ERROR, str(refused))
        return Response(state(player=player, kind=COOL_OFF))


class SelfExclusionView(ExclusionView):
    kind = SELF_EXCLUSION

    @extend_schema(
        summary="The player's self-exclusion",
        responses={200: ExclusionState, **ERRORS, **NOT_FOUND},
        tags=["responsible gaming"],
    )
    def get(self, request, player_id: str):
        return self.read(player_id)

    @extend_schema(
        summary="Start a self-exclusion",
        description=(
            "No play for the term, from now; nobody can lift it before its end, staff included. With one "
            "in force, the new one must end later (it extends)."
        ),
        request=SelfExclusionRequest,
        responses={201: ExclusionState, **ERRORS, **NOT_FOUND, **CONFLICT},
        tags=["responsible gaming"],
    )
    def post(self, request, player_id: str):
        body = SelfExclusionRequest(data=request.data)
        body.is_valid(raise_exception=True)
        return self.start(player_id, body.validated_data["term"])
