"""The front end's view of the player's current playing session (docs/responsible-gaming.md):
since when they have played, for how long, their net result since, and the session-time and
reality-check limits that apply. Bearer-key authenticated like the limits API; thin over
compliance.rg.playing."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casino.errors import ErrorCode
from casino.frontend_api import FrontendView, error
from casino.selectors import player_find
from compliance.api.limits import ERRORS
from compliance.rg.playing import playing_session_of


class NetResultItem(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.IntegerField(
        help_text="Minor units: wins + refunds - bets on the real wallet since play_started_at (negative: a loss)."
    )


class PlayingSessionResponse(serializers.Serializer):
    playing = serializers.BooleanField(
        help_text="false: no playing session is current (no game session opened within the break); "
        "the other fields are then absent."
    )
    play_started_at = serializers.DateTimeField(required=False, help_text="When the playing session began.")
    played_seconds = serializers.IntegerField(required=False, help_text="How long the player has played, so far.")
    net_result = NetResultItem(many=True, required=False, help_text="Per currency played in; real money only.")
    session_time_limit_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="The session-time limit in force; null: none."
    )
    reality_check_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="The reality-check interval; null: none."
    )


class PlayingSessionView(FrontendView):
    @extend_schema(
        summary="The player's current playing session",
        description=(
            "A playing session begins at a launch after a break of RG_SESSION_BREAK_SECONDS (30 minutes by "
            "default) without any game session opened, and continues through every launch within that break "
            "of the previous one: relaunching does not restart it. The session-time limit counts from "
            'play_started_at. Answers {"playing": false} when no playing session is current.'
        ),
        responses={200: PlayingSessionResponse, **ERRORS},
        tags=["front end: responsible gaming"],
        examples=[
            OpenApiExample(
                "playing for 12 minutes, 3.50 EUR down",
                response_only=True,
                value={
                    "playing": True,
                    "play_started_at": "2026-11-29T20:00:00Z",
                    "played_seconds": 720,
                    "net_result": [{"currency": "EUR", "amount": -350}],
                    "session_time_limit_seconds": 3600,
                    "reality_check_seconds": 900,
                },
            ),
            OpenApiExample("not playing", response_only=True, value={"playing": False}),
        ],
    )
    def get(self, request, player_id: str):
        player = player_find(external_id=player_id)
        if player is None:
            return error(404, ErrorCode.PLAYER_NOT_FOUND, f"no player {player_id!r}")
        playing = playing_session_of(player_id=player.pk, at=timezone.now())
        if playing is None:
            return Response({"playing": False})
        return Response(
            {
                "playing": True,
                "play_started_at": playing.play_started_at,
                "played_seconds": playing.played_seconds,
                "net_result": [
                    {"currency": currency, "amount": amount} for currency, amount in playing.net_result.items()
                ],
                "session_time_limit_seconds": playing.session_time_limit_seconds,
                "reality_check_seconds": playing.reality_check_seconds,
            }
        )
