"""Brute force: after AXES_FAILURE_LIMIT failed logins for a user name, or from an address,
django-axes refuses that user name, or that address, for AXES_COOLOFF_TIME without checking
any password.

django-axes counts a failure only after the password was checked, so attempts sent at the same
moment would all be checked before the first failure is counted (jazzband/django-axes#592):
one_attempt_at_a_time makes them wait for each other. This module also draws the page that says
the sign-in is locked and until when, writes lockouts and unlocks to the access log, and
unlocks for an administrator.
"""

import hashlib
import math
from contextlib import contextmanager
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db import connection, transaction
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from .accesslog import log_access
from .client_address import client_ip
from .models import AccessAction


@contextmanager
def one_attempt_at_a_time(request):
    """Hold the login's transaction until the attempt is counted, so that the next attempt for
    the same user name or from the same address sees this one's failure before it checks a
    password. Without PostgreSQL (the SQLite demo) the attempts are not serialized."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            username = request.POST.get("username", "")
            keys = sorted(
                {_lock_key("username", username), _lock_key("address", client_ip(request))}
            )
            with connection.cursor() as cursor:
                for key in keys:  # always in the same order, so that two attempts never deadlock
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield


def _lock_key(kind: str, value) -> int:
    digest = hashlib.sha256(f"trial.lockout:{kind}:{value or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def locked_until(username: str, ip_address: str | None) -> datetime | None:
    """When the sign-in for this user name from this address opens again (None: not locked).

    Each attempt row stops counting AXES_COOLOFF_TIME after its latest failure; the user name,
    or the address, is locked while the rows still counting add up to the failure limit."""
    cool_off = get_cool_off()
    limit = get_failure_limit(None, None)
    since = timezone.now() - cool_off
    ends = []
    for lookup in ({"username": username}, {"ip_address": ip_address}):
        rows = AccessAttempt.objects.filter(attempt_time__gt=since, **lookup).values_list(
            "attempt_time", "failures_since_start"
        )
        end = _end_of_lock(list(rows), limit, cool_off)
        if end is not None:
            ends.append(end)
    return max(ends, default=None)


def _end_of_lock(rows: list[tuple[datetime, int]], limit: int, cool_off: timedelta):
    remaining = sum(failures for _, failures in rows)
    end = None
    for attempt_time, failures in sorted(rows):
        if remaining < limit:
            break
        remaining -= failures
        end = attempt_time + cool_off
    return end


def locked_out_page(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the project's page, in the user's language, saying that sign-in is
    locked, why, and when to try again."""
    username = get_client_username(request, credentials) or ""
    until = locked_until(username, client_ip(request))
    cool_off = get_cool_off(request)
    minutes = math.ceil((until - timezone.now()).total_seconds() / 60) if until else 0
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
        "until": until,
        "minutes_left": max(minutes, 1),
    }
    return render(request, "registration/locked_out.html", context, status=429)


@receiver(user_locked_out, dispatch_uid="trial.lockout.locked_out")
def _log_lockout(sender, request, username, ip_address, **kwargs):
    # django-axes sends the signal for the failure that reached the limit, and again for each
    # attempt refused while locked; only the first has its failures counted on the request.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    cool_off = get_cool_off(request)
    log_access(
        action=AccessAction.LOCKOUT,
        request=request,
        username=username or "",
        detail=(
            f"Sign-in locked until {timezone.now() + cool_off:%Y-%m-%d %H:%M:%S} UTC after "
            f"{failures} failed logins for this user name or from {ip_address or 'this address'}."
        ),
    )


@transaction.atomic
def unlock(*, attempts, acting_user, request) -> list[str]:
    """Lift the lock of each attempt's user name and address; one access log row for each,
    naming who unlocked. Returns what was unlocked, as shown to the administrator."""
    unlocked = []
    pairs = sorted(set(attempts.values_list("username", "ip_address")), key=str)
    for username, ip_address in pairs:
        AxesProxyHandler.reset_attempts(
            username=username, ip_address=ip_address, ip_or_username=True
        )
        what = f"user name {username!r} and address {ip_address or '-'}"
        log_access(
            action=AccessAction.UNLOCK,
            user=acting_user,
            request=request,
            detail=f"Unlocked {what} by {acting_user.get_username()}.",
        )
        unlocked.append(what)
    return unlocked
