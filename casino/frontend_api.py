"""What every front-end API of ours shares (the games list and launch in games/api.py, the
player's responsible-gaming settings in compliance/api/): the bearer-key authentication, the
strict JSON parser, the error body and the base view. On the ground floor, because those apps
may not import each other.

Authenticated with `Authorization: Bearer <key>`, a key from settings.FRONTEND_API_KEYS: the
front end's credential, never an aggregator's. Errors are {"status": "ERROR", "code": ...,
"message": ...}, and an RG refusal adds "rg_reason".
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casino.errors import ErrorCode
from casino.jsonbody import JsonBodyError, load_json_object
from casino.responsible_gaming import RgReason
from casino.signing import secret_matches

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
    target_class = "casino.frontend_api.FrontendKeyAuthentication"
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


# --- The error body ---------------------------------------------------------------------------------------


class ErrorResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ERROR"])
    code = serializers.CharField()
    message = serializers.CharField()
    rg_reason = serializers.ChoiceField(
        choices=list(RgReason.ALL),
        required=False,
        help_text="With RG_BLOCKED only: why responsible gaming refused (e.g. COOL_OFF, SELF_EXCLUDED).",
    )


def error(status: int, code: str, message: str, *, rg_reason: str = "") -> Response:
    body = {"status": "ERROR", "code": code, "message": message}
    if rg_reason:
        body["rg_reason"] = rg_reason
    return Response(body, status=status)


def validation_message(errors) -> str:
    if isinstance(errors, dict):
        return ", ".join(f"{name}: {validation_message(problems)}" for name, problems in errors.items())
    if isinstance(errors, list):
        return "; ".join(validation_message(p) for p in errors)
    return str(errors)


# --- The base view ------------------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(ErrorResponse, description=ErrorCode.VALIDATION_ERROR.value),
    401: OpenApiResponse(ErrorResponse, description=f"{ErrorCode.UNAUTHORIZED}: missing or invalid bearer key"),
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
