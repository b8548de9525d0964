"""E-mail through Django's e-mail API (SMTP in production, console/file for `make run`)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from notifications.gateways.base import Gateway, Outgoing, PermanentError, TransientError


class EmailGateway(Gateway):
    channel = "email"
    # SMTP has no idempotency key. The Message-ID is derived from ours, so a repeat after a
    # crash carries the same Message-ID (many mailbox providers fold such repeats), but the
    # server does accept it twice: at most one duplicate per message in flight when a worker
    # is killed between the server's "250 OK" and our commit.
    idempotent = False

    def __init__(self):
        self.rate_per_second = settings.EMAIL_RATE_PER_SECOND

    def send(self, message: Outgoing) -> str:
        domain = settings.EMAIL_MESSAGE_ID_DOMAIN
        message_id = f"<{message.idempotency_key}@{domain}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id, **message.headers},
        )
        try:
            get_connection(timeout=settings.EMAIL_TIMEOUT).send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentError(f"SMTP menolak alamat: {error.recipients}") from None
        except smtplib.SMTPResponseException as error:
            text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
            if 400 <= error.smtp_code < 500:
                raise TransientError(text) from None
            raise PermanentError(text) from None
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            raise TransientError(f"SMTP: {error}") from None
        return message_id
