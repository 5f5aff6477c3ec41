"""The client's address behind a reverse proxy: X-Forwarded-For is believed only from a proxy
listed in TRUSTED_PROXIES, and the access log records the address the proxy saw."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from trial.client_address import client_ip
from trial.models import AccessAction, AccessLog

PROXY = "10.0.0.5"


def failed_login(client, **headers):
    client.post(reverse("login"), {"username": "inv_s01", "password": "wrong"}, **headers)
    return AccessLog.objects.filter(action=AccessAction.LOGIN_FAILED).latest("pk")


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(client, inv_s01, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    log = failed_login(client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert log.ip_address == "198.51.100.7"


def test_without_trusted_proxies_the_header_is_never_read(client, inv_s01, settings):
    settings.TRUSTED_PROXIES = []
    log = failed_login(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert log.ip_address == PROXY


def test_behind_a_trusted_proxy_the_log_has_the_address_the_proxy_saw(client, inv_s01, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    # The client wrote 192.0.2.66 itself; the proxy appended the address it saw.
    log = failed_login(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.1")
    assert log.ip_address == "203.0.113.1"


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        ("10.0.0.5", "", "10.0.0.5"),  # the proxy's own request (a health check)
        ("10.0.0.5", "203.0.113.1, 10.0.0.9", "203.0.113.1"),  # two trusted proxies in a row
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # nothing but proxies: the first hop
        ("10.0.0.5", "not-an-address", "10.0.0.5"),  # garbage: the proxy itself
        ("10.0.0.5", "203.0.113.1, garbage", "10.0.0.5"),  # stop at what no proxy writes
        ("::ffff:198.51.100.7", "203.0.113.1", "198.51.100.7"),  # IPv4 through an IPv6 socket
        ("2001:db8::2", "2001:db8:1::7", "2001:db8:1::7"),  # an IPv6 proxy network
        ("", "203.0.113.1", None),
    ],
)
def test_client_ip(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8::/64"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
