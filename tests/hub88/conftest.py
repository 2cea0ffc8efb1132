"""Hub88 fixtures: an aggregator configured with the published demo key pair, a session, and
`hub88` — a client that signs bodies with X-Hub88-Signature exactly as Hub88 does."""

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from casino.models import Aggregator, GameSession
from casino.signing import rsa_sign
from games.services import aggregator_create, session_open

# Hub88's published demo key pair and signature vectors (Apache-2.0): vectors/README.md.
VECTORS = Path(__file__).resolve().parent / "vectors"
PRIVATE_PEM = (VECTORS / "private.pem").read_text()
PUBLIC_PEM = (VECTORS / "public.pem").read_text()
CODE = "hub88"


@pytest.fixture
def hub88_aggregator(db) -> Aggregator:
    # The demo pair plays both roles: Hub88 signs its calls with private.pem (we verify with
    # public.pem), and we sign ours with the same private.pem.
    return aggregator_create(
        code=CODE,
        protocol=Aggregator.Protocol.HUB88,
        public_key_pem=PUBLIC_PEM,
        private_key_pem=PRIVATE_PEM,
        operator_id=1,
        api_base_url="https://api.example.test",
    )


@pytest.fixture
def hub88_session(player, hub88_aggregator) -> GameSession:
    return session_open(player=player, aggregator=hub88_aggregator, game_code="clt_dragonrising", currency="EUR")


@dataclass
class Hub88Caller:
    client: Client
    code: str = CODE

    def post(self, path: str, body: dict | bytes, *, signature: str | None = None, key: str = PRIVATE_PEM):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"X-Hub88-Signature": rsa_sign(key, raw) if signature is None else signature}
        response = self.client.post(
            f"/api/hub88/{self.code}/{path}", raw, content_type="application/json", headers=headers
        )
        assert response.status_code == 200  # Hub88: always 200, the result is in `status`
        return response.json()


@pytest.fixture
def hub88(client) -> Hub88Caller:
    return Hub88Caller(client)


@pytest.fixture
def tx(hub88_session):
    """Hub88 bodies for the session: tx("bet", amount=100000, transaction_uuid=...)."""

    def build(kind: str, **fields) -> dict:
        body = {
            "user": hub88_session.player.external_id,
            "token": hub88_session.token,
            "request_uuid": str(uuid.uuid4()),
            "game_code": "clt_dragonrising",
            "round": "round-1",
            "round_closed": False,
            "transaction_uuid": str(uuid.uuid4()),
            "supplier_transaction_id": "sup-1",
        }
        if kind in ("bet", "win"):
            body.update(currency="EUR", amount=100_000, is_free=False, bet="line bet", meta={})
        body.update(fields)
        return body

    return build
