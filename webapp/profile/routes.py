"""Routes of the profile blueprint (thin: parse input, call one service, render)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from processes.accounts import preferences
from processes.languages import LANGUAGES

from ..extensions import db
from . import bp
from .forms import LanguageForm

REFUSED = 422       # the input breaks a rule; nothing was changed


@bp.app_context_processor
def page_language():
    """The language of the page being rendered, for <html lang>."""
    return {"page_language": str(get_locale() or "en")}


@bp.route("/language", methods=["GET", "POST"])
@login_required
def language():
    """Show the offered languages; a choice is stored and every next page is in it."""
    # Until a language is picked, the browser's (the page's own) is the one shown as chosen.
    form = LanguageForm(language=current_user.language or str(get_locale() or "en"))
    if not form.validate_on_submit():
        return _page(form), REFUSED if form.is_submitted() else 200
    try:
        preferences.choose_language(db.session, current_user.id, form.language.data)
    except preferences.UnknownLanguage:
        form.language.errors.append(_("Choose one of the offered languages."))
        return _page(form), REFUSED
    db.session.commit()
    # This request was answered in the old language; the confirmation speaks the new one.
    with force_locale(form.language.data):
        flash(_("Your screens are now in %(language)s.",
                language=LANGUAGES[form.language.data]), "info")
    return redirect(url_for(".language"))


def _page(form):
    return render_template("profile/language.html", form=form)
