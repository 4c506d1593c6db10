"""The per-token rate limit: ``BASTION_TOKEN_RATE_LIMIT`` requests per token, from any IP.

The per-IP default limit does not stop a leaked token used from many machines at once; this one
counts by token. It is kept in the extension's Flask-Limiter storage (``RATELIMIT_STORAGE_URI``),
so every worker and host shares one count, exactly like the other limits.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Final

from flask_limiter import Limiter
from limits import RateLimitItem, parse_many

from flask_bastion.exceptions import ConfigurationError
from flask_bastion.tokens.errors import TokenRateLimited

security_log = logging.getLogger("flask_bastion.security")

#: The limiter scope of the per-token counters, beside Flask-Limiter's own.
SCOPE: Final = "bastion-access-token"


class TokenRateLimit:
    """Counts the requests of each token; raises :class:`TokenRateLimited` past the limit."""

    def __init__(self, limiter: Limiter, limit: str, key_prefix: str = "") -> None:
        try:
            self.items: list[RateLimitItem] = parse_many(limit)
        except ValueError:
            raise ConfigurationError(
                f"BASTION_TOKEN_RATE_LIMIT is {limit!r}; set it to a rate limit such as "
                "'600 per minute' (several are joined with ';')."
            ) from None
        self.limiter = limiter
        self.prefix = (key_prefix,) if key_prefix else ()

    def hit(self, token_id: int) -> None:
        """Count one request of ``token_id``, or refuse it with the seconds to wait."""
        identifiers = (*self.prefix, SCOPE, str(token_id))
        for item in self.items:
            if not self.limiter.limiter.hit(item, *identifiers):
                reset_at = self.limiter.limiter.get_window_stats(item, *identifiers).reset_time
                security_log.info("Access token %s is over its rate limit (%s).", token_id, item)
                raise TokenRateLimited(retry_after=max(1, math.ceil(reset_at - time.time())))
