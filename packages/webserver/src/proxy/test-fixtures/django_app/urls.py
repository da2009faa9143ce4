from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("form/", views.form),
    path("upload/", views.upload),
    path("whoami/", views.whoami),
    path("instance/", views.instance),
]
