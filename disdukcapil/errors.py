"""The one error base every service raises when the office's rules refuse a request.

Views, admin and commands catch ``ApplicationError`` (never a subclass list that can drift):
its ``message`` is already translated (Indonesian by default) and is shown to the user as is;
its ``code`` is a short stable identifier for tests, logs and the API. Anything else a service
raises is a bug and may well be a 500.

This module imports nothing from the project, so every app, whatever its layer, may use it.
"""


class ApplicationError(Exception):
    """A request refused by a rule of the office; ``message`` is shown to the user."""

    default_code = "refused"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code

    def __str__(self) -> str:
        return self.message
