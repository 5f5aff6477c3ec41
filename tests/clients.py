"""The test suite's browser: Django's test client, signing in as a person does."""

from django.test import Client
from django.urls import reverse


class Browser(Client):
    """login() goes through the login page, as a person does: the attempt is counted against
    brute force (django-axes needs the request, which Client.login does not give it)."""

    def login(self, *, username, password, **extra):
        response = self.post(
            reverse("login"), {"username": username, "password": password}, **extra
        )
        return response.status_code == 302
