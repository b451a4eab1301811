"""Strings Django itself renders on our pages that its own Indonesian catalogue lacks.

Django 6.1's blank choice of every select ("- Select an option -", `BLANK_CHOICE_LABEL`, lazy)
has no Indonesian in Django's catalogue yet; naming the msgid here makes `makemessages` put it
into ours, whose translation Django then uses (the project's catalogue comes first).
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (gettext_noop("- Select an option -"),)
