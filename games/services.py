"""Writes for aggregators and game sessions (money itself moves only in wallet/services/)."""

from django.db import transaction
from django.utils import timezone

from casino.models import Aggregator, Currency, GameSession, Mode, Player
from casino.playing import current_play_start
from games.models import Game, GameLaunch
from wallet.selectors import player_last_money_call_at
from wallet.services import demo_wallet_top_up, wallet_open

DEFAULT_SESSION_TTL_SECONDS = 600


def aggregator_create(
    *,
    code: str,
    protocol: str = Aggregator.Protocol.NATIVE,
    name: str = "",
    signing_secret: str = "",
    key_id: str | None = None,
    public_key_pem: str = "",
    private_key_pem: str = "",
    operator_id: int | None = None,
    api_base_url: str = "",
) -> Aggregator:
    aggregator = Aggregator(
        code=code,
        name=name or code,
        protocol=protocol,
        signing_secret=signing_secret,
        public_key_pem=public_key_pem,
        private_key_pem=private_key_pem,
        operator_id=operator_id,
        api_base_url=api_base_url,
    )
    if key_id:
        aggregator.key_id = key_id
    aggregator.full_clean()
    aggregator.save()
    return aggregator


def session_open(
    *,
    player: Player,
    aggregator: Aggregator,
    game_code: str,
    currency: Currency | str,
    mode: str = Mode.REAL,
    ttl_seconds: int = DEFAULT_SESSION_TTL_SECONDS,
    game: Game | None = None,
) -> GameSession:
    """Open a game session on the player's wallet for this currency and mode.

    A demo session plays from the player's demo wallet, topped up with play money; the real
    wallet is never touched by it. `game` is the catalog game when the launch flow opens it
    (games/launch.py); sessions opened by hand may carry any code and no game.

    The session joins the player's current playing session (casino/playing.py): opened within
    the break of the player's previous session it keeps that one's `play_started_at`, so the
    session-time limit is not reset by a relaunch; else it starts a new one now.
    """
    wallet = wallet_open(player=player, currency=currency, mode=mode)
    if mode == Mode.DEMO:
        demo_wallet_top_up(wallet_id=wallet.pk)
    with transaction.atomic():
        now = timezone.now()
        session = GameSession.objects.create(
            player=player,
            aggregator=aggregator,
            game_code=game_code,
            currency_id=wallet.currency_id,
            mode=mode,
            expires_at=GameSession.expiry_from_now(ttl_seconds),
            play_started_at=current_play_start(
                player_id=player.pk, at=now, last_money_call_at=player_last_money_call_at(player_id=player.pk)
            )
            or now,
        )
        if game is not None:
            GameLaunch.objects.create(session=session, game=game)
        return session
