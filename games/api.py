"""The operator front end's API: the games list and game launch (docs/catalog-and-launch.md).

Authenticated with a bearer key, with the error body every front-end API of ours shares
(casino/frontend_api.py). Views are thin: parse, call one selector or service, render.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casino.frontend_api import ERRORS, ErrorResponse, FrontendView, error
from casino.models import Mode
from games.launch import LAUNCH_STATUS, LaunchError, launch_create
from games.selectors import CatalogFilters, catalog_games

# --- Shapes ---------------------------------------------------------------------------------------


class GamesQuery(serializers.Serializer):
    aggregator = serializers.CharField(required=False, default="", help_text="Aggregator code.")
    category = serializers.CharField(required=False, default="")
    provider = serializers.CharField(required=False, default="", help_text="Provider code.")
    demo = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="Demo supported.")
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, default="", help_text="Only games certified for this country."
    )


class GameItem(serializers.Serializer):
    id = serializers.UUIDField(help_text="Our internal game id: stable across the aggregator's renames.")
    aggregator = serializers.CharField()
    code = serializers.CharField(help_text="The aggregator's current game code.")
    name = serializers.CharField()
    provider = serializers.CharField(help_text="Provider code.")
    provider_name = serializers.CharField()
    category = serializers.CharField()
    rtp = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    demo_supported = serializers.BooleanField()


class GamesResponse(serializers.Serializer):
    games = GameItem(many=True)


class LaunchRequest(serializers.Serializer):
    player_id = serializers.CharField(max_length=64)
    game_id = serializers.UUIDField(help_text="Our internal game id (from GET /api/v1/games).")
    currency = serializers.RegexField(r"^[A-Za-z0-9]{2,10}$")
    mode = serializers.ChoiceField(choices=Mode.values)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2: where the player plays from.")
    language = serializers.RegexField(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$", help_text="e.g. en, en-GB.")


class LaunchResponse(serializers.Serializer):
    launch_url = serializers.URLField()
    session_token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the launch URL stops being accepted.")
    mode = serializers.ChoiceField(choices=Mode.values)


# --- Views ----------------------------------------------------------------------------------------

# Each status a launch is refused with, described by the codes games.launch.LAUNCH_STATUS gives
# it: the schema lists what the code answers, and cannot fall behind it.
LAUNCH_ERRORS = {
    status: OpenApiResponse(
        ErrorResponse, description=", ".join(code for code, given in LAUNCH_STATUS.items() if given == status)
    )
    for status in sorted(set(LAUNCH_STATUS.values()))
}


class GamesView(FrontendView):
    @extend_schema(
        summary="Games a player may launch",
        description="Enabled games of active aggregators, filtered. Cached; every catalog sync invalidates it.",
        parameters=[GamesQuery],
        responses={200: GamesResponse, **ERRORS},
        tags=["front end"],
    )
    def get(self, request):
        query = GamesQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = CatalogFilters(**query.validated_data)
        return Response({"games": catalog_games(filters=filters)})


class LaunchView(FrontendView):
    @extend_schema(
        summary="Launch a game",
        description=(
            "Opens a game session (a demo session on play money for mode=demo) and answers the signed "
            "launch URL for the player's iframe, valid until expires_at."
        ),
        request=LaunchRequest,
        responses={
            201: LaunchResponse,
            **ERRORS,
            **LAUNCH_ERRORS,
        },
        tags=["front end"],
        examples=[
            OpenApiExample(
                "real launch",
                request_only=True,
                value={
                    "player_id": "demo-alice",
                    "game_id": "6f1c0b8e-3a57-4a43-9a53-0f1f7d2c9e11",
                    "currency": "EUR",
                    "mode": "real",
                    "country": "MT",
                    "language": "en",
                },
            )
        ],
    )
    def post(self, request):
        body = LaunchRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            launch = launch_create(
                player_id=data["player_id"],
                game_id=str(data["game_id"]),
                currency=data["currency"],
                mode=data["mode"],
                country=data["country"],
                language=data["language"],
            )
        except LaunchError as refusal:
            return error(refusal.status, refusal.code, refusal.message, rg_reason=refusal.rg_reason)
        answer = {
            "launch_url": launch.url,
            "session_token": launch.session.token,
            "expires_at": launch.expires_at.isoformat(),
            "mode": launch.session.mode,
        }
        if launch.reality_check_seconds is not None:
            answer["reality_check_seconds"] = launch.reality_check_seconds
        return Response(answer, status=201)
