"""Named system actors: who a write is recorded as when no person makes it.

Every service takes the acting user. The demo loader, harvests and other machine writers
act as a system actor instead: a user row that cannot sign in (inactive, no usable
password), named after the job, so the history says "provcat-demo changed this" rather
than nobody. System actors are site administrators for the access rule: the job that runs
as one was started by someone allowed to start it (a command on the server, an admin).
"""

from django.contrib.auth import get_user_model

SYSTEM_PREFIX = "provcat-"


def system_actor(name: str):
    """The system actor called ``provcat-<name>`` (created on first use)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=f"{SYSTEM_PREFIX}{name}",
        defaults={"is_active": False, "is_superuser": True, "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_actor(user) -> bool:
    return bool(user is not None and getattr(user, "username", "").startswith(SYSTEM_PREFIX) and not user.is_active)
