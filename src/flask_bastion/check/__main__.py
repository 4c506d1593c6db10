"""``python -m flask_bastion.check PATH``: the source audit without importing an app."""

from __future__ import annotations

from flask_bastion.check.command import main

main(prog_name="python -m flask_bastion.check")
