"""Which kind of start this is (CASINO_ENV) and what each kind refuses.

`production` is the default: a server started with nothing said is treated as the real thing,
so a forgotten variable stops it instead of quietly using a value everybody knows. `local` is
what `make run`, `make test` and `make bench` set, on a developer's machine.

Pure functions (no Django import) so settings.py can call them before Django is set up.
"""

PRODUCTION = "production"
LOCAL = "local"
ENVIRONMENTS = (PRODUCTION, LOCAL)

GENERATE_KEY_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"

# Values published in this repository's history, docs or compose file, and Django's own marker
# for generated development keys: anyone can sign sessions with them.
KNOWN_SECRET_KEYS = frozenset({"change-me-in-production", "dev-only-insecure-secret-key-change-me"})
KNOWN_SECRET_KEY_MARKERS = ("django-insecure", "change-me", "changeme", "insecure")
# Django's own bar for a strong key (check --deploy, security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5

# The key `make run` and the tests use for the operator front end: never valid in production.
KNOWN_FRONTEND_KEYS = frozenset({"dev-frontend-key"})
FRONTEND_KEY_MIN_LENGTH = 32


def environment_problem(value: str) -> str | None:
    if value in ENVIRONMENTS:
        return None
    return f"CASINO_ENV={value!r} is not one of {', '.join(ENVIRONMENTS)} (unset means {PRODUCTION})."


def secret_key_problem(value: str, *, environment: str) -> str | None:
    """Why SECRET_KEY cannot be used in this environment, or None. It signs sessions and CSRF
    tokens: a known or guessable one lets anybody forge a staff login."""
    if not value:
        return (
            f"SECRET_KEY is not set. Set it in the environment or in .env, e.g. SECRET_KEY=$({GENERATE_KEY_COMMAND})."
        )
    if environment != PRODUCTION:
        return None
    lowered = value.lower()
    if lowered in KNOWN_SECRET_KEYS or any(marker in lowered for marker in KNOWN_SECRET_KEY_MARKERS):
        return f"SECRET_KEY is a known placeholder. Generate a new one: SECRET_KEY=$({GENERATE_KEY_COMMAND})."
    if len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is too weak for production (at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different). Generate one: SECRET_KEY=$({GENERATE_KEY_COMMAND})."
        )
    return None


def frontend_keys_problem(keys: list[str], *, environment: str) -> str | None:
    """Why FRONTEND_API_KEYS cannot be used in this environment, or None. The keys let a caller
    list games and launch them for any player."""
    if not keys:
        return (
            "FRONTEND_API_KEYS is not set: the bearer key(s) of the operator front end, comma-separated, "
            f"e.g. FRONTEND_API_KEYS=$({GENERATE_KEY_COMMAND})."
        )
    if environment != PRODUCTION:
        return None
    if any(key in KNOWN_FRONTEND_KEYS for key in keys):
        return "FRONTEND_API_KEYS holds the development key dev-frontend-key: never valid in production."
    if any(len(key) < FRONTEND_KEY_MIN_LENGTH for key in keys):
        return f"FRONTEND_API_KEYS: every key must be at least {FRONTEND_KEY_MIN_LENGTH} characters in production."
    return None
