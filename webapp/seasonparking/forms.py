"""Forms of the season-parker pages. Format checks stay minimal: the domain
(processes.seasonparking.applications) checks everything and its messages land on the fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, IntegerField, RadioField, SelectChoice, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from processes.seasonparking import defaults

COUNTRIES = [SelectChoice(code, code) for code in (
    "BE", "NL", "LU", "FR", "DE", "GB", "IE", "ES", "PT", "IT", "AT", "CH", "PL", "CZ", "SK", "SE",
    "DK", "NO", "FI")]
TERM_CHOICES = [SelectChoice(0, _l("Monthly, until notice")), SelectChoice(3, _l("3 months")),
                SelectChoice(6, _l("6 months")), SelectChoice(12, _l("12 months"))]


def _plate(n):
    return StringField(_l("Number plate %(n)s", n=n), validators=[Optional(), Length(max=20)])


def _country(n):
    return SelectField(_l("Country of plate %(n)s", n=n), choices=COUNTRIES, default="BE")


class PaymentFields(FlaskForm):
    """Card or SEPA mandate; the card number goes to the payment provider, never to our DB."""

    payment_method = RadioField(_l("Payment method"), choices=[
        SelectChoice("card", _l("Credit or debit card")),
        SelectChoice("sepa", _l("SEPA direct debit"))], default="card")
    card_number = StringField(_l("Card number"), validators=[Optional(), Length(max=30)],
                              render_kw={"autocomplete": "cc-number", "inputmode": "numeric"})
    card_exp_month = IntegerField(_l("Expiry month"), validators=[Optional()])
    card_exp_year = IntegerField(_l("Expiry year"), validators=[Optional()])
    card_cvc = StringField(_l("Security code"), validators=[Optional(), Length(max=4)],
                           render_kw={"autocomplete": "cc-csc"})
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    holder = StringField(_l("Account holder (if not you)"), validators=[Length(max=200)])

    def payment(self):
        """The payment dict the domain expects."""
        return {"method": self.payment_method.data, "card_number": self.card_number.data,
                "card_exp_month": self.card_exp_month.data,
                "card_exp_year": self.card_exp_year.data, "card_cvc": self.card_cvc.data,
                "iban": self.iban.data, "holder": self.holder.data}


class ApplicationForm(PaymentFields):
    """The public application form."""

    product = SelectField(_l("Car park and product"), coerce=int,
                          validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[Length(max=200)],
                       render_kw={"autocomplete": "name", "aria-required": "true"})
    email = EmailField(_l("E-mail"), validators=[Length(max=254)],
                       render_kw={"autocomplete": "email", "aria-required": "true"})
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=40)])
    plate_1, country_1 = _plate(1), _country(1)
    plate_2, country_2 = _plate(2), _country(2)
    plate_3, country_3 = _plate(3), _country(3)
    starts_on = DateField(_l("Start date"), validators=[Optional()],
                          render_kw={"aria-required": "true"})    # the domain requires it
    term_months = SelectField(_l("Term"), coerce=int, choices=TERM_CHOICES, default=0)
    submit = SubmitField(_l("Apply"))

    def vehicles(self):
        """[(plate, country)] as typed."""
        return [(getattr(self, f"plate_{n}").data, getattr(self, f"country_{n}").data)
                for n in (1, 2, 3)]


class BackOfficeApplicationForm(ApplicationForm):
    """An application entered by the back office: may grant a discount, payment optional."""

    discount_percent = IntegerField(_l("Discount (%)"), default=0, validators=[
        Optional(), NumberRange(0, defaults.MAX_DISCOUNT_PERCENT)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    payment_method = RadioField(_l("Payment method"), choices=[
        SelectChoice("", _l("Not yet: the process will ask for one")),
        SelectChoice("card", _l("Card")), SelectChoice("sepa", _l("SEPA direct debit"))],
        default="")
    submit = SubmitField(_l("Create application"))


class ReplacePaymentForm(PaymentFields):
    """A new card or mandate for an application whose method was declined."""

    submit = SubmitField(_l("Register payment method"))


class VehiclesForm(FlaskForm):
    """The plates of a contract."""

    plate_1, country_1 = _plate(1), _country(1)
    plate_2, country_2 = _plate(2), _country(2)
    plate_3, country_3 = _plate(3), _country(3)
    submit = SubmitField(_l("Save vehicles"))

    vehicles = ApplicationForm.vehicles


class RenewForm(FlaskForm):
    """Renew a fixed-term contract."""

    months = SelectField(_l("Renew for"), coerce=int, choices=TERM_CHOICES[1:], default=12)
    submit = SubmitField(_l("Renew"))


class TerminateForm(FlaskForm):
    """Give notice on a contract."""

    requested_end = DateField(_l("Last day wished (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Give notice"))
