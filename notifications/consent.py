"""Consent and opt-outs (UU 27/2022 PDP): honoured at once, every change audited."""

from django.db import transaction
from django.utils import timezone

from notifications.models import (
    ChannelOptOut,
    ConsentEvent,
    Message,
    MessageState,
    ResidentLanguage,
)
from notifications.phones import normalize_phone
from receipts.models import Resident


@transaction.atomic
def channel_opt_out(*, resident_id: int, channel: str, source: str, actor=None) -> bool:
    """Stop ``channel`` for a resident; cancel what is still pending there. True if new."""
    _row, created = ChannelOptOut.objects.get_or_create(
        resident_id=resident_id, channel=channel, defaults={"source": source}
    )
    if created:
        ConsentEvent.objects.create(
            resident_id=resident_id,
            channel=channel,
            action=ConsentEvent.Action.OPT_OUT,
            source=source,
            actor=actor,
        )
    # "At once": also the messages already waiting (a claimed one re-checks before sending).
    Message.objects.filter(
        receipt__resident_id=resident_id, channel=channel, state=MessageState.PENDING
    ).update(
        state=MessageState.CANCELLED, error="penduduk menolak pesan", finished_at=timezone.now()
    )
    return created


def residents_with_phone(phone: str) -> list[int]:
    """Residents whose stored number is ``phone`` (written in any of the usual ways)."""
    target = normalize_phone(phone)
    if not target:
        return []
    tail = target[-9:]
    candidates = Resident.objects.filter(phone__contains=tail).values_list("pk", "phone")
    return [pk for pk, stored in candidates if normalize_phone(stored) == target]


@transaction.atomic
def phone_opt_out(*, phone: str, channel: str, source: str) -> int:
    """STOP from a phone: opt out every resident with that number on that channel."""
    ids = residents_with_phone(phone)
    for resident_id in ids:
        channel_opt_out(resident_id=resident_id, channel=channel, source=source)
    return len(ids)


@transaction.atomic
def contact_update_at_counter(
    *,
    resident: Resident,
    phone: str,
    email: str,
    consent_channels: list[str],
    actor,
    language: str = "id",
) -> Resident:
    """A clerk corrects the contact data and records the consent the resident gave in person.

    Channels consented to lose their opt-out; the others are opted out. Audited twice: a
    ConsentEvent per change, and django-auditlog's row for the Resident save.
    """
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    changed = []
    if locked.phone != phone:
        locked.phone = phone
        changed.append("phone")
    if locked.email != email:
        locked.email = email
        changed.append("email")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        ConsentEvent.objects.create(
            resident=locked,
            action=ConsentEvent.Action.CONTACT_CORRECTED,
            source="counter",
            actor=actor,
            note=", ".join(changed),
        )
    if language == "id":
        ResidentLanguage.objects.filter(resident=locked).delete()
    else:
        ResidentLanguage.objects.update_or_create(resident=locked, defaults={"language": language})
    for channel in ("whatsapp", "sms", "email"):
        if channel in consent_channels:
            deleted, _ = ChannelOptOut.objects.filter(resident=locked, channel=channel).delete()
            ConsentEvent.objects.create(
                resident=locked,
                channel=channel,
                action=ConsentEvent.Action.CONSENT,
                source="counter",
                actor=actor,
                note="opt-out dicabut" if deleted else "",
            )
        else:
            channel_opt_out(resident_id=locked.pk, channel=channel, source="counter", actor=actor)
    resident.phone, resident.email = locked.phone, locked.email
    return locked
