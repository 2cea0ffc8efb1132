from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casino.models import Aggregator
from casino.signing import rsa_key_problem
from games.services import aggregator_create


class Command(BaseCommand):
    help = "Register an aggregator and print its key id."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--protocol", choices=Aggregator.Protocol.values, default=Aggregator.Protocol.NATIVE)
        parser.add_argument("--name", default="")
        parser.add_argument("--signing-secret", default="", help="Native protocol: the HMAC signing secret.")
        parser.add_argument("--key-id", default=None, help="Native protocol: the key id (generated if omitted).")
        parser.add_argument("--public-key-file", type=Path, help="Hub88: the aggregator's public key (PEM).")
        parser.add_argument("--private-key-file", type=Path, help="Hub88: our private key (PEM) for outbound calls.")
        parser.add_argument("--operator-id", type=int, default=None, help="Hub88: our operator id.")
        parser.add_argument("--api-base-url", default="", help="The aggregator's API base URL for our calls.")

    def handle(self, *args, **opts):
        protocol = opts["protocol"]
        if protocol == Aggregator.Protocol.NATIVE and not opts["signing_secret"]:
            raise CommandError("--signing-secret is required for the native protocol")
        if protocol == Aggregator.Protocol.HUB88 and not opts["public_key_file"]:
            raise CommandError("--public-key-file is required for hub88")
        public_key_pem = _read(opts["public_key_file"])
        private_key_pem = _read(opts["private_key_file"])
        for pem, private, option in (
            (public_key_pem, False, "--public-key-file"),
            (private_key_pem, True, "--private-key-file"),
        ):
            problem = pem and rsa_key_problem(pem, private=private)
            if problem:
                raise CommandError(f"{option}: {problem}")
        try:
            aggregator = aggregator_create(
                code=opts["code"],
                protocol=protocol,
                name=opts["name"],
                signing_secret=opts["signing_secret"],
                key_id=opts["key_id"],
                public_key_pem=public_key_pem,
                private_key_pem=private_key_pem,
                operator_id=opts["operator_id"],
                api_base_url=opts["api_base_url"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(aggregator.key_id)


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
