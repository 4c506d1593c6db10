"""The account page: where a user reaches every setting of their own security."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, render_template

from flask_bastion.authz import login_required

if TYPE_CHECKING:
    from flask_bastion.account import Accounts


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``GET /account``."""

    @bp.get("")
    @login_required
    def overview() -> str:
        return render_template("bastion/account/overview.html")
