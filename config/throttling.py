"""Who a request comes from, and how often it may come: the client address that login
lockouts (django-axes) and rate limits count, and the rate limits themselves.

Every limit counts in the ``throttle`` cache, which is Redis whenever Provcat runs with more
than one process (config/settings.py), so N web processes allow the configured rate, not N
times it. The REST API uses the DRF throttles below through REST_FRAMEWORK settings (a DRF view with
a ``throttle_scope``, such as OpenLineage ingestion, gets that scope's rate too); plain
Django views (the CKAN action API, /catalog) take the ``rate_limited`` decorator.
"""

from __future__ import annotations

import functools
import logging
import math

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from config.errors import API_PREFIXES, CKAN_PREFIXES

logger = logging.getLogger(__name__)

THROTTLE_CACHE_ALIAS = "throttle"

shared_cache = ConnectionProxy(caches, THROTTLE_CACHE_ALIAS)


def client_address(request: HttpRequest) -> str:
    """The address of the client as the nearest trusted proxy saw it.

    With PROVCAT_PROXY_COUNT proxies in front, each appending to X-Forwarded-For, the client
    is that many entries from the right; anything further left was written by the client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROVCAT_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not count or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(count, len(hops))] if hops else remote


class SharedRateMixin:
    """A limit counted in the shared cache, in fixed windows of the rate's period.

    DRF's own throttles read a list of timestamps, then write it back: two processes serving
    the same client at once each count one request. Here each window is one counter that the
    cache increments atomically (INCR on Redis), so every process sees every request; the
    price is that a client may spend one window's allowance at its end and the next at the
    start of the following one.
    """

    cache = shared_cache

    def get_rate(self):
        # DRF copies the rates into a class attribute at import; read them per request so a
        # changed setting (and the test settings) take effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        self.retry_after = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        counter = f"{key}:{window}"
        try:
            self.cache.add(counter, 0, timeout=self.duration + 1)
            try:
                count = self.cache.incr(counter)
            except ValueError:  # the counter expired between add and incr
                self.cache.add(counter, 1, timeout=self.duration + 1)
                count = 1
        except (RedisError, OSError) as exc:
            # A limit that cannot be counted lets the request through: Redis being away must
            # not turn every API and catalogue request into a 500.
            logger.warning("rate limit %s not counted, the throttle cache is unavailable: %s", self.scope, exc)
            return True
        if count <= self.num_requests:
            return True
        self.retry_after = (window + 1) * self.duration - now
        return False

    def wait(self):
        return self.retry_after


class AnonRateThrottle(SharedRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SharedRateMixin, throttling.UserRateThrottle):
    pass


class ScopeRateThrottle(SharedRateMixin, throttling.SimpleRateThrottle):
    """The rate of one scope (given here, or as the DRF view's ``throttle_scope``), counted
    per signed-in user or else per client address; views without a scope are not limited."""

    def __init__(self, scope: str | None = None):
        # The scope may come from the view, so the rate is read in allow_request, as DRF's
        # ScopedRateThrottle does.
        self.scope = scope

    def allow_request(self, request, view):
        self.scope = self.scope or getattr(view, "throttle_scope", None)
        self.rate = self.get_rate() if self.scope else None
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def too_many_requests(request: HttpRequest, wait: float | None) -> HttpResponse:
    retry_after = str(max(1, math.ceil(wait or 1)))
    message = f"Request was throttled. Expected available in {retry_after} seconds."
    if request.path.startswith(CKAN_PREFIXES):
        response = JsonResponse({"success": False, "error": {"__type": "Throttled", "message": message}}, status=429)
    elif request.path.startswith(API_PREFIXES):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message + "\n", status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = retry_after
    return response


def rate_limited(scope: str):
    """Limit a plain Django view to the rate configured for ``scope``; over it, 429 with
    Retry-After (JSON under /api/)."""

    def decorate(view):
        @functools.wraps(view)
        def limited(request: HttpRequest, *args, **kwargs):
            throttle = ScopeRateThrottle(scope)
            if not throttle.allow_request(request, view):
                return too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return limited

    return decorate
