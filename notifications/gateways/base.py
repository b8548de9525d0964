"""The one small interface every channel implements, and the errors it may raise.

A gateway sends one rendered message and returns the provider's id for it, or raises:
- ``TransientError`` (429, 5xx, timeout, connection refused): the worker retries later, with
  backoff (``retry_after`` seconds when the provider said so);
- ``PermanentError`` (refused number, bad template, 4xx): no retry on this channel; the
  worker falls back to the resident's next channel.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outgoing:
    """What a gateway needs; nothing else about the resident reaches it."""

    to: str
    body: str
    idempotency_key: str
    subject: str = ""
    language: str = "id"
    template: str = ""  # WhatsApp: approved template name; empty = free text (a reply)
    parameters: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


class GatewayError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.message = message[:500]
        self.retry_after = retry_after


class TransientError(GatewayError):
    """Try again later."""


class PermanentError(GatewayError):
    """Never try this message on this channel again."""


class Gateway:
    channel: str = ""
    # Requests per second this provider accepts from us (settings *_RATE_PER_SECOND).
    rate_per_second: float = 0
    # Whether a repeated send with the same idempotency key is recognised by the provider.
    idempotent: bool = False

    def send(self, message: Outgoing) -> str:
        raise NotImplementedError
