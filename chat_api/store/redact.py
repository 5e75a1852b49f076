"""Personal data scrubbed from visitors' text before it is written anywhere."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# Singapore NRIC/FIN: prefix letter, 7 digits, checksum letter (S1234567D, F1234567N).
NRIC = re.compile(r"(?<![A-Za-z0-9])[STFGMstfgm]\d{7}[A-Za-z](?![A-Za-z0-9])")

# Phone numbers: Singapore forms (+65 9123 4567, (65) 6123-4567, 91234567, 9123 4567)
# and any other international number written with a leading +.
PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    r"(?:\+|00)?\(?(?:\+?65)\)?[\s.-]?[3689]\d{3}[\s.-]?\d{4}"  # with country code
    r"|[3689]\d{3}[\s.-]?\d{4}"  # local 8-digit number
    r"|1800[\s.-]?\d{3}[\s.-]?\d{4}"  # toll-free
    r"|\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international
    r")"
    r"(?!\w)"
)

REPLACEMENTS = ((EMAIL, "[email]"), (NRIC, "[nric]"), (PHONE, "[phone]"))


def redact(text: str) -> str:
    """The text with e-mail addresses, phone numbers and NRIC/FIN numbers replaced by tags."""
    # E-mail first, so the digits inside an address are not mistaken for a phone number.
    for pattern, tag in REPLACEMENTS:
        text = pattern.sub(tag, text)
    return text
