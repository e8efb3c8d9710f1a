"""Base classes and the generic client errors (4xx), every error's stable message and status."""

from __future__ import annotations


class GestaltError(Exception):
    """Base of every engine error. ``str(err)`` is safe to log; it never contains secrets."""

    status: int = 500
    public_message: str = "internal error"

    def __init__(self, message: str | None = None) -> None:
        self.public_message = message if message is not None else type(self).public_message
        super().__init__(self.public_message)


class ConfigError(GestaltError):
    """A config file is invalid. ``issues`` holds every problem found, each with file:line:col."""

    def __init__(self, issues: list[object]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues) or "invalid config")


class BadRequest(GestaltError):
    status = 400
    public_message = "bad request"


class InvalidJSONBody(BadRequest):
    public_message = "invalid JSON body"


class InvalidParameters(BadRequest):
    """Parameters failed the operation's input schema; the message names the parameter."""


class MissingPathParameter(BadRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"missing required path parameter: {name}")


class InvalidConnectionName(BadRequest):
    public_message = "connection name contains invalid characters"


class InvalidInstanceName(BadRequest):
    public_message = "instance name contains invalid characters"


class NotAuthenticated(GestaltError):
    status = 401
    public_message = "not authenticated"


class ScopeDenied(GestaltError):
    status = 403

    def __init__(self, integration: str) -> None:
        super().__init__(f"token scope denied: {integration}")


class NotFound(GestaltError):
    status = 404
    public_message = "not found"


class IntegrationNotFound(NotFound):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" not found')


class OperationNotFound(NotFound):
    def __init__(self, operation: str, integration: str) -> None:
        super().__init__(f'operation "{operation}" not found on integration "{integration}"')


class Conflict(GestaltError):
    status = 409
    public_message = "conflict"


class AmbiguousInstance(Conflict):
    def __init__(self, integration: str, instances: list[str]) -> None:
        super().__init__(
            f'ambiguous instance: integration "{integration}" has {len(instances)} connections '
            f"([{' '.join(instances)}]); specify which instance to use"
        )
