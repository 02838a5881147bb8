"""/healthz: is the app up and can it reach its database (and broker and rate-limit cache, when set)?"""

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from catalogue.models import WorkerHeartbeat


@never_cache
def healthz(request):
    checks = {}
    info = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash: this is the page that says what is wrong
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["tasks"] = "eager"
    else:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1).ping()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {exc.__class__.__name__}"
        if checks["database"] == "ok":
            last = WorkerHeartbeat.objects.order_by("-seen_at").first()
            info["last_worker_heartbeat"] = last.seen_at.isoformat() if last else None
    throttle_cache = caches["throttle"]
    if isinstance(throttle_cache, RedisCache):
        # Rate limits let requests through when they cannot count them (no 500s), so an
        # unreachable or misconfigured throttle cache shows here rather than nowhere.
        try:
            throttle_cache.get("healthz")
            checks["rate_limits"] = "ok"
        except Exception as exc:
            checks["rate_limits"] = f"error: {exc.__class__.__name__}"
    healthy = all(value in ("ok", "eager") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks, **info}, status=200 if healthy else 503
    )
