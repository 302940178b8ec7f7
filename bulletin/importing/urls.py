from django.urls import path

from . import views

app_name = "importing"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("confirm/", views.confirm, name="confirm"),
    path("done/<int:pk>/", views.done, name="done"),
]
