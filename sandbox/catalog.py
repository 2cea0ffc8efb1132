"""The sandbox's default catalog: 12 games from 3 studios, in the native catalog API's shape.

`id` is the sandbox's stable game id (survives renames); `code` is what wallet calls and
launches use, and may be renamed through the control API.
"""

import copy

EVERYWHERE = ("MT", "DE", "GB", "SE")


def _game(
    number: int,
    code: str,
    name: str,
    provider: tuple[str, str],
    category: str,
    rtp: str,
    *,
    demo: bool,
    countries: tuple[str, ...] = EVERYWHERE,
) -> dict:
    build_hash = f"{number:02x}{code.encode().hex()[:10]}"
    return {
        "id": f"sbx-{number:04d}",
        "code": code,
        "name": name,
        "provider": {"code": provider[0], "name": provider[1]},
        "category": category,
        "rtp": rtp,
        "demo": demo,
        "enabled": True,
        "certifications": [{"country": c, "rtp_profile": rtp, "build_hash": build_hash} for c in countries],
    }


STUDIO = ("sandbox-studio", "Sandbox Studio")
LIVE = ("fixture-live", "Fixture Live")
TABLES = ("mock-tables", "Mock Tables")

DEFAULT_GAMES = [
    _game(1, "sbx_book_of_tests", "Book of Tests", STUDIO, "slots", "96.50", demo=True),
    _game(2, "sbx_mocking_bird", "Mocking Bird", STUDIO, "slots", "96.20", demo=True),
    _game(3, "sbx_fixture_fruits", "Fixture Fruits", STUDIO, "slots", "95.80", demo=True),
    _game(4, "sbx_assert_gold", "Assert Gold", STUDIO, "slots", "96.00", demo=False, countries=("MT", "SE")),
    _game(5, "sbx_flaky_reels", "Flaky Reels", STUDIO, "slots", "94.00", demo=True, countries=("MT", "DE")),
    _game(6, "sbx_live_roulette", "Live Roulette", LIVE, "live", "97.30", demo=False),
    _game(7, "sbx_live_blackjack", "Live Blackjack", LIVE, "live", "99.50", demo=False),
    _game(8, "sbx_live_baccarat", "Live Baccarat", LIVE, "live", "98.90", demo=False, countries=("MT", "GB")),
    _game(9, "sbx_lightning_dice", "Lightning Dice", LIVE, "live", "96.20", demo=False, countries=("MT",)),
    _game(10, "sbx_euro_roulette", "European Roulette", TABLES, "table", "97.30", demo=True),
    _game(11, "sbx_classic_blackjack", "Classic Blackjack", TABLES, "table", "99.40", demo=True),
    _game(
        12, "sbx_jacks_or_better", "Jacks or Better", TABLES, "table", "99.50", demo=True, countries=("MT", "DE", "GB")
    ),
]


def default_catalog() -> list[dict]:
    """A fresh copy: each server owns and mutates its own."""
    return copy.deepcopy(DEFAULT_GAMES)
