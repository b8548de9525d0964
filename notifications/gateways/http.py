"""A small JSON-over-HTTP client for the providers (standard library only)."""

import json
import urllib.error
import urllib.request

from notifications.gateways.base import PermanentError, TransientError


def post_json(url: str, payload: dict, *, headers: dict, timeout: float) -> dict:
    """POST ``payload``; return the JSON answer, or raise Transient/PermanentError."""
    data = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL comes from settings)
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        text = error.read()[:300].decode(errors="replace")
        message = f"HTTP {error.code}: {text}"
        if error.code == 429 or error.code >= 500:
            retry_after = error.headers.get("Retry-After")
            try:
                seconds = float(retry_after) if retry_after else None
            except ValueError:
                seconds = None
            raise TransientError(message, retry_after=seconds) from None
        raise PermanentError(message) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise TransientError(f"{type(error).__name__}: {error}") from None
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise TransientError("jawaban penyedia bukan JSON") from None
