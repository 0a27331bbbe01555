"""Routes of the admin blueprint (thin: parse input, call one service, render)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from processes.accounts import administration as accounts

from ..access import area
from ..extensions import db
from . import bp
from .forms import ActiveForm, EmailForm, NewUserForm, PasswordForm, RolesForm

REFUSED = 422       # the input breaks an account rule; nothing was changed
CONFLICT = 409      # someone else changed the same data at the same time


@bp.get("/")
@area("admin")
def index():
    """The users of the admin's organisation with their roles and state."""
    users = accounts.list_users(db.session, current_user.tenant)
    return render_template("admin/index.html", users=users)


@bp.route("/users/new", methods=["GET", "POST"])
@area("admin")
def new_user():
    """Create a user; refused input re-renders the form with every message, nothing lost."""
    form = NewUserForm()
    if not form.validate_on_submit():
        return _new_page(form), REFUSED if form.is_submitted() else 200
    created, status = _apply(form, lambda: accounts.add_user(
        db.session, current_user.tenant, form.username.data, form.password.data,
        form.roles.data, email=form.email.data, actor=current_user.username))
    if created is None:
        return _new_page(form), status
    flash(f"User {created.username} was created.", "info")
    return redirect(url_for(".user", user_id=created.id))


@bp.get("/users/<int:user_id>")
@area("admin")
def user(user_id):
    """One user: e-mail, roles, (de)activation and password reset."""
    return _user_page(_get_user(user_id))


@bp.post("/users/<int:user_id>/roles")
@area("admin")
def roles(user_id):
    """Replace a user's roles; an admin cannot drop their own admin role."""
    target, form = _get_user(user_id), RolesForm()
    if not form.validate_on_submit():
        return _user_page(target, roles_form=form), REFUSED
    done, status = _apply(form, lambda: accounts.set_roles(
        db.session, current_user.tenant, user_id, form.roles.data, current_user.id,
        actor=current_user.username))
    if done is None:
        return _user_page(target, roles_form=form), status
    flash(f"Roles of {target.username} saved: {', '.join(target.roles) or 'none'}.", "info")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/email")
@area("admin")
def email(user_id):
    """Change or clear the address a user's escalation e-mails go to."""
    target, form = _get_user(user_id), EmailForm()
    if not form.validate_on_submit():
        return _user_page(target, email_form=form), REFUSED
    done, status = _apply(form, lambda: accounts.set_email(
        db.session, current_user.tenant, user_id, form.email.data,
        actor=current_user.username))
    if done is None:
        return _user_page(target, email_form=form), status
    flash(f"E-mail of {target.username} saved: {target.email}." if target.email
          else f"{target.username} has no e-mail address now.", "info")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@area("admin")
def deactivate(user_id):
    """Deactivate a user: their sessions end and they can no longer log in."""
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
@area("admin")
def reactivate(user_id):
    """Let a deactivated user log in again."""
    return _set_active(user_id, True)


@bp.post("/users/<int:user_id>/password")
@area("admin")
def password(user_id):
    """Set a new password for a user."""
    target, form = _get_user(user_id), PasswordForm()
    if not form.validate_on_submit():
        return _user_page(target, password_form=form), REFUSED
    done, status = _apply(form, lambda: accounts.reset_password(
        db.session, current_user.tenant, user_id, form.password.data,
        actor=current_user.username))
    if done is None:
        return _user_page(target, password_form=form), status
    flash(f"The password of {target.username} was changed.", "info")
    return redirect(url_for(".user", user_id=user_id))


def _set_active(user_id, active):
    target, form = _get_user(user_id), ActiveForm()
    done, status = _apply(form, lambda: accounts.set_active(
        db.session, current_user.tenant, user_id, active, current_user.id,
        actor=current_user.username))
    if done is None:
        return _user_page(target, active_form=form), status
    flash(f"{target.username} was {'reactivated' if active else 'deactivated'}.", "info")
    return redirect(url_for(".user", user_id=user_id))


def _apply(form, change):
    """Run one account change and commit it; on refusal roll back and put messages on `form`."""
    try:
        result = change()
        db.session.commit()
        return result, None
    except accounts.AccountRefused as refusal:
        db.session.rollback()
        _show(form, refusal.errors)
        return None, REFUSED
    except IntegrityError:
        db.session.rollback()
        _show(form, {None: "Someone changed this user at the same time; nothing was saved. "
                           "Reload the page and try again."})
        return None, CONFLICT


def _show(form, errors):
    for field, message in errors.items():
        if field is not None and field in form:
            form[field].errors = [*form[field].errors, message]
        else:
            form.form_errors.append(message)


def _get_user(user_id):
    """User `user_id` of the admin's organisation, or 404."""
    target = accounts.find_user(db.session, current_user.tenant, user_id)
    if target is None:
        abort(404)
    return target


def _new_page(form):
    return render_template("admin/new_user.html", form=form)


def _user_page(target, roles_form=None, password_form=None, active_form=None, email_form=None):
    # Only the submitted form reads the request; the others show the stored state.
    return render_template(
        "admin/user.html", user=target, is_self=target.id == current_user.id,
        roles_form=roles_form or RolesForm(formdata=None, roles=target.roles),
        email_form=email_form or EmailForm(formdata=None, email=target.email),
        password_form=password_form or PasswordForm(formdata=None),
        active_form=active_form or ActiveForm(formdata=None))
