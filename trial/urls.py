from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

reset = views.password_reset_views
admin.autodiscover()  # not at start-up: see trial.apps.AdminConfig

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Before Django's own pages: logins are counted against brute force (trial.lockout), and
    # password changes reach the access log.
    path("accounts/login/", views.login, name="login"),
    path("accounts/password_change/", views.password_change, name="password_change"),
    path("admin/password_change/", views.password_change),
    path("admin/login/", views.admin_login),
    path("accounts/keepalive/", views.session_keepalive, name="session_keepalive"),
    # Before Django's own, which would offer password reset without any mail server.
    path("accounts/password_reset/", reset["password_reset"], name="password_reset"),
    path("accounts/password_reset/done/", reset["password_reset_done"], name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        reset["password_reset_confirm"],
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", reset["password_reset_complete"], name="password_reset_complete"),
    path("accounts/two-factor/", include("trial.two_factor.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("ecrf.urls")),
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "ecrf/favicon.svg")),
]
