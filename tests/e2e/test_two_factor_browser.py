"""A real Chromium turns two-factor on from the QR page, logs out, and logs in with a code."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveApp, PageWatch
from tests.support.accounts import GOOD_PASSWORD, create_user

pytestmark = pytest.mark.e2e

EMAIL = "grace@example.org"


def password_step(page: Page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_two_factor_journey(page: Page, watch: PageWatch, live_app: LiveApp) -> None:
    """Enrolment shows a QR image and ten recovery codes under the strict CSP; afterwards the
    password leads to the code page, and the app's next code logs the user in."""
    create_user(live_app.app, EMAIL)
    password_step(page, live_app)
    page.wait_for_url(live_app.url + "/")
    page.goto(live_app.url + "/account/two-factor")
    qr = page.locator("img.qr-code")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_app.url + "/")
    password_step(page, live_app)
    page.wait_for_url(live_app.url + "/login/two-factor")
    page.goto(live_app.url + "/notes")
    page.wait_for_url(re.compile(re.escape(live_app.url) + r"/login\?next="))

    password_step(page, live_app)
    page.wait_for_url(live_app.url + "/login/two-factor")
    # The enrolment used this 30-second step's code; the next step's is accepted (one step
    # of clock skew) and has never been used.
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_app.url + "/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    assert watch.csp_violations == []
    assert watch.console_errors == []
    assert watch.page_errors == []
