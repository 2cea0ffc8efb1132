"""casino.signing.secret_matches: the one comparison of secrets, keys and signatures."""

from pathlib import Path

import pytest

from casino.signing import launch_signature, secret_matches
from games.launch import LaunchUrlRejected, launch_url_build, launch_url_verify
from sandbox.launch import check_launch_query

SECRET = "4f1c0b8e3a574a439a530f1f7d2c9e11"
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("given", "expected", "matches"),
    [
        (SECRET, SECRET, True),
        (SECRET[:-1] + "0", SECRET, False),  # only the last character differs
        (SECRET[:-1], SECRET, False),  # shorter: a prefix is not the secret
        (SECRET + "1", SECRET, False),  # longer
        (SECRET[:16], SECRET, False),  # the first half
        ("", SECRET, False),
        (None, SECRET, False),
        ("", "", False),  # an unset secret lets nothing in
        (SECRET[:-1] + "é", SECRET, False),  # non-ASCII: compare_digest alone would raise TypeError
        ("clé-secrète", "clé-secrète", True),
        ("\ud800", SECRET, False),  # a lone surrogate, as decoded JSON can hold
        ("\x00", SECRET, False),
    ],
)
def test_a_secret_matches_only_in_full(given, expected, matches):
    assert secret_matches(given, expected) is matches


def test_any_of_several_valid_secrets_matches_and_nothing_matches_none():
    assert secret_matches("new", "old", "new")
    assert secret_matches("old", "old", "new")
    assert not secret_matches("neither", "old", "new")
    assert not secret_matches("anything")


def test_an_empty_valid_secret_is_skipped_not_matched():
    assert not secret_matches("", "", "old")
    assert secret_matches("old", "", "old")


def production_modules() -> list[Path]:
    """Every Python file of the application and its scripts (not tests, not the virtualenv)."""
    skipped = {"tests", "var"}
    roots = [p for p in REPO.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in skipped]
    return [path for root in roots for path in root.rglob("*.py")]


def test_no_module_compares_secrets_by_itself():
    # One home for the rule: a second, hand-written comparison is where a shortcut creeps in.
    home = REPO / "casino" / "signing.py"
    modules = production_modules()
    others = [p.relative_to(REPO) for p in modules if p != home and "compare_digest" in p.read_text(encoding="utf-8")]

    assert home in modules
    assert others == [], "compare secrets with casino.signing.secret_matches"


# --- Non-ASCII in a launch URL: refused as a mismatch, never an exception ----------------------


def launch_query(**overrides) -> dict[str, str]:
    params = {
        "session_token": "tok",
        "game": "g1",
        "player_id": "p1",
        "currency": "EUR",
        "mode": "real",
        "country": "MT",
        "lang": "en",
        "expires": "4102444800",
        "key": "agg_1",
    }
    return params | overrides


def test_a_launch_url_signed_for_a_non_ascii_key_is_refused_as_another_key():
    url = launch_url_build(base_url="https://studio.example.test", secret=SECRET, params=launch_query(key="agg_é"))

    with pytest.raises(LaunchUrlRejected) as refused:
        launch_url_verify(url, secrets=[SECRET], expected_key="agg_1")

    assert refused.value.reason == "unknown_key"


def test_the_sandbox_refuses_a_launch_url_whose_signature_is_not_ascii():
    params = launch_query()
    forged = launch_signature(SECRET, params)[:-1] + "é"
    query = "&".join(f"{name}={value}" for name, value in params.items()) + f"&signature={forged}"

    check = check_launch_query(query, key_id="agg_1", secret=SECRET)

    assert (check.ok, check.reason) == (False, "signature does not match")
