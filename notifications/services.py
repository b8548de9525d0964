"""Staff writes: resend a failed message, edit texts, set the channel order."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.errors import ApplicationError
from notifications import quiet
from notifications.models import ChannelOrder, Message, MessageState, MessageTemplate


class NotificationError(ApplicationError):
    pass


@transaction.atomic
def message_resend(*, message: Message, actor) -> Message:
    """Send a failed (or cancelled) message again: same row, same idempotency key."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.state not in (MessageState.FAILED, MessageState.CANCELLED):
        raise NotificationError(
            _("Hanya pesan yang gagal atau dibatalkan yang bisa dikirim ulang.")
        )
    locked.state = MessageState.PENDING
    locked.attempts = 0
    locked.next_attempt_at = quiet.next_allowed(timezone.now())
    locked.resent_by = actor
    locked.finished_at = None
    locked.save(update_fields=["state", "attempts", "next_attempt_at", "resent_by", "finished_at"])
    from notifications import tasks

    transaction.on_commit(tasks.kick)
    return locked


@transaction.atomic
def template_save(
    *, occasion: str, channel: str, language: str, subject: str, body: str, whatsapp: str, actor
) -> MessageTemplate:
    row, _created = MessageTemplate.objects.update_or_create(
        occasion=occasion,
        channel=channel,
        language=language,
        defaults={
            "subject": subject,
            "body": body,
            "whatsapp_template": whatsapp,
            "updated_by": actor,
        },
    )
    return row


@transaction.atomic
def channel_order_set(*, order: list[str], actor) -> ChannelOrder:
    row, _created = ChannelOrder.objects.update_or_create(
        pk=ChannelOrder.SINGLETON_ID, defaults={"order": ",".join(order), "updated_by": actor}
    )
    return row
