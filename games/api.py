"""The operator front end's API: the games list and game launch (docs/catalog-and-launch.md).

Authenticated with `Authorization: Bearer <key>`, a key from settings.FRONTEND_API_KEYS: the
front end's credential, never an aggregator's. Views are thin: parse, call one selector or
service, render. Errors are {"status": "ERROR", "code": ..., "message": ...}.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casino.errors import ErrorCode
from casino.jsonbody import JsonBodyError, load_json_object
from casino.models import Mode
from casino.signing import secret_matches
from games.launch import LAUNCH_STATUS, LaunchError, launch_create
from games.selectors import CatalogFilters, catalog_games

# --- Authentication -----------------------------------------------------------------------------


class FrontendKey:
    """The credential of a request made with a valid front-end key. There is no user behind it:
    request.user stays anonymous, so nothing (the audit history included) mistakes it for staff."""

    def __str__(self) -> str:
        return "frontend key"


def frontend_key_valid(key: str) -> bool:
    return secret_matches(key, *settings.FRONTEND_API_KEYS)


class FrontendKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        if not frontend_key_valid(key.strip()):
            raise exceptions.AuthenticationFailed("invalid API key")
        return AnonymousUser(), FrontendKey()

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="frontend"'


class FrontendKeyScheme(OpenApiAuthenticationExtension):
    target_class = "games.api.FrontendKeyAuthentication"
    name = "frontendKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A key from FRONTEND_API_KEYS."}


class IsFrontend(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, FrontendKey)


class StrictJSONParser(JSONParser):
    """JSON bodies read as every API of ours reads them (casino/jsonbody.py): UTF-8, each key
    once, nested a few levels at most (DRF's own parser ends a deeply nested body in a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return load_json_object(stream.read())
        except JsonBodyError as exc:
            raise exceptions.ParseError(str(exc)) from None


# --- Shapes ---------------------------------------------------------------------------------------


class ErrorResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ERROR"])
    code = serializers.CharField()
    message = serializers.CharField()


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


def error(status: int, code: str, message: str) -> Response:
    return Response({"status": "ERROR", "code": code, "message": message}, status=status)


def validation_message(errors) -> str:
    if isinstance(errors, dict):
        return ", ".join(f"{name}: {validation_message(problems)}" for name, problems in errors.items())
    if isinstance(errors, list):
        return "; ".join(validation_message(p) for p in errors)
    return str(errors)


# --- Views ----------------------------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(ErrorResponse, description=ErrorCode.VALIDATION_ERROR.value),
    401: OpenApiResponse(ErrorResponse, description=f"{ErrorCode.UNAUTHORIZED}: missing or invalid bearer key"),
}

# Each status a launch is refused with, described by the codes games.launch.LAUNCH_STATUS gives
# it: the schema lists what the code answers, and cannot fall behind it.
LAUNCH_ERRORS = {
    status: OpenApiResponse(
        ErrorResponse, description=", ".join(code for code, given in LAUNCH_STATUS.items() if given == status)
    )
    for status in sorted(set(LAUNCH_STATUS.values()))
}


class FrontendView(APIView):
    authentication_classes = [FrontendKeyAuthentication]
    parser_classes = [StrictJSONParser]
    permission_classes = [IsFrontend]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = error(401, ErrorCode.UNAUTHORIZED, str(exc.detail))
            response["WWW-Authenticate"] = 'Bearer realm="frontend"'
            return response
        if isinstance(exc, exceptions.ParseError | exceptions.ValidationError):
            return error(400, ErrorCode.VALIDATION_ERROR, validation_message(exc.detail))
        if isinstance(exc, exceptions.APIException):
            return error(exc.status_code, str(exc.default_code).upper(), str(exc.detail))
        return super().handle_exception(exc)


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
            return error(refusal.status, refusal.code, refusal.message)
        return Response(
            {
                "launch_url": launch.url,
                "session_token": launch.session.token,
                "expires_at": launch.expires_at.isoformat(),
                "mode": launch.session.mode,
            },
            status=201,
        )
