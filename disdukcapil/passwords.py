"""Password rules beyond Django's (issue 16, finding 5; OWASP ASVS 2.1).

Django's validators let through ``staf12345678`` (not similar enough to ``staf``),
``aaaaaaaaaaaa`` and the demo password published in the README. These three close the gap;
``AUTH_PASSWORD_VALIDATORS`` lists them after Django's own (length ≥ 12, common passwords,
not all digits, similarity to the user's attributes).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Published in the README and the demo: never a real account's password, whatever
# DEMO_PASSWORD is set to (seed_demo sets its accounts' passwords without validation).
PUBLISHED_DEMO_PASSWORDS = frozenset({"ektp-demo-2018"})
RUN = 4  # this many repeated or consecutive characters is a pattern, not a password
MIN_DISTINCT = 6


class DemoPasswordValidator:
    """Refuse the demo accounts' password for any account a person sets."""

    def validate(self, password, user=None):
        demo = PUBLISHED_DEMO_PASSWORDS | {getattr(settings, "DEMO_PASSWORD", "")}
        if password.casefold() in {p.casefold() for p in demo if p}:
            raise ValidationError(
                _("Kata sandi ini adalah kata sandi akun demo yang diumumkan."),
                code="password_is_demo",
            )

    def get_help_text(self):
        return _("Kata sandi tidak boleh sama dengan kata sandi akun demo.")


def _has_run(text: str) -> bool:
    """Four of the same character, or four consecutive ones up or down (1234, dcba)."""
    same = up = down = 1
    for previous, current in zip(text, text[1:], strict=False):
        step = ord(current) - ord(previous)
        same = same + 1 if step == 0 else 1
        up = up + 1 if step == 1 and current.isalnum() and previous.isalnum() else 1
        down = down + 1 if step == -1 and current.isalnum() and previous.isalnum() else 1
        if max(same, up, down) >= RUN:
            return True
    return False


class PatternPasswordValidator:
    """Refuse repeated or sequential characters and passwords of few distinct characters."""

    def validate(self, password, user=None):
        if _has_run(password.casefold()) or len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                _(
                    "Kata sandi ini berisi karakter berulang atau berurutan (mis. aaaa, 1234). "
                    "Gunakan kalimat pendek yang mudah Anda ingat."
                ),
                code="password_pattern",
            )

    def get_help_text(self):
        return _("Kata sandi tidak boleh berisi karakter berulang atau berurutan (aaaa, 1234).")


class UsernameInPasswordValidator:
    """Refuse a password that contains the username or one of its parts (``loket.selatan``)."""

    MIN_PART = 4

    def validate(self, password, user=None):
        username = (getattr(user, "get_username", lambda: "")() or "").casefold()
        if not username:
            return
        parts = {username} | {
            part for part in username.replace("_", ".").replace("-", ".").split(".")
        }
        folded = password.casefold()
        if any(len(part) >= self.MIN_PART and part in folded for part in parts) or (
            len(folded) >= self.MIN_PART and folded in username
        ):
            raise ValidationError(
                _("Kata sandi tidak boleh memuat nama pengguna."), code="password_has_username"
            )

    def get_help_text(self):
        return _("Kata sandi tidak boleh memuat nama pengguna.")
