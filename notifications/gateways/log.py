"""The default for `make run`: write the message to the log, as a provider would receive it."""

import logging
import uuid

from notifications.gateways.base import Gateway, Outgoing

logger = logging.getLogger("notifications.outbox")


class LogGateway(Gateway):
    idempotent = True  # nothing leaves the machine; a repeat is only a repeated log line

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: Outgoing) -> str:
        provider_id = f"log-{uuid.uuid5(uuid.NAMESPACE_URL, message.idempotency_key)}"
        logger.info(
            "%s to %s [%s] %s%s",
            self.channel.upper(),
            message.to,
            provider_id,
            f"({message.template}) " if message.template else "",
            message.body,
        )
        return provider_id
