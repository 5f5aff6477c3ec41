from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

admin.autodiscover()  # not at start-up: see trial.apps.AdminConfig

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Before Django's own pages so that password changes reach the access log.
    path("accounts/password_change/", views.password_change, name="password_change"),
    path("admin/password_change/", views.password_change),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("ecrf.urls")),
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "ecrf/favicon.svg")),
]
