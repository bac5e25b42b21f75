from django.contrib import admin, messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ServiceError
from core.forms import apply_service_error

from .forms import LoginForm, PasswordChangeForm
from .services import login_authenticate, password_change


def _safe_next(request, default: str = "/") -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return default
    return next_url


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_authenticate(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            login(request, user, backend="accounts.backends.UsernameOrPhoneBackend")
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    next_url = _safe_next(request)
    if next_url == request.path:
        next_url = "/"
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                request=request,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status
        else:
            update_session_auth_hash(request, request.user)  # this browser stays logged in
            messages.success(
                request, _("Your password has been changed. Other devices have been logged out.")
            )
            return redirect(next_url)
    elif request.method == "POST":
        status = 422
    context = {"form": form, "next": next_url, "forced": request.user.must_change_password}
    return render(request, "accounts/password_change.html", context, status=status)


def admin_login_view(request):
    """The admin's login page through the login throttle (ThrottledAdminLoginForm, set on the
    admin site in accounts/admin.py), answering 401/429 like the login page when refused."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    status = getattr(form, "error_status", None)
    if status:
        response.status_code = status
    return response
