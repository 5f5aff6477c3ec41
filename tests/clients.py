"""The test suite's browser: Django's test client, signing in as a person does."""

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tests.two_factor import authenticator
from trial.two_factor import rules


class Browser(Client):
    """Django's test client, with the second factor.

    force_login(user) is a sign-in with everything the account asks for: a user who has, or
    must have, two-factor authentication (data managers, administrators) has an authenticator
    app (one is set up if needed) and the session has given its code, as the code page leaves
    it (django_otp.login). force_login_with_password_only(user) stops after the password.
    login() goes through the login page, where the attempt is counted against brute force.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if rules.required_for(user) or rules.has_device(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
            session.save()

    def force_login_with_password_only(self, user, backend=None):
        super().force_login(user, backend)

    def login(self, *, username, password, **extra):
        credentials = {"username": username, "password": password}
        return self.post(reverse("login"), credentials, **extra).status_code == 302
