"""The Chinese translation is complete, keeps every placeholder, and is what users see."""

import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
CHINESE = "zh-hans"

# %(name)s, %s, %% for gettext; {name} and {} for format_lazy; HTML tags kept as written.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdrif]|%[sdrif%]|\{[^{}]*\}|</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


def placeholders(text):
    return Counter(PLACEHOLDER.findall(text))


def current_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def test_every_string_is_translated(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    assert untranslated == [], f"untranslated in {PO_PATH}: {untranslated}"
    assert catalogue.percent_translated() == 100


def test_no_translation_is_left_fuzzy(catalogue):
    fuzzy = [entry.msgid for entry in current_entries(catalogue) if "fuzzy" in entry.flags]
    assert fuzzy == [], f"fuzzy in {PO_PATH}: {fuzzy}"
    assert not catalogue.metadata_is_fuzzy


def test_chinese_has_one_plural_form(catalogue):
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    for entry in current_entries(catalogue):
        if entry.msgid_plural:
            assert list(entry.msgstr_plural) == [0], entry.msgid
            assert entry.msgstr_plural[0], entry.msgid


def test_translations_keep_every_placeholder(catalogue):
    mismatches = []
    for entry in current_entries(catalogue):
        if entry.msgid_plural:
            wanted = (placeholders(entry.msgid), placeholders(entry.msgid_plural))
            if placeholders(entry.msgstr_plural[0]) not in wanted:
                mismatches.append((entry.msgid, entry.msgstr_plural[0]))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            mismatches.append((entry.msgid, entry.msgstr))
    assert mismatches == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_gnu_msgfmt_accepts_the_formats():
    """A "%" in a brace-format string ("{tolerance} %") must not be read as a %-directive."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compiled_messages_match_the_source():
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run `make messages`"
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(MO_PATH))}
    stale = []
    for entry in current_entries(polib.pofile(str(PO_PATH))):
        built = compiled.get((entry.msgctxt, entry.msgid))
        if built is None or (built.msgstr, built.msgstr_plural) != (
            entry.msgstr,
            entry.msgstr_plural,
        ):
            stale.append(entry.msgid)
    assert stale == [], f"{MO_PATH} is older than {PO_PATH}: run `make messages`"


def test_language_switcher_sets_chinese(client, db):
    login_url = reverse("login")
    response = client.post(
        reverse("set_language"), {"language": CHINESE, "next": login_url}, follow=True
    )
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == CHINESE
    assert response.redirect_chain[-1][0] == login_url
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "Log in" not in page


def test_login_page_in_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = CHINESE
    page = client.get(reverse("login")).content.decode()
    assert "<title>登录" in page
    assert 'aria-label="语言"' in page


def test_patient_list_in_chinese(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = CHINESE
    page = client.get(reverse("home"), follow=True).content.decode()
    assert pat_s01.subject_id in page
    for label in ("患者", "受试者编号", "研究中心", "筛选期", "退出登录", "研究者"):
        assert label in page, label
    for english in ("Patients", "Subject ID", "Log out", "Investigator"):
        assert english not in page, english


def test_english_stays_the_default(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "Subject ID" in page
    assert "受试者编号" not in page


class LanguageForm(HTMLParser):
    """The language form of a page as a browser without JavaScript submits it."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields, self.has_button = action, False, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif self.inside and tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif self.inside and tag == "button" and attrs.get("type") == "submit":
            self.has_button = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def test_language_menu_works_without_javascript(inv_s01, pat_s01):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(inv_s01)
    casebook = reverse("ecrf:casebook", args=[pat_s01.subject_id])
    form = LanguageForm(reverse("set_language"))
    form.feed(browser.get(casebook).content.decode())
    assert form.has_button, "the language form needs a submit button"
    assert form.fields["next"] == casebook
    response = browser.post(reverse("set_language"), {**form.fields, "language": CHINESE})
    assert response.status_code == 302 and response["Location"] == casebook
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == CHINESE
    assert '<html lang="zh-hans">' in browser.get(casebook).content.decode()
