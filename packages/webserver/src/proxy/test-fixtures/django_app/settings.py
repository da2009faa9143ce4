"""A small Django project served by Gunicorn behind tsgi-webserver's proxy in the proxy's tests."""
SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "django_app.urls"
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
DATABASES = {}
USE_TZ = True
# The proxy in front sets X-Forwarded-Host and X-Forwarded-Proto; trust them as Django documents.
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Uploads over 64 KiB go to a temp file (Django's default is 2.5 MiB): exercise that path too.
FILE_UPLOAD_MAX_MEMORY_SIZE = 65536
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
