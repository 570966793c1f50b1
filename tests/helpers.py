"""Helpers shared by the tests: the bank's building blocks and rights given to personas.

Everything here writes as accounts.actors.SYSTEM: a test's set-up is an operator's doing, and
the tests of who may do what call the services with personas themselves.
"""

from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.actors import SYSTEM
from accounts.models import Position, User


def make_unit(code, name, kind, parent=None, **extra):
    return services.unit_create(code=code, name=name, kind=kind, parent=parent, actor=SYSTEM, **extra)


def make_person(employee_no, name, unit, position=Position.OTHER, **extra):
    services.employees_save(
        [services.EmployeeData(employee_no=employee_no, name=name, unit=unit, position=position, **extra)],
        actor=SYSTEM,
    )
    return User.objects.get(username=employee_no)


def grant(user, *perms):
    """Give `user` the permissions `perms` ("app_label.codename"); answers a fresh object
    (Django caches permissions per instance)."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return type(user).objects.get(pk=user.pk)


def make_staff(user, *app_labels):
    """An administrator of the admin panel with every permission of `app_labels`' models."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=app_labels))
    return type(user).objects.get(pk=user.pk)


def api_as(user):
    """An API client authenticated as `user` with their token, as scripts call the API."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client
