"""A real Chromium manages an account: ends other sessions, confirms its address, resets a
forgotten password from the link in a mail that a real SMTP server received."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, LiveApp, MailingApp, PageWatch, watch_page
from tests.support.accounts import GOOD_PASSWORD, create_user

pytestmark = pytest.mark.e2e

EMAIL = "ada@example.org"
NEW_PASSWORD = "copper-lantern-meadow-71-fjord"
#: What Chromium logs for a page answered with 400, as a refused login or link is.
BAD_REQUEST_LOGGED = (
    "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
)


@dataclass
class Device:
    """One browser profile (its own cookies, a user agent naming it) and its tab."""

    page: Page
    watch: PageWatch


OpenDevice = Callable[[str], Device]


@pytest.fixture
def open_device(browser: Browser) -> Iterator[OpenDevice]:
    """Opens a fresh browser profile per call, as if the user had another device."""
    contexts: list[BrowserContext] = []

    def open_one(name: str) -> Device:
        context = browser.new_context(user_agent=f"Mozilla/5.0 (X11; Linux x86_64) E2E-{name}")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        return Device(page, watch_page(page))

    yield open_one
    for context in contexts:
        context.close()


def assert_quiet(watch: PageWatch, refused_pages: int = 0) -> None:
    """No page broke its Content-Security-Policy, threw or opened a dialog, and the only
    console errors are Chromium's notes on the ``refused_pages`` 400 answers the test caused."""
    assert watch.csp_violations == []
    assert watch.console_errors == [BAD_REQUEST_LOGGED] * refused_pages
    assert watch.page_errors == []
    assert watch.dialogs == []


def header(page: Page) -> Locator:
    return page.locator("header.site-header")


def expect_logged_in(page: Page) -> None:
    expect(header(page).get_by_role("button", name="Log out")).to_be_visible()
    expect(header(page)).to_contain_text(EMAIL)


def expect_sent_to_login(page: Page, live_app: LiveApp, path: str) -> None:
    """Opening ``path`` (which needs a login) lands on the login page."""
    page.goto(live_app.url + path)
    page.wait_for_url(re.compile(re.escape(live_app.url) + r"/login\?next="))
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()


def submit_login(page: Page, live_app: LiveApp, password: str = GOOD_PASSWORD) -> int:
    """Fill in and send the login form; returns the status of the answer to the POST."""
    page.goto(live_app.url + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Log in").click()
    return answer.value.status


def log_in(page: Page, live_app: LiveApp, password: str = GOOD_PASSWORD) -> None:
    submit_login(page, live_app, password)
    page.wait_for_url(live_app.url + "/")
    expect_logged_in(page)


def session_rows(page: Page) -> Locator:
    return page.locator("table.sessions tbody tr")


def open_sessions_page(page: Page, live_app: LiveApp) -> None:
    """From the header's account link to "Your sessions"."""
    header(page).get_by_role("link", name=EMAIL).click()
    page.wait_for_url(live_app.url + "/account")
    page.get_by_role("link", name="Your sessions").click()
    page.wait_for_url(live_app.url + "/account/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sessions")


def test_end_another_session_then_all_others(open_device: OpenDevice, live_app: LiveApp) -> None:
    """On the sessions page, "End" logs the other device out at its next page and "End all
    other sessions" logs out every device but this one, which stays logged in."""
    create_user(live_app.app, EMAIL)
    laptop, phone = open_device("laptop"), open_device("phone")
    log_in(laptop.page, live_app)
    log_in(phone.page, live_app)

    open_sessions_page(laptop.page, live_app)
    rows = session_rows(laptop.page)
    expect(rows).to_have_count(2)
    current = rows.filter(has=laptop.page.locator(".current-session"))
    expect(current).to_have_count(1)
    expect(current).to_contain_text("E2E-laptop")
    expect(current.get_by_role("button", name="End")).to_have_count(0)
    other = rows.filter(has_text="E2E-phone")
    expect(other.locator(".current-session")).to_have_count(0)
    other.get_by_role("button", name="End", exact=True).click()
    expect(laptop.page.get_by_role("status")).to_have_text("That session has ended.")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("E2E-laptop")
    expect(laptop.page.get_by_role("button", name="End all other sessions")).to_have_count(0)

    expect_sent_to_login(phone.page, live_app, "/account/sessions")
    laptop.page.goto(live_app.url + "/account/sessions")
    expect_logged_in(laptop.page)

    tablet = open_device("tablet")
    log_in(tablet.page, live_app)
    log_in(phone.page, live_app)
    laptop.page.reload()
    expect(rows).to_have_count(3)
    laptop.page.get_by_role("button", name="End all other sessions").click()
    expect(laptop.page.get_by_role("status")).to_have_text("2 other session(s) ended.")
    expect(rows).to_have_count(1)
    expect(rows.locator(".current-session")).to_have_text("This session")

    expect_sent_to_login(tablet.page, live_app, "/notes")
    expect_sent_to_login(phone.page, live_app, "/notes")
    laptop.page.goto(live_app.url + "/notes")
    assert laptop.page.url == live_app.url + "/notes"
    expect_logged_in(laptop.page)
    for device in (laptop, phone, tablet):
        assert_quiet(device.watch)


def test_register_and_confirm_the_address(
    page: Page, watch: PageWatch, mailing_app: MailingApp
) -> None:
    """With confirmation on, registering says to check the mail; the mailed link's button
    confirms the address, and only then does the password log in."""
    page.goto(mailing_app.url + "/")
    header(page).get_by_role("link", name="Register").click()
    page.wait_for_url(mailing_app.url + "/register")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Repeat the password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text(EMAIL)
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()

    link = mailing_app.mailbox.link_to(EMAIL)
    assert link.startswith(mailing_app.url + "/confirm-email/")
    assert submit_login(page, mailing_app) == 400
    expect(page.locator("main")).to_contain_text("Confirm your email address first")
    assert page.url == mailing_app.url + "/login"

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    page.get_by_role("button", name=f"Confirm {EMAIL}").click()
    page.wait_for_url(mailing_app.url + "/login")
    expect(page.get_by_role("status")).to_have_text(f"Your email address {EMAIL} is confirmed.")
    log_in(page, mailing_app)
    assert_quiet(watch, refused_pages=1)


def test_forgotten_password_reset_by_mailed_link(
    page: Page, watch: PageWatch, open_device: OpenDevice, mailing_app: MailingApp
) -> None:
    """The login page's "Forgot your password?" mails a link that sets a new password and
    logs out every device; the old password stops working, and the link works only once."""
    create_user(mailing_app.app, EMAIL)
    phone = open_device("phone")
    log_in(phone.page, mailing_app)

    page.goto(mailing_app.url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(mailing_app.url + "/reset")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    link = mailing_app.mailbox.link_to(EMAIL)
    assert link.startswith(mailing_app.url + "/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url(mailing_app.url + "/login")
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")

    expect_sent_to_login(phone.page, mailing_app, "/notes")
    assert submit_login(page, mailing_app, GOOD_PASSWORD) == 400
    expect(page.locator("main")).to_contain_text("Invalid email or password.")
    assert page.url == mailing_app.url + "/login"
    log_in(page, mailing_app, NEW_PASSWORD)

    refused = page.goto(link)
    assert refused is not None
    assert refused.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    assert_quiet(watch, refused_pages=2)
    assert_quiet(phone.watch)
