"""Login and logout views, the user loader, and the login-required guard."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import RequestEntityTooLarge

from processes.accounts import services as accounts

from ..current import this_request
from ..extensions import db, limiter, login_manager
from . import bp
from .forms import LoginForm, LogoutForm
from .principal import Principal

# Endpoints reachable without logging in; everything else redirects to the login page.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "observability.healthz",
                              "observability.metrics"})
# Blueprints that authenticate every request themselves: the JSON API checks bearer tokens
# and answers 401 in JSON, never a redirect to this login page.
SELF_AUTHENTICATED_BLUEPRINTS = frozenset({"api", "season_public"})  # season_public: open form


@login_manager.user_loader
def load_user(user_id):
    """The Principal of the session's user; None (logged out) when gone or deactivated."""
    try:
        identity = accounts.load_identity(db.session, int(user_id))
    except ValueError:
        return None
    if identity is None or not identity.active:
        return None
    return Principal(identity)


@bp.before_app_request
def require_login():
    """Send anonymous visitors of any non-public page to the login page."""
    req = this_request()
    if (req.blueprint in SELF_AUTHENTICATED_BLUEPRINTS or req.endpoint in PUBLIC_ENDPOINTS
            or current_user.is_authenticated):
        return None
    return login_manager.unauthorized()


@bp.app_context_processor
def inject_logout_form():
    """Every page's nav carries the logout button and its CSRF token."""
    # Never bound to the request's data: it is a button in the nav, not the form being posted.
    return {"logout_form": LogoutForm(formdata=None)}


def _failed_login(response):
    """Only a refused login counts against the limits (a success redirects)."""
    return response.status_code != 302


def _account_key():
    """Limit key per account: guessing one user's password from many addresses still stops."""
    try:
        form = request.form
    except RequestEntityTooLarge:
        # Raised inside the limiter, Flask's 413 page would not be used; the view raises it.
        return "oversized-request"
    return f"{form.get('tenant', '').strip()}/{form.get('username', '').strip()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed_login)
def login():
    """Show the login form; on valid credentials start a session and go to `next` or home."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(tenant=request.args.get("tenant") or _default_tenant())
    if form.validate_on_submit():
        user = accounts.authenticate(
            db.session, form.tenant.data.strip(), form.username.data.strip(), form.password.data
        )
        if user is not None:
            session.clear()  # drop anything set before login (no session fixation)
            login_user(Principal(accounts.identity_of(user)))
            return redirect(_safe_next(request.args.get("next")))
        flash("Unknown user or wrong password.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the session and return to the login page."""
    # CSRFProtect has already checked the token of this POST, as for every POST.
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _default_tenant():
    return current_app.config["DEFAULT_TENANT"]


def _safe_next(target):
    """`target` when it is a path on this site, else home: no open redirect to other hosts."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("home.index")
