import hashlib
import json
import os

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token

# Proxies whose X-Forwarded-For Django may believe (the tsgi-webserver proxy on loopback).
TRUSTED_PROXIES = {"127.0.0.1", "::1"}


def home(request):
    return HttpResponse("<h1>Hello from Django</h1><p>path=%s</p>" % request.get_full_path())


def form(request):
    if request.method == "POST":
        name = request.POST.get("name", "")
        return HttpResponse("Thanks, %s (%d chars)" % (name, len(name)))
    token = get_token(request)
    return HttpResponse(
        '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="%s">'
        '<input name="name"></form>' % token
    )


def upload(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    f = request.FILES["file"]
    h = hashlib.sha256()
    for chunk in f.chunks():
        h.update(chunk)
    return JsonResponse({"name": f.name, "size": f.size, "sha256": h.hexdigest(), "note": request.POST.get("note", "")})


def whoami(request):
    remote = request.META.get("REMOTE_ADDR", "")
    xff = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # The client is the right-most address not added by a trusted proxy.
    client = remote
    if remote in TRUSTED_PROXIES and xff:
        for hop in reversed([h.strip() for h in xff.split(",")]):
            client = hop
            if hop not in TRUSTED_PROXIES:
                break
    return HttpResponse(
        json.dumps(
            {
                "remote_addr": remote,
                "x_forwarded_for": xff,
                "client": client,
                "host": request.get_host(),
                "secure": request.is_secure(),
                "request_id": request.META.get("HTTP_X_REQUEST_ID", ""),
                "instance": os.environ.get("TSGI_TEST_INSTANCE", ""),
            }
        ),
        content_type="application/json",
    )


def instance(request):
    """Which Gunicorn answered (the interop tests start two, for the balancing checks)."""
    return HttpResponse(os.environ.get("TSGI_TEST_INSTANCE", ""), content_type="text/plain")
