"""WhatsApp Business Cloud API: template messages (and free text to answer a resident).

``POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages`` with the access token; the
answer's ``messages[0].id`` (a ``wamid``) is what delivery-status webhooks refer to.
Messages we start must be templates approved by Meta; their parameters are the placeholder
values in order. A reply to a resident's own message (within 24 hours) may be free text.

Meta documents no idempotency key for this endpoint. We send ours as ``Idempotency-Key``
and in ``biz_opaque_callback_data`` (echoed in status webhooks), which lets a proxy or a
provider that honours it fold a repeat; against Meta itself a worker killed between Meta's
answer and our commit can cause one duplicate for the message in flight.
"""

from django.conf import settings

from notifications.gateways.base import Gateway, Outgoing, TransientError
from notifications.gateways.http import post_json


class WhatsAppCloudGateway(Gateway):
    channel = "whatsapp"
    idempotent = False

    def __init__(self):
        base = settings.WHATSAPP_API_URL.rstrip("/")
        self.url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        self.token = settings.WHATSAPP_ACCESS_TOKEN
        self.timeout = settings.WHATSAPP_TIMEOUT
        self.rate_per_second = settings.WHATSAPP_RATE_PER_SECOND

    def send(self, message: Outgoing) -> str:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.lstrip("+"),
            "biz_opaque_callback_data": message.idempotency_key,
        }
        if message.template:
            payload["type"] = "template"
            payload["template"] = {
                "name": message.template,
                "language": {"code": message.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": p} for p in message.parameters],
                    }
                ],
            }
        else:
            payload["type"] = "text"
            payload["text"] = {"body": message.body}
        answer = post_json(
            self.url,
            payload,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.idempotency_key,
            },
            timeout=self.timeout,
        )
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise TransientError("jawaban WhatsApp tanpa id pesan") from None
