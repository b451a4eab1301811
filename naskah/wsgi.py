import os

from django.core.wsgi import get_wsgi_application

from core.runtime import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings")
application = get_wsgi_application()
settle()
