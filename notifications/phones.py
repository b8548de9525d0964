"""Indonesian mobile numbers as providers want them (E.164, +62...)."""

import re

_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    """Return ``raw`` as +62..., or "" when it cannot be an Indonesian mobile number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    digits = _DIGITS.sub("", raw)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    # Indonesian mobile numbers: 62 8xx, 9 to 12 digits after the 62.
    if not re.fullmatch(r"628\d{8,11}", digits):
        return ""
    return "+" + digits
