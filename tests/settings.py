"""Settings for the test suite: the app's own settings, with what tests need set here, so that
plain `pytest` behaves like `make test` whatever the shell exports (only DATABASE_URL is read)."""

import os

# The app refuses to start without a key when DEBUG is off, as tests run.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# live_server and Playwright's browser share one thread in the browser tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from trial.settings import *  # noqa: E402, F403

# pytest-django creates and migrates the test database as DATABASE_URL's owner; the tests of
# the runtime role connect as it themselves (tests/trial/test_database_roles.py).
MIGRATE_DATABASE_URL = ""
# The test client and live_server speak plain HTTP.
SECURE_SSL_REDIRECT = False
# PBKDF2's deliberate slowness protects real passwords, not test users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
