"""Print the secret key of `make run`, generating it once into a git-ignored local file.

`make run` used a key derived from the host name (guessable, and it passed
``check --deploy``). Now the first run writes a random 50+ character key to
``.local-secret-key`` (mode 0600, in .gitignore) and every later run reads it back, so
sessions survive a restart and nobody else knows the key.
"""

import os
import secrets
import sys
from pathlib import Path

DEFAULT_PATH = Path(".local-secret-key")


def local_secret_key(path: Path = DEFAULT_PATH) -> str:
    """Return the key stored at ``path``, creating it (0600) on first use."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 50:
        return key
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


if __name__ == "__main__":
    sys.stdout.write(local_secret_key(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH))
