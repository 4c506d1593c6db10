"""Attacks on address ownership: unconfirmed accounts, registration probing, email takeover.

Confirmation is on (its default whenever mail is on); mail goes through a real SMTP server on
loopback and each test follows the links from the messages that server received.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from flask_bastion import state_for
from flask_bastion.auth.forms import INVALID_CREDENTIALS
from flask_bastion.recovery.confirmation import CONFIRM_FIRST
from flask_bastion.recovery.tokens import CONFIRM_SALT, RESET_SALT
from flask_bastion.signals import security_event
from tests.support.accounts import GOOD_PASSWORD, create_user, login, register
from tests.support.client import form_token
from tests.support.mailbox import Mailbox, links_in

EMAIL = "ada@example.org"
OTHER = "grace@example.org"
NEW_EMAIL = "ada@new.example.org"
EXTERNAL_URL = "https://notes.example.org"
WRONG_PASSWORD = "not-the-right-password-at-all"


@pytest.fixture
def mail_app(app_factory: Any, smtp_server: Mailbox) -> Flask:
    """The reference app with mail on (so confirmation is on), through the loopback server."""
    app: Flask = app_factory(BASTION_EXTERNAL_URL=EXTERNAL_URL, **smtp_server.settings)
    return app


def confirm_path(mailbox: Mailbox, email: str) -> str:
    """The path of the confirmation link in the newest mail to ``email``."""
    link = mailbox.link_to(email)
    assert link.startswith(EXTERNAL_URL + "/confirm-email/"), link
    return link.removeprefix(EXTERNAL_URL)


def follow(client: Any, path: str) -> Any:
    """Open a confirmation link and press its button."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"csrf_token": form_token(client, path)})


def can_log_in(app: Flask, email: str, password: str = GOOD_PASSWORD) -> bool:
    return bool(login(app.test_client(), email, password).status_code == 302)


def stored_email(app: Flask, user_id: int) -> str:
    with app.app_context():
        return str(state_for(app).users.get(user_id).email)  # type: ignore[union-attr]


def user_count(app: Flask) -> int:
    with app.app_context():
        return len(state_for(app).users.list_users())  # type: ignore[union-attr]


def without_token(body: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:value|content)=")[^"]+', r"\1-", body)


def fresh_browser(app: Flask, email: str = EMAIL) -> Any:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def ask_email_change(client: Any, new_email: str) -> Any:
    token = form_token(client, "/account/email")
    return client.post("/account/email", data={"email": new_email, "csrf_token": token})


