"""What the models of correspondence share."""

from __future__ import annotations

import importlib


def transition_policy(name: str, *, module: str = "permissions"):
    """A django-fsm `permission=` callable that asks the policy function `name` of
    `correspondence.<module>` (`permissions`, or a policy module kept beside it)."""

    def check(instance, user) -> bool:
        # Imported at call time: the policy module imports these models (models → permissions
        # → models).
        policy = importlib.import_module(f"correspondence.{module}")
        return getattr(policy, name)(user, instance)

    check.__name__ = name
    return check
