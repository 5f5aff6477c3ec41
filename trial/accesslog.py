"""The access log: logins, failed logins, logouts, signatures, randomizations, exports.

Rows are appended here and nowhere else; the database refuses to change or delete them.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .client_address import client_ip
from .models import AccessAction, AccessLog, Site

logger = logging.getLogger(__name__)
REASON_CHARS = 300


def log_access(
    *,
    action: AccessAction | str,
    user=None,
    request=None,
    detail: str = "",
    site: Site | None = None,
    username: str = "",
) -> AccessLog:
    """Append one row; the user defaults to the request's, the IP is the client's
    (trial.client_address: behind a trusted proxy, the address the proxy saw).

    username is for attempts without an account (a failed login names what was typed).
    """
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if getattr(request_user, "is_authenticated", False):
            user = request_user
    ip_address = None
    if request is not None:
        ip_address = client_ip(request)
    return AccessLog.objects.create(
        action=AccessAction(action),
        user=user,
        username=user.get_username() if user is not None else username[:150],
        ip_address=ip_address,
        detail=detail,
        site=site,
    )


def log_export_failed(*, error: BaseException, detail: str, **who) -> AccessLog:
    """An export that did not finish, with why; the error goes to the log as well."""
    if isinstance(error, GeneratorExit):
        reason = "the download stopped before the end (the connection was closed)"
    else:
        logger.error("Export failed: %s", detail, exc_info=error)
        reason = f"{type(error).__name__}: {error}"[:REASON_CHARS]
    return log_access(action=AccessAction.EXPORT_FAILED, detail=f"{detail} Failed: {reason}", **who)


@contextmanager
def export_logged(*, detail: str, **who) -> Iterator[None]:
    """Log an export once the block has written it whole, or as failed if it raised.

    who: log_access's user, request, site. Around a streamed file the block is the stream
    itself (`streamed_export`), so the export is logged after its last byte.
    """
    try:
        yield
    except BaseException as error:
        log_export_failed(error=error, detail=detail, **who)
        raise
    log_access(action=AccessAction.EXPORT, detail=detail, **who)


def streamed_export(chunks: Iterator, *, detail: str, **who) -> Iterator:
    """The chunks of a streamed export, logged as an export after the last one; when they
    stop early (an error, or the client gone) the export is logged as failed and the error
    raised again, so that the server breaks the download off instead of ending it."""
    with export_logged(detail=detail, **who):
        yield from chunks


@receiver(user_logged_in, dispatch_uid="trial.accesslog.login")
def _log_login(sender, request, user, **kwargs):
    log_access(action=AccessAction.LOGIN, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="trial.accesslog.login_failed")
def _log_login_failed(sender, credentials, request=None, **kwargs):
    # django-axes marks an attempt it refused before any password check (trial.lockout), and
    # counts the failures on the request only for an attempt whose password was checked.
    refused = getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    log_access(
        action=AccessAction.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
        detail="Refused while sign-in is locked; no password was checked." if refused else "",
    )


@receiver(user_logged_out, dispatch_uid="trial.accesslog.logout")
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        detail = getattr(request, "logout_reason", "")  # set when a session timed out
        log_access(action=AccessAction.LOGOUT, user=user, request=request, detail=detail)
