"""What the models of correspondence share."""

from __future__ import annotations


def transition_policy(name: str):
    """A django-fsm `permission=` callable that asks the policy function `name` of
    `correspondence.permissions`."""

    def check(instance, user) -> bool:
        # Imported at call time: the policy module imports these models (models → permissions
        # → models).
        from .. import permissions

        return getattr(permissions, name)(user, instance)

    check.__name__ = name
    return check
