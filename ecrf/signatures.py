"""What an electronic signature is (21 CFR Part 11.50, 11.70): its meaning, the digest that
binds it to the signed content, and how it reads on a page (printed name, time with zone).

The digest is SHA-256 over a canonical JSON of the form's items (keys sorted, dates ISO
8601, decimals as strings) with the meaning, so that a change made outside the workflow
(which would have cleared the signature) shows as a signature that no longer matches."""

import datetime
import hashlib
import json
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The meaning is stored in English, as signed; pages show it in the reader's language.
MEANING = "I am the investigator responsible and confirm these data are accurate and complete"
MEANINGS = {
    MEANING: _(
        "I am the investigator responsible and confirm these data are accurate and complete"
    ),
}
LEGAL_REASON = "21 CFR Part 11"
# Wrong passwords in a row that end the session and lock signing, and for how long.
SIGNING_ATTEMPTS = 3
SIGNING_LOCKOUT = datetime.timedelta(minutes=15)


def meaning_text(meaning: str) -> str:
    """The meaning as the reader's language says it."""
    return str(MEANINGS.get(meaning, meaning))


def _canonical(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def signed_content(crf) -> dict:
    """The form's items as signed: one canonical value per item of the data dictionary."""
    return {f.name: _canonical(getattr(crf, f.attname)) for f in crf.item_fields()}


def content_sha256(crf, meaning: str) -> str:
    document = {
        "form": crf.FORM_CODE,
        "id": crf.pk,
        "items": signed_content(crf),
        "meaning": meaning,
    }
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def printed_name(user) -> str:
    """The signer's full name; the user name only when no name is recorded."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


def stamp(moment: datetime.datetime, zone) -> str:
    """A moment in the site's time zone, ISO 8601 with its offset: 2026-03-02T14:05:00+08:00."""
    return timezone.localtime(moment, zone).replace(microsecond=0).isoformat()
