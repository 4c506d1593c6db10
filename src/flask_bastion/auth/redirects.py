"""The post-login ``next`` target: accepted only as a path on this same site.

Without this check a phishing link such as ``/login?next=https://evil.example`` sends a user
who has just typed their password on the real site to a look-alike one. Browsers also read
``//evil.example``, ``/\\evil.example`` and paths with tabs or newlines as other hosts, so
anything but a plain absolute path is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None, fallback: str) -> str:
    """``target`` if it is a same-site absolute path, otherwise ``fallback``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
