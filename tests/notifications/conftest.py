import pytest

from notifications.gateways import registry
from tests.notifications.fakes import FakeProvider, smtp_server
from tests.ports import free_port


@pytest.fixture(autouse=True)
def _fresh_gateways(settings):
    settings.SMS_BACKEND = "log"
    settings.WHATSAPP_BACKEND = "log"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_BACKOFF_BASE_SECONDS = 30
    registry.reset()
    yield
    registry.reset()


@pytest.fixture
def provider(settings):
    """A fake SMS gateway + WhatsApp Cloud API, wired into the settings."""
    with FakeProvider() as fake:
        settings.SMS_BACKEND = "http"
        settings.SMS_API_URL = fake.url + "/sms"
        settings.SMS_API_TOKEN = "t"  # noqa: S105
        settings.SMS_TIMEOUT = 1
        settings.WHATSAPP_BACKEND = "cloud"
        settings.WHATSAPP_API_URL = fake.url
        settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
        settings.WHATSAPP_ACCESS_TOKEN = "t"  # noqa: S105
        settings.WHATSAPP_TIMEOUT = 1
        registry.reset()
        yield fake


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) in the test process; the app sends to it over SMTP."""
    controller, mailbox = smtp_server(port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    registry.reset()
    try:
        yield mailbox
    finally:
        controller.stop()
