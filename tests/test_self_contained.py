"""A fresh clone works with nothing beside it: no tracked file reads a path outside the
repository (a sibling folder, a home directory, the machine it was written on).

A grep over `git ls-files`: code outside tests/ and docs/ may not name a parent directory at
all; nothing anywhere may climb above the repository from `__file__`, or name the folders
this project was once developed next to.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# Anywhere, tests and docs included: the folders the project was developed beside, and ".."
# written as its own path segment ("..", '..' or ../shared).
NEVER = re.compile(r"""\.\./shared|/work/|["']\.\.["']""")
# Outside tests/ and docs/ (tests may feed "../../etc/passwd" to an API on purpose): any
# parent directory, home directory or absolute path into a user's folders.
NOT_IN_CODE = re.compile(r"""\.\./|\.\.\\|/home/|/Users/|/root/|Path\.home\(|expanduser\(""")
PARENTS_INDEX = re.compile(r"__file__.*\.parents\[(\d+)\]")
PARENT_CHAIN = re.compile(r"__file__\)?(?:\.resolve\(\))?((?:\.parent(?!s))+)")


def tracked_text_files() -> dict[str, str]:
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH, as a developer runs it
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = {}
    for name in filter(None, listed.split("\0")):
        if name == THIS_FILE or not (ROOT / name).is_file():
            continue
        try:
            files[name] = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary: it reads nothing
    return files


def climbs_above_the_repository(name: str, line: str) -> bool:
    """`Path(__file__).parents[N]` or `.parent.parent...` past the repository's root."""
    depth = len(Path(name).parts)  # parents[depth - 1] (depth .parent's) is the root
    index = PARENTS_INDEX.search(line)
    chain = PARENT_CHAIN.search(line)
    return bool(index and int(index.group(1)) >= depth) or bool(chain and chain.group(1).count(".parent") > depth)


def reads_outside(name: str, text: str) -> list[str]:
    in_code = not name.startswith(("tests/", "docs/"))
    return [
        f"{name}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if NEVER.search(line) or (in_code and NOT_IN_CODE.search(line)) or climbs_above_the_repository(name, line)
    ]


def test_no_tracked_file_reads_a_path_outside_the_repository():
    files = tracked_text_files()
    assert "manage.py" in files  # the listing itself worked

    found = [hit for name, text in files.items() for hit in reads_outside(name, text)]

    assert found == []


def test_the_check_catches_each_way_out_of_the_repository():
    # Given lines that read outside the repository, each in its own way
    leaks = {
        "tests/hub88/conftest.py": 'VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared"',
        "wallet/api/native.py": '"""Native wallet protocol v1 (../shared/PRODUCT.md)."""',
        "casino/settings.py": 'KEYS = Path("/work/keys.pem")',
        "scripts/run.py": "DATA = Path(__file__).resolve().parents[2]",
        "games/x.py": "DATA = Path(__file__).parent.parent.parent",
        "casino/y.py": "HOME = Path.home() / 'keys'",
    }
    # And lines that stay inside
    inside = {
        "tests/reliability/support.py": "ROOT = Path(__file__).resolve().parents[2]",
        "scripts/bench/run.py": "ROOT = Path(__file__).resolve().parent.parent.parent",
        "tests/wallet/test_x.py": 'body = {"player_id": "../../etc/passwd"}',
    }

    # Then every leak is found, and nothing inside is
    assert [name for name, line in leaks.items() if not reads_outside(name, line)] == []
    assert [name for name, line in inside.items() if reads_outside(name, line)] == []
