"""Account pages of the signed-in user that touch no trial record: every persona may use them,
an anonymous caller is sent to the login page."""

from tests.access_matrix import Page

ACCESS_MATRIX = {
    # "Stay signed in" on any page: the request itself is the activity that keeps the session.
    "session_keepalive": Page(method="post", default=200),
}
