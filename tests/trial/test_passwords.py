"""Passwords: at least 12 characters, Django's validators with the common-password list, no
composition rules; password reset exists only where a mail server is configured."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "password",
    ["Summer2026", "short-pw-26", "password1234", "123456789012345"],
)
def test_weak_passwords_are_refused(inv_s01, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=inv_s01)


@pytest.mark.parametrize(
    "password", ["correct horse battery", "lowercase only words", settings.DEMO_PASSWORD]
)
def test_long_passwords_need_no_digits_symbols_or_capitals(inv_s01, password):
    validate_password(password, user=inv_s01)


def test_the_password_change_page_says_why_a_short_password_is_refused(client, inv_s01):
    client.force_login(inv_s01)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Summer2026", "new_password2": "Summer2026"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_password_reset_does_not_exist_without_a_mail_server(client, db, settings):
    settings.EMAIL_HOST = ""
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 404
    confirm = reverse("password_reset_confirm", args=["MQ", "set-password"])
    assert client.get(confirm).status_code == 404


def test_password_reset_is_offered_once_a_mail_server_is_configured(client, db, settings):
    settings.EMAIL_HOST = "smtp.example.org"
    assert client.get(reverse("password_reset")).status_code == 200
