"""The emulator's error answers: one exception carrying the API's envelope, and its texts."""

from __future__ import annotations

from harness.api.errors import ErrorResponse

# Texts marked unverified in the README: they follow public reports, not a live check.
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
AZURE_MISSING_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
MISSING_BETA = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again "
    "by setting the header 'OpenAI-Beta: assistants=v2'."
)
INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent "
    "was not valid JSON. If you have trouble figuring out how to fix this, please contact us "
    "through our help center at help.openai.com.)"
)


class EmulatorError(Exception):
    """An answer in the API's error envelope: raised by handlers, turned into a response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorResponse.invalid_request(message, param=param, code=code).to_dict()
        self.headers = headers or {}


def not_found(kind: str, object_id: str) -> EmulatorError:
    return EmulatorError(404, f"No {kind} found with id '{object_id}'.")


def check_prefix(param: str, value: str, prefix: str) -> None:
    """A well-formed id is ``<prefix>_`` and at least one more character; the message names
    the prefix without the underscore, as the API's does."""
    if not value.startswith(f"{prefix}_") or len(value) == len(prefix) + 1:
        raise EmulatorError(
            400,
            f"Invalid '{param}': '{value}'. Expected an ID that begins with '{prefix}'.",
            param=param,
            code="invalid_value",
        )
