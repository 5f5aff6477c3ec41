"""Every project page against every persona; a page missing from the matrix fails."""

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_matrix import PERSONAS, Page

EXEMPT_NAMESPACES = {"admin"}
EXEMPT_NAMES = {
    "healthz",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
}


def _modules():
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("test_access_*.py")):
        dotted = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        yield importlib.import_module(dotted)


def collect_matrix() -> dict[str, Page]:
    matrix = {}
    for module in _modules():
        for name, page in getattr(module, "ACCESS_MATRIX", {}).items():
            assert name not in matrix, f"{name} is listed twice"
            matrix[name] = page
    return matrix


def project_url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            names |= project_url_names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name and p.name not in EXEMPT_NAMES:
            names.add(f"{namespace}{p.name}")
    return names


MATRIX = collect_matrix()
CELLS = [(name, persona) for name in sorted(MATRIX) for persona in PERSONAS]


def test_every_project_page_is_in_the_access_matrix():
    missing = project_url_names() - set(MATRIX)
    assert not missing, f"pages without access expectations: {sorted(missing)}"
    unknown = set(MATRIX) - project_url_names()
    assert not unknown, f"matrix rows for pages that do not exist: {sorted(unknown)}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back afterwards; each
    test runs in a savepoint within it, so the cells do not see each other's writes."""
    from tests.ecrf.builders import build_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield SimpleNamespace(**build_world())
        transaction.set_rollback(True)


def _request(client, page: Page, url, w):
    if page.method == "post":
        return client.post(url, page.data(w))
    return client.get(url)


@pytest.mark.parametrize("name, persona", CELLS)
def test_page_access(db, client, world, name, persona):
    page = MATRIX[name]
    url = reverse(name, kwargs=page.kwargs(world))
    client.force_login(getattr(world, persona))
    response = _request(client, page, url, world)
    expected = page.status_for(persona)
    assert response.status_code == expected, f"{persona} {page.method.upper()} {url}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(db, client, world, name):
    page = MATRIX[name]
    response = _request(client, page, reverse(name, kwargs=page.kwargs(world)), world)
    assert response.status_code == page.anonymous
