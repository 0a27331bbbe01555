"""Forms of the booking pages. Format checks stay light: the rules (and most messages) live in
processes.bookings.services, whose per-field refusals land on these fields."""
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateTimeLocalField, IntegerField, SelectChoice, SelectField, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from processes.bookings import defaults
from processes.bookings.status import BookingKind, BookingStatus, When
from processes.languages import LANGUAGES

STATUS_LABELS = {
    BookingStatus.CONFIRMED: _l("Confirmed"), BookingStatus.CHECKED_IN: _l("Checked in"),
    BookingStatus.COMPLETED: _l("Completed"), BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.NO_SHOW: _l("No-show"), BookingStatus.DELETED: _l("Deleted (blocked)"),
}
KIND_LABELS = {BookingKind.BOOKING: _l("Booking"), BookingKind.PRE_BOOKING: _l("Pre-booking")}
WHEN_LABELS = {When.PAST: _l("Past"), When.TODAY: _l("Today"), When.FUTURE: _l("Future")}
WALL_TIME = "%Y-%m-%dT%H:%M"


def _required():
    return {"aria-required": "true"}


class BookingFilterForm(FlaskForm):
    """Site, status, kind, day (past/today/future at the site) and text; GET, shareable."""

    class Meta:
        csrf = False

    site = SelectField(_l("Site"), default="", choices=[SelectChoice("", _l("All sites"))])
    status = SelectField(_l("Status"), default="", choices=[
        SelectChoice("", _l("Any status"))] + [
        SelectChoice(str(s), label) for s, label in STATUS_LABELS.items()])
    when = SelectField(_l("When"), default="", choices=[SelectChoice("", _l("Any day"))] + [
        SelectChoice(str(w), label) for w, label in WHEN_LABELS.items()])
    kind = SelectField(_l("Kind"), default="", choices=[
        SelectChoice("", _l("Bookings and pre-bookings"))] + [
        SelectChoice(str(k), label) for k, label in KIND_LABELS.items()])
    q = StringField(_l("Reference, customer or plate"), validators=[Optional(), Length(max=100)])
    page = IntegerField(_l("Page"), default=1,
                        validators=[Optional(), NumberRange(1, defaults.MAX_PAGE)])

    def query_args(self):
        """The submitted filter as URL arguments, for the pager links."""
        return {name: self[name].data for name in ("site", "status", "when", "kind", "q")
                if self[name].data}


class NewBookingForm(FlaskForm):
    """Site, customer, vehicle, kind, and start and end in the site's local time."""

    site_id = SelectField(_l("Site"), coerce=int, validators=[DataRequired(_l("Choose a site."))],
                          render_kw=_required())
    customer_id = SelectField(_l("Customer"), coerce=int,
                              validators=[DataRequired(_l("Choose a customer."))],
                              render_kw=_required())
    vehicle_id = SelectField(_l("Vehicle"), coerce=int, default=0)
    kind = SelectField(_l("Kind"), default=str(BookingKind.BOOKING),
                       choices=[SelectChoice(str(k), label) for k, label in KIND_LABELS.items()])
    starts_at = DateTimeLocalField(_l("Starts (site's local time)"), format=WALL_TIME,
                                   validators=[DataRequired(_l("Enter a date and time."))],
                                   render_kw=_required())
    ends_at = DateTimeLocalField(_l("Ends (site's local time)"), format=WALL_TIME,
                                 validators=[DataRequired(_l("Enter a date and time."))],
                                 render_kw=_required())
    submit = SubmitField(_l("Book"))


class NewSiteForm(FlaskForm):
    """Code, name, time zone, country and capacity of a new site."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       render_kw=_required())
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw=_required())
    timezone = SelectField(_l("Time zone"), default="Europe/Brussels",
                           choices=[SelectChoice(z) for z in sorted(available_timezones())])
    country = StringField(_l("Country (two letters)"), default="BE",
                          validators=[DataRequired(), Length(min=2, max=2)],
                          render_kw=_required() | {"maxlength": 2})
    capacity = IntegerField(_l("Capacity (spaces)"),
                            validators=[DataRequired(_l("Enter a number of spaces.")),
                                        NumberRange(1, defaults.MAX_CAPACITY)],
                            render_kw=_required() | {"type": "number", "min": 1})
    submit = SubmitField(_l("Create site"))


class VehicleForm(FlaskForm):
    """A vehicle's plate, its country and a description."""

    plate = StringField(_l("Number plate"), validators=[Optional(), Length(max=40)])
    country = StringField(_l("Plate country (two letters)"), default="BE",
                          validators=[Optional(), Length(min=2, max=2)],
                          render_kw={"maxlength": 2})
    description = StringField(_l("Description, e.g. blue VW Golf"),
                              validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Add vehicle"))


class NewCustomerForm(VehicleForm):
    """Name, contact details, language, and optionally a first vehicle."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw=_required())
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email"})
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    language = SelectField(_l("Language"), default="en", choices=[
        SelectChoice(code, name) for code, name in LANGUAGES.items()])
    submit = SubmitField(_l("Create customer"))
