"""Browser tests: Debian's Chromium driven by Playwright against live_server on PostgreSQL."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """live_server serves static files from the finders, so use unhashed names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def watch(page, problems: list):
    """Collect the page's console errors and failed requests into problems."""
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"),
    )
    return page


@pytest.fixture
def watched_page(page):
    """A page that fails the test on any console error or failed request."""
    problems = []
    yield watch(page, problems)
    assert problems == []


@pytest.fixture
def shoot(watched_page, request):
    """Save a numbered screenshot per journey step under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def _shoot(step: str):
        name = f"{request.node.name}-{next(counter):02d}-{step}.png"
        watched_page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        return ARTIFACTS / name

    return _shoot


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def login_with_code(page, live_server, user, password):
    """Sign in as a person with an authenticator app: the password, then the app's code."""
    from tests.two_factor import authenticator, code_now

    device = authenticator(user)
    login(page, live_server, user.get_username(), password)
    page.wait_for_selector("[data-testid=two-factor-code]")
    page.get_by_label("Your code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
