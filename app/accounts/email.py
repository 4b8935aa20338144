"""A user's e-mail address, checked by email-validator (syntax only: the server has no DNS of the
internet to ask, and an agency's intranet mail domain may not resolve from it)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from app.errors import invalid

MAX_LENGTH = 254


def normalise(address: str | None, field: str = "email") -> str | None:
    """The address in its normal form, None for no address (None or blank); 422 naming ``field``."""
    if address is None or not address.strip():
        return None
    if len(address) > MAX_LENGTH:
        raise invalid(field, f"an e-mail address has at most {MAX_LENGTH} characters")
    try:
        checked = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise invalid(field, f"not an e-mail address: {exc}") from exc
    return str(checked.normalized)
