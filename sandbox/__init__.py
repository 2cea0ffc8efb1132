"""The built-in sandbox aggregator: a fake aggregator that talks to the back-office only over HTTP.

- server.py     its HTTP server: native catalog API, launch URL validation, control API
- catalog.py    its default game catalog (its own state; nothing from our models)
- launch.py     the launch URL check it applies (same canonical signature as the back-office)
- wire.py       the wallet protocol on the wire (NativeWire; hub88.py holds Hub88Wire)
- frontend.py   the operator front-end calls a player's browser makes (list games, launch)
- plan.py       what each spin will be, drawn from the player's seeded RNG
- player.py     one player's play: launches, money calls, retries, misbehaviour
- record.py     the sandbox's own record of a player (requests, answers, believed balance)
- driver.py     runs many players, paces them, and summarises the run

- management/   load_demo (our side of the demo: players, the sandbox's aggregator rows),
                sandbox_server and sandbox_play

Apart from load_demo, nothing here imports the back-office's models or services: the sandbox
must behave like a real aggregator, which only ever sees our HTTP API. Production code never
imports this package, and it is an installed app only where CASINO_ENV=local.
"""
