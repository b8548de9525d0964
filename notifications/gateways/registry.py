"""Which gateway serves each channel, chosen by settings (SMS_BACKEND, WHATSAPP_BACKEND)."""

import functools

from django.conf import settings

from notifications.gateways.base import Gateway
from notifications.gateways.email import EmailGateway
from notifications.gateways.log import LogGateway
from notifications.gateways.sms import HttpSmsGateway
from notifications.gateways.whatsapp import WhatsAppCloudGateway


@functools.cache
def _build(channel: str, backend: str) -> Gateway:
    if channel == "email":
        return EmailGateway()
    if backend == "log":
        return LogGateway(channel)
    if channel == "sms" and backend == "http":
        return HttpSmsGateway()
    if channel == "whatsapp" and backend == "cloud":
        return WhatsAppCloudGateway()
    raise ValueError(f"unknown backend {backend!r} for {channel}")


def gateway_for(channel: str) -> Gateway:
    backend = {"sms": settings.SMS_BACKEND, "whatsapp": settings.WHATSAPP_BACKEND}.get(
        channel, "django"
    )
    return _build(channel, backend)


def reset() -> None:
    """Forget built gateways (tests that change settings call this)."""
    _build.cache_clear()
