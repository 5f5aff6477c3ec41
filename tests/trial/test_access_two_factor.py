"""Access expectations for the two-factor pages (see tests/access_matrix.py).

They are each user's own pages: everybody may open them, about nobody else. The personas sign
in as the login page leaves them (tests/clients.py): data managers and the administrator with
their authenticator app, the others with their password alone.
"""

from tests.access_matrix import Page

WITH_AUTHENTICATOR = ("dm_s01", "datamanager", "admin_user")


def only_with_authenticator(status: int) -> dict[str, int]:
    return dict.fromkeys(WITH_AUTHENTICATOR, status)


ACCESS_MATRIX = {
    "two_factor:overview": Page(default=200),
    # Setting up again is refused to those who have it: back to their page.
    "two_factor:enrol": Page(expect=only_with_authenticator(302), default=200),
    # A session that has nothing (more) to give is sent on to the next page.
    "two_factor:verify": Page(default=302),
    "two_factor:recovery_codes": Page(
        method="post", expect=only_with_authenticator(200), default=302
    ),
    # Nobody may switch off what their role requires; the others have nothing to switch off.
    "two_factor:remove": Page(method="post", expect=only_with_authenticator(403), default=302),
}
