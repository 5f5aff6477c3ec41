"""Strata: the stratum key of a patient's site and timing of liver metastases."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from trial import protocol

if protocol.STRATIFICATION_FACTORS != ("site", "synchronous_metastases"):
    raise ImproperlyConfigured("trial.randomization builds stratum keys for site and timing.")

SYNCHRONOUS, METACHRONOUS = "synchronous", "metachronous"
_SITE_CODE = re.compile(r"[A-Z0-9]{2,8}")  # as the Site.code constraint


@dataclass(frozen=True)
class Strata:
    """The stratification factors besides the site, which is always the patient's own."""

    synchronous_metastases: bool


def stratum_key(site_code: str, synchronous_metastases: bool) -> str:
    """'S01|synchronous' or 'S01|metachronous': factors in protocol.STRATIFICATION_FACTORS order."""
    return f"{site_code}|{SYNCHRONOUS if synchronous_metastases else METACHRONOUS}"


def parse_stratum_key(key: str) -> tuple[str, bool]:
    """(site code, synchronous metastases) of a stratum key; ValueError if it is not one."""
    site_code, _sep, timing = key.partition("|")
    if not _SITE_CODE.fullmatch(site_code) or timing not in (SYNCHRONOUS, METACHRONOUS):
        raise ValueError(key)
    return site_code, timing == SYNCHRONOUS


def strata_of_sites(site_codes: Iterable[str]) -> list[str]:
    return [stratum_key(code, sync) for code in sorted(site_codes) for sync in (True, False)]
