"""A real Chromium uses the reference app: the main journey, a forged cross-site form, and XSS."""

from __future__ import annotations

import re
from html import escape

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import AttackerSite, LiveApp, PageWatch
from tests.support.accounts import GOOD_PASSWORD, create_user

pytestmark = pytest.mark.e2e

EMAIL = "ada@example.org"
FORGED_TITLE = "Forged by another site"


def header(page: Page) -> Locator:
    return page.locator("header.site-header")


def expect_logged_in(page: Page, email: str = EMAIL) -> None:
    expect(header(page).get_by_role("button", name="Log out")).to_be_visible()
    expect(header(page)).to_contain_text(email)


def expect_logged_out(page: Page) -> None:
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(header(page).get_by_role("button", name="Log out")).to_have_count(0)


def log_in(page: Page, live_app: LiveApp, email: str = EMAIL, remember: bool = False) -> None:
    page.goto(live_app.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(GOOD_PASSWORD)
    page.get_by_label("Remember me for 7 days").set_checked(remember)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_app.url + "/")
    expect_logged_in(page, email)


def log_out(page: Page, live_app: LiveApp) -> None:
    header(page).get_by_role("button", name="Log out").click()
    page.wait_for_url(live_app.url + "/")
    expect(page.get_by_role("status")).to_have_text("You have been logged out.")
    expect_logged_out(page)


def write_note(page: Page, live_app: LiveApp, title: str, body: str) -> None:
    page.goto(live_app.url + "/notes/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text (Markdown)").fill(body)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(re.escape(live_app.url) + r"/notes/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Note saved.")


def test_user_journey(page: Page, watch: PageWatch, live_app: LiveApp) -> None:
    """A new user registers, logs out and in, writes, finds and reads a Markdown note, and
    no page logs a console error or a Content-Security-Policy violation."""
    page.goto(live_app.url + "/")
    expect_logged_out(page)
    header(page).get_by_role("link", name="Register").click()
    page.wait_for_url(live_app.url + "/register")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Repeat the password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_app.url + "/")
    expect(page.get_by_role("status")).to_have_text("Welcome! Your account is ready.")
    expect_logged_in(page)

    log_out(page, live_app)
    header(page).get_by_role("link", name="Log in").click()
    page.wait_for_url(live_app.url + "/login")
    log_in(page, live_app)

    write_note(page, live_app, "Harbour plans", "Meet at the **bold** lighthouse, zephyr.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour plans")
    expect(page.locator(".markdown strong")).to_have_text("bold")

    header(page).get_by_role("link", name="Search").click()
    page.get_by_label("Search your notes").fill("zephyr")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(live_app.url + "/search?q=zephyr")
    expect(page.get_by_role("heading", level=2)).to_have_text("Results for “zephyr”")
    page.locator(".note-list").get_by_role("link", name="Harbour plans").click()
    page.wait_for_url(re.compile(re.escape(live_app.url) + r"/notes/\d+$"))
    expect(page.locator(".markdown")).to_contain_text("Meet at the bold lighthouse, zephyr.")

    log_out(page, live_app)
    page.goto(live_app.url + "/notes")
    page.wait_for_url(re.compile(re.escape(live_app.url) + r"/login\?next="))

    assert watch.csp_violations == []
    assert watch.console_errors == []
    assert watch.page_errors == []


def forging_page(target: str, fields: dict[str, str]) -> str:
    """An attacker's page that posts a hidden form to ``target`` as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items()
    )
    return (
        "<!doctype html><title>Win a prize</title>"
        f'<form method="post" action="{target}">{inputs}</form>'
        "<script>document.forms[0].submit()</script>"
    )


def forge(
    page: Page, attacker_site: AttackerSite, live_app: LiveApp, path: str, fields: dict[str, str]
) -> int:
    """Visit the attacker's page for ``path``; the status the app gave the forged POST."""
    target = live_app.url + path
    attack = attacker_site.publish("/prize" + path, forging_page(target, fields))
    with page.expect_response(lambda r: r.url == target and r.request.method == "POST") as info:
        page.goto(attack)
    page.wait_for_url(target)
    return info.value.status


def test_cross_site_form_creates_no_note(
    page: Page, live_app: LiveApp, attacker_site: AttackerSite
) -> None:
    """A page on another site that auto-submits a note form while the user is logged in is
    refused, and no note is stored."""
    create_user(live_app.app, EMAIL)
    log_in(page, live_app)

    fields = {"title": FORGED_TITLE, "body": "sent from another site"}
    assert forge(page, attacker_site, live_app, "/notes/new", fields) == 400
    expect(page.locator("main")).to_contain_text("did not come from this site")
    assert live_app.count_notes(FORGED_TITLE) == 0


@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me"])
@pytest.mark.parametrize(
    ("path", "fields"),
    [("/logout", {}), ("/notes/new", {"title": FORGED_TITLE})],
    ids=["logout", "new-note"],
)
def test_cross_site_form_does_not_log_the_user_out(
    page: Page,
    live_app: LiveApp,
    attacker_site: AttackerSite,
    path: str,
    fields: dict[str, str],
    remember: bool,
) -> None:
    """After a page on another site auto-submits a form to the app, the user is still logged
    in and can go on writing notes."""
    create_user(live_app.app, EMAIL)
    log_in(page, live_app, remember=remember)

    assert forge(page, attacker_site, live_app, path, fields) == 400
    page.goto(live_app.url + "/notes")
    assert page.url == live_app.url + "/notes", "the forged request ended the user's session"
    expect_logged_in(page)
    write_note(page, live_app, "Still mine", "The app still works.")
    assert live_app.count_notes("Still mine") == 1
    assert live_app.count_notes(FORGED_TITLE) == 0


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>"),
        (
            '"><svg onload=alert(1)>',
            "[click](javascript:alert(1)) <iframe src=javascript:alert(1)>",
        ),
    ],
    ids=["img-onerror-and-script", "svg-onload-and-javascript-link"],
)
def test_script_in_a_note_is_shown_as_text(
    page: Page, watch: PageWatch, live_app: LiveApp, title: str, body: str
) -> None:
    """Script payloads in a note's title and body are shown as text and never run."""
    create_user(live_app.app, EMAIL)
    log_in(page, live_app)
    write_note(page, live_app, title, body)
    note_url = page.url

    page.goto(live_app.url + "/notes")
    expect(page.locator(".note-list")).to_contain_text(title)
    page.goto(note_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_title(f"{title} · Bastion Notes")
    for tag in ("script", "img", "svg", "iframe"):
        expect(page.locator(f"main {tag}")).to_have_count(0)
    expect(page.locator("main a[href^='javascript:']")).to_have_count(0)

    assert watch.dialogs == []
    assert watch.page_errors == []
