"""Forms of the designer: the diagram upload and the business key of a hand-started instance."""
from io import SEEK_END

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from engine import defaults as engine_defaults

UPLOAD_EXTENSIONS = ("bpmn", "dmn")


def _at_most(limit):
    """Validator: the uploaded file holds at most `limit` bytes (measured without reading it)."""
    def check(form, field):
        stream = field.data.stream
        stream.seek(0, SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size > limit:
            raise ValidationError(
                f"The file is {size / 2**20:.1f} MiB; the limit is {limit / 2**20:g} MiB.")
    return check


class UploadForm(FlaskForm):
    """One .bpmn or .dmn file, then Validate (dry run) or Deploy."""

    file = FileField("BPMN or DMN file", validators=[
        FileRequired("Choose a .bpmn or .dmn file."),
        FileAllowed(UPLOAD_EXTENSIONS, "Only .bpmn and .dmn files are accepted."),
        _at_most(engine_defaults.MAX_XML_BYTES),
    ])
    # Not named `validate`: that would hide FlaskForm.validate().
    check = SubmitField("Validate")
    deploy = SubmitField("Deploy")


class StartForm(FlaskForm):
    """Business key of a hand-started instance; its variables use the basket's task inputs."""

    business_key = StringField("Business key", validators=[Optional(), Length(max=255)])
    submit = SubmitField("Start instance")
