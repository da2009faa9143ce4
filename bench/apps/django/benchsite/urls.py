from django.http import HttpResponse, JsonResponse
from django.urls import path


def hello_world(request):
    return HttpResponse("Hello, World!", content_type="text/plain; charset=utf-8")


def hello(request, name):
    return JsonResponse({"hello": name, "framework": "django"})


urlpatterns = [path("", hello_world), path("api/hello/<slug:name>/", hello)]
