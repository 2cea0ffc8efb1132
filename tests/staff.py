"""Staff users in the roles of compliance/roles.py, for the tests of issue 12."""

from django.apps import apps
from django.contrib.auth.models import Group, User

from compliance.roles import roles_sync

PASSWORD = "a-long-staff-password"


def staff_in(role: str | None, username: str | None = None) -> User:
    """An active staff user holding exactly the role's group (None: no role at all)."""
    user = User.objects.create_user(
        username=username or f"{(role or 'norole').lower()}-user", password=PASSWORD, is_staff=True
    )
    if role is not None:
        if not Group.objects.filter(name=role).exists():
            roles_sync(apps=apps)  # a transactional test's flush emptied the groups migrate made
        user.groups.add(Group.objects.get(name=role))
    return user
