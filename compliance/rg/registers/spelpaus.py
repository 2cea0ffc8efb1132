"""Spelpaus.se, Sweden's self-exclusion register (Spelinspektionen): the login API.

As documented at spelpaus.se ("API för inloggning", and the test API at testapi.spelpaus.se):

    POST {url}/api/blocking-info/{actorId}
    authorization: <API key>            Content-Type: application/json
    {"requestId": "<ours, unique per call>", "subjectId": "<personnummer, 12 digits YYYYMMDDNNNN>"}
    -> 200 {"isBlocked": true|false, "requestId": "<the same>", "responseId": "<theirs>"}
       401 bad authentication; 400 a missing requestId or a subjectId of the wrong length

Anything else (another status, a timeout, an answer without a boolean isBlocked, or for another
requestId) leaves the player unconfirmed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import requests
from django.utils.module_loading import import_string

from casino.models import Player
from compliance.rg.registers.base import RegisterUnavailable


class SpelpausClient:
    name = "spelpaus"

    def __init__(self, *, url: str, key: str, actor: str, subject: str = "", timeout: float = 3.0, **_options):
        self.endpoint = f"{url.rstrip('/')}/api/blocking-info/{actor}"
        self.key = key
        self.timeout = float(timeout)
        self.subject: Callable[[Player], str] | None = import_string(subject) if subject else None

    def is_excluded(self, player: Player) -> bool:
        subject = self.subject(player) if self.subject else ""
        if not subject:
            raise RegisterUnavailable("no personal identity number to ask with (RG_REGISTERS 'subject')")
        request_id = uuid.uuid4().hex
        try:
            answer = requests.post(
                self.endpoint,
                json={"requestId": request_id, "subjectId": subject},
                headers={"authorization": self.key},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RegisterUnavailable(f"no answer: {exc.__class__.__name__}") from exc
        if answer.status_code != 200:
            raise RegisterUnavailable(f"answered HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise RegisterUnavailable("answered something other than JSON") from exc
        blocked = body.get("isBlocked") if isinstance(body, dict) else None
        if not isinstance(blocked, bool) or body.get("requestId") != request_id:
            raise RegisterUnavailable("answered without isBlocked for our request")
        return blocked
