from django.http import JsonResponse
from django.urls import path


def hello(request, name):
    return JsonResponse({"hello": name, "framework": "django"})


urlpatterns = [path("api/hello/<slug:name>/", hello)]
