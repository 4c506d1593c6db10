"""Signed values (the session cookie, CSRF tokens) with signers built once, not on every use.

Flask and Flask-WTF build a new itsdangerous serializer each time they sign or check a value:
every build serialises a test value to learn the payload type, and every signature derives its
HMAC key from the secret key again. Here the serializer of a (keys, salt) pair is built once
per process and keeps its signer and derived keys, so a request pays for its HMACs only.
The output is byte for byte what Flask and Flask-WTF produce and accept.

Payloads are never compressed. Compressing a small JSON value saves nothing yet costs a zlib
run per signature, and compressing secrets together with values a visitor chooses is how the
CRIME and BREACH attacks read secrets out of compressed sizes. Values compressed elsewhere
(``.``-prefixed) are still read.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, TypedDict

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer
from itsdangerous.signer import HMACAlgorithm

if TYPE_CHECKING:
    from flask import Flask, Response
    from flask.sessions import SessionMixin
    from itsdangerous import Signer

Keys = tuple[str | bytes, ...]


class OneShotHMAC(HMACAlgorithm):
    """itsdangerous's HMAC, computed by OpenSSL in one call.

    itsdangerous hands ``hmac.new`` a Python function as the digest, which sends it down the
    standard library's pure-Python HMAC; hashlib's own constructor of the same digest takes
    the C path. Same MAC.
    """

    def __init__(self, digest_method: Any) -> None:
        super().__init__(digest_method)
        self.digest_constructor: Any = getattr(hashlib, digest_method().name)

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        """The HMAC of ``value`` under ``key``."""
        return hmac.digest(key, value, self.digest_constructor)


class ReusableSigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each secret key's HMAC key once and
    computing its HMACs with :class:`OneShotHMAC`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.algorithm = OneShotHMAC(self.digest_method)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The key for ``secret_key`` (the newest one by default), derived on first use."""
        key = self.secret_keys[-1] if secret_key is None else secret_key
        key = key.encode() if isinstance(key, str) else key
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(key)
        return derived


class ReusableSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer, reused across requests and threads: one
    signer per salt, payloads not compressed (see the module's docstring)."""

    default_signer = ReusableSigner

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[bytes | None, Signer] = {}

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        """The signer for ``salt`` (the serializer's own by default), built on first use."""
        key = self.salt if salt is None else salt
        key = key.encode() if isinstance(key, str) else key
        signer = self._signers.get(key)
        if signer is None:
            signer = self._signers[key] = super().make_signer(key)
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        """The object serialised and base64-encoded, never compressed."""
        return base64_encode(Serializer.dump_payload(self, obj))


#: The serializers built so far, by their arguments (at most a few per app).
_serializers: dict[tuple[Keys, str, Any, tuple[tuple[str, Any], ...]], ReusableSerializer] = {}


def serializer_for(
    keys: Keys, salt: str, serializer: Any = None, **signer_kwargs: Any
) -> ReusableSerializer:
    """The serializer signing with ``keys`` (oldest first, the last one signs) and ``salt``.

    Built once per distinct arguments: a rotated secret key gets a new serializer.
    """
    cache_key = (keys, salt, serializer, tuple(sorted(signer_kwargs.items())))
    found = _serializers.get(cache_key)
    if found is None:
        built = ReusableSerializer(
            list(keys), salt=salt, serializer=serializer, signer_kwargs=signer_kwargs
        )
        found = _serializers.setdefault(cache_key, built)  # a racing thread's one is as good
    return found


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with a reused serializer and a shorter save: the same
    cookies, headers and checks as Flask's own."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current keys, built once per set of keys."""
        if not app.secret_key:
            return None
        keys: Keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        return serializer_for(
            keys,
            self.salt,
            self.serializer,
            key_derivation=self.key_derivation,
            digest_method=self.digest_method,
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the cookie, and send ``Vary: Cookie``, when Flask would.

        The answer is Flask's own; the steps are fewer: ``Vary`` is parsed only when the
        answer already has one, once, and the cookie's settings are read only when the cookie
        is set or deleted.
        """
        store = bool(session) and self.should_set_cookie(app, session)
        delete = not session and session.modified
        if session.accessed or store or delete:
            _vary_on_cookie(response)
        if not (store or delete):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:  # no SECRET_KEY: Flask opened a null session, never saved
            return
        name = self.get_cookie_name(app)
        settings = _CookieSettings(
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
        )
        if delete:
            response.delete_cookie(name, **settings)
        else:
            value = serializer.dumps(dict(session))
            expires = self.get_expiration_time(app, session)
            response.set_cookie(name, value, expires=expires, **settings)


class _CookieSettings(TypedDict):
    """The attributes of the session cookie, from the app's ``SESSION_COOKIE_*`` settings."""

    domain: str | None
    path: str
    secure: bool
    partitioned: bool
    samesite: str | None
    httponly: bool


def _vary_on_cookie(response: Response) -> None:
    """Add ``Cookie`` to the answer's ``Vary`` header."""
    if "Vary" in response.headers:
        response.vary.add("Cookie")
    else:
        response.headers["Vary"] = "Cookie"


def init_signing(app: Flask) -> None:
    """Use the reusable serializer for the session cookie, unless the app chose its own
    session interface (which is then left alone)."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = CookieSessionInterface()
