"""A generic HTTP SMS gateway (the shape most Indonesian SMS aggregators offer).

Request: ``POST SMS_API_URL`` with ``Authorization: Bearer SMS_API_TOKEN``, an
``Idempotency-Key`` header, and JSON ``{"to": "+62...", "text": ..., "sender": SMS_SENDER,
"reference": <idempotency key>}``. Answer: ``{"id": "<provider's message id>"}``; 429 and 5xx
are retried, other 4xx are permanent. Delivery reports and inbound SMS come to our webhooks
signed with SMS_WEBHOOK_SECRET (notifications/webhooks.py).
"""

from django.conf import settings

from notifications.gateways.base import Gateway, Outgoing, TransientError
from notifications.gateways.http import post_json


class HttpSmsGateway(Gateway):
    channel = "sms"
    idempotent = True  # the gateway contract requires it to honour Idempotency-Key

    def __init__(self):
        self.url = settings.SMS_API_URL
        self.token = settings.SMS_API_TOKEN
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_TIMEOUT
        self.rate_per_second = settings.SMS_RATE_PER_SECOND

    def send(self, message: Outgoing) -> str:
        answer = post_json(
            self.url,
            {
                "to": message.to,
                "text": message.body,
                "sender": self.sender,
                "reference": message.idempotency_key,
            },
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.idempotency_key,
            },
            timeout=self.timeout,
        )
        provider_id = str(answer.get("id") or "")
        if not provider_id:
            raise TransientError("jawaban gateway SMS tanpa id")
        return provider_id