def move_clock(app: Flask, by: timedelta) -> None:
    manager = state_for(app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + by


def test_unconfirmed_account_cannot_log_in(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A new account is not logged in, and its right password is told to confirm first."""
    client = mail_app.test_client()
    response = register(client, EMAIL)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert client.get("/notes").status_code == 302
    refused = login(client, EMAIL)
    assert refused.status_code == 400
    assert CONFIRM_FIRST in html.unescape(refused.get_data(as_text=True))
    assert client.get("/notes").status_code == 302
    assert len(smtp_server.to(EMAIL)) == 2  # the link at registration, a new one at login


def test_wrong_password_of_unconfirmed_account_gets_the_generic_refusal(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """Without the password, an unconfirmed account looks like any failed login."""
    register(mail_app.test_client(), EMAIL)
    response = login(mail_app.test_client(), EMAIL, WRONG_PASSWORD)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert INVALID_CREDENTIALS in page
    assert CONFIRM_FIRST not in page
    assert len(smtp_server.to(EMAIL)) == 1


def test_confirmation_link_opens_the_account(mail_app: Flask, smtp_server: Mailbox) -> None:
    """After the mailed link is followed, the account logs in."""
    register(mail_app.test_client(), EMAIL)
    assert follow(mail_app.test_client(), confirm_path(smtp_server, EMAIL)).status_code == 302
    assert can_log_in(mail_app, EMAIL)


def test_opening_the_link_without_the_button_confirms_nothing(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """A GET (a mail scanner fetching every link) shows the button and changes nothing."""
    register(mail_app.test_client(), EMAIL)
    assert mail_app.test_client().get(confirm_path(smtp_server, EMAIL)).status_code == 200
    assert not can_log_in(mail_app, EMAIL)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(EMAIL, id="same"),
        pytest.param("Ada@Example.ORG", id="mixed-case"),
    ],
)
def test_registering_a_taken_address_answers_like_a_new_one(
    mail_app: Flask, smtp_server: Mailbox, variant: str
) -> None:
    """A taken address gets the same page as a new one; its owner gets a mail, not a link."""
    create_user(mail_app, EMAIL)
    new = register(mail_app.test_client(), OTHER)
    taken = register(mail_app.test_client(), variant)
    assert new.status_code == taken.status_code == 200
    new_page = without_token(new.get_data(as_text=True)).replace(OTHER, "X")
    taken_page = without_token(taken.get_data(as_text=True)).replace(EMAIL, "X")
    assert new_page == taken_page
    notice = smtp_server.last_to(EMAIL)
    assert notice["Subject"] == "Someone tried to register with your email address"
    assert not [link for link in links_in(notice) if "/confirm-email/" in link]
    assert user_count(mail_app) == 2
    assert can_log_in(mail_app, EMAIL)


def test_registering_a_taken_address_does_not_replace_its_password(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """A second registration of an unconfirmed address cannot plant the attacker's password."""
    register(mail_app.test_client(), EMAIL)  # the owner, not yet confirmed
    attacker_password = "attacker-chosen-password-91-x"
    register(mail_app.test_client(), EMAIL, attacker_password)
    first_link = smtp_server.to(EMAIL)[0]
    path = next(link for link in links_in(first_link) if "/confirm-email/" in link)
    follow(mail_app.test_client(), path.removeprefix(EXTERNAL_URL))
    assert can_log_in(mail_app, EMAIL)
    assert not can_log_in(mail_app, EMAIL, attacker_password)


def test_reset_confirms_an_unconfirmed_account(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A password reset proves the mailbox too, so an owner whose address was squatted (or
    who lost the first link) gets in with their own password."""
    register(mail_app.test_client(), EMAIL, "squatter-chosen-password-44-q")
    client = mail_app.test_client()
    client.post("/reset", data={"email": EMAIL, "csrf_token": form_token(client, "/reset")})
    path = smtp_server.link_to(EMAIL).removeprefix(EXTERNAL_URL)
    token = form_token(client, path)
    data = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": token}
    assert client.post(path, data=data).status_code == 302
    assert can_log_in(mail_app, EMAIL)


def _forged(app: Flask, user_id: int, kind: str) -> str:
    """A confirmation token for ``user_id`` and an address its owner never received a link for."""
    claim = [user_id, EMAIL, EMAIL]
    if kind == "other-key":
        return URLSafeTimedSerializer("k" * 64, salt=CONFIRM_SALT).dumps(claim)
    if kind == "reset-salt":
        return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=RESET_SALT).dumps(claim)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["other-key", "reset-salt"])
def test_forged_confirmation_link_is_refused(
    mail_app: Flask, smtp_server: Mailbox, kind: str
) -> None:
    """A token not signed by this app for confirmation confirms nothing."""
    register(mail_app.test_client(), EMAIL)
    with mail_app.app_context():
        user_id = state_for(mail_app).users.find_by_email(EMAIL).id  # type: ignore[union-attr]
    path = f"/confirm-email/{_forged(mail_app, user_id, kind)}"
    assert follow(mail_app.test_client(), path).status_code == 400
    assert not can_log_in(mail_app, EMAIL)


def test_link_for_another_address_confirms_only_that_one(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """Mallory's own confirmation link confirms her account, never the victim's."""
    register(mail_app.test_client(), EMAIL)
    register(mail_app.test_client(), OTHER)
    assert follow(mail_app.test_client(), confirm_path(smtp_server, OTHER)).status_code == 302
    assert can_log_in(mail_app, OTHER)
    assert not can_log_in(mail_app, EMAIL)


def test_confirmation_link_expires(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A link older than BASTION_CONFIRM_TOKEN_MAX_AGE (24 hours) is refused."""
    register(mail_app.test_client(), EMAIL)
    move_clock(mail_app, timedelta(hours=25))
    assert follow(mail_app.test_client(), confirm_path(smtp_server, EMAIL)).status_code == 400


def test_email_change_needs_a_fresh_login(mail_app: Flask, smtp_server: Mailbox) -> None:
    """Past the fresh-login window, the change form asks for the password and mails nothing."""
    user_id = create_user(mail_app, EMAIL)
    client = fresh_browser(mail_app)
    token = form_token(client, "/account")
    move_clock(mail_app, timedelta(minutes=11))
    for response in (
        client.get("/account/email"),
        client.post("/account/email", data={"email": NEW_EMAIL, "csrf_token": token}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/confirm")
    assert smtp_server.messages == []
    assert stored_email(mail_app, user_id) == EMAIL


def test_email_change_mails_a_link_to_the_new_address_and_a_notice_to_the_old(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """The new address gets the link; the old one a notice naming it; nothing changes yet."""
    user_id = create_user(mail_app, EMAIL)
    assert ask_email_change(fresh_browser(mail_app), NEW_EMAIL).status_code == 302
    confirm_path(smtp_server, NEW_EMAIL)
    notice = smtp_server.last_to(EMAIL)
    assert NEW_EMAIL in notice.get_content()
    assert not [link for link in links_in(notice) if "/confirm-email/" in link]
    assert stored_email(mail_app, user_id) == EMAIL
    assert can_log_in(mail_app, EMAIL)


def test_email_changes_only_when_the_new_address_confirms(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """Following the link moves the account to the new address."""
    user_id = create_user(mail_app, EMAIL)
    ask_email_change(fresh_browser(mail_app), NEW_EMAIL)
    assert follow(mail_app.test_client(), confirm_path(smtp_server, NEW_EMAIL)).status_code == 302
    assert stored_email(mail_app, user_id) == NEW_EMAIL
    assert can_log_in(mail_app, NEW_EMAIL)
    assert not can_log_in(mail_app, EMAIL)


def test_change_to_a_taken_address_answers_the_same_and_changes_nothing(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """Asking for another account's address looks like success; that owner gets a note only."""
    user_id = create_user(mail_app, EMAIL)
    create_user(mail_app, OTHER)
    client = fresh_browser(mail_app)
    free = ask_email_change(client, NEW_EMAIL)
    taken = ask_email_change(client, OTHER)
    assert free.status_code == taken.status_code == 302
    assert free.headers["Location"] == taken.headers["Location"]
    assert not [link for link in links_in(smtp_server.last_to(OTHER)) if "confirm-email" in link]
    assert stored_email(mail_app, user_id) == EMAIL


def test_an_older_change_link_dies_after_the_address_changed(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """Of two change links, the first followed wins; the other then changes nothing."""
    user_id = create_user(mail_app, EMAIL)
    client = fresh_browser(mail_app)
    ask_email_change(client, NEW_EMAIL)
    ask_email_change(client, "ada@third.example.org")
    older = confirm_path(smtp_server, NEW_EMAIL)
    newer = confirm_path(smtp_server, "ada@third.example.org")
    assert follow(mail_app.test_client(), newer).status_code == 302
    assert follow(mail_app.test_client(), older).status_code == 400
    assert stored_email(mail_app, user_id) == "ada@third.example.org"


def test_change_link_cannot_take_an_address_registered_meanwhile(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """If another account took the new address before the link is followed, nothing changes."""
    user_id = create_user(mail_app, EMAIL)
    ask_email_change(fresh_browser(mail_app), NEW_EMAIL)
    create_user(mail_app, NEW_EMAIL)
    follow(mail_app.test_client(), confirm_path(smtp_server, NEW_EMAIL))
    assert stored_email(mail_app, user_id) == EMAIL


def test_confirmation_and_change_are_recorded(mail_app: Flask, smtp_server: Mailbox) -> None:
    """The audit log gets the confirmation of a new account and the later address change."""
    recorded: list[Any] = []

    def keep(sender: Flask, event: Any, **extra: Any) -> None:
        recorded.append(event)

    with security_event.connected_to(keep, mail_app):
        register(mail_app.test_client(), EMAIL)
        follow(mail_app.test_client(), confirm_path(smtp_server, EMAIL))
        ask_email_change(fresh_browser(mail_app), NEW_EMAIL)
        follow(mail_app.test_client(), confirm_path(smtp_server, NEW_EMAIL))
    names = [e.event for e in recorded if e.event.startswith("email.")]
    assert names == ["email.confirmed", "email.changed"]
    (changed,) = [e for e in recorded if e.event == "email.changed"]
    assert changed.details == {"old_email": EMAIL, "new_email": NEW_EMAIL}
