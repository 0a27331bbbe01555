"""Forms of the basket list: the filter bar (GET), saving a filter, bulk actions (POST)."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engine.basket import DueWindow, SortField
from processes.basket.defaults import FILTER_NAME_MAX

DUE_CHOICES = [
    SelectChoice("", "Any time"),
    SelectChoice(DueWindow.OVERDUE.value, "Overdue"),
    SelectChoice(DueWindow.TODAY.value, "Due today"),
    SelectChoice(DueWindow.WEEK.value, "Due this week"),
    SelectChoice(DueWindow.NONE.value, "No deadline"),
]
SORT_LABELS = {
    SortField.DUE: "Due",
    SortField.PRIORITY: "Priority",
    SortField.CREATED: "Created",
    SortField.PROCESS: "Process",
    SortField.COMPLETED: "Completed",
}
ORDER_CHOICES = [SelectChoice("", "Default order"), SelectChoice("asc", "Ascending"),
                 SelectChoice("desc", "Descending")]
# The query parameters a filter consists of (page is not part of a saved filter).
FILTER_PARAMS = ("process", "role", "due", "priority", "q", "sort", "order")


class FilterForm(FlaskForm):
    """The filter bar, read from the query string so every filtered page can be bookmarked."""

    class Meta:
        # A GET that changes nothing needs no CSRF token, and a token would spoil bookmarks.
        csrf = False

    # `process` would shadow Form.process(), so only the query parameter carries that name.
    process_key = SelectField("Process", choices=[SelectChoice("", "All processes")],
                              default="", name="process")
    role = SelectField("Role", choices=[SelectChoice("", "All my roles")], default="")
    due = SelectField("Due", choices=DUE_CHOICES, default="")
    priority = IntegerField("Priority at least",
                            validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    q = StringField("Task or business key", validators=[Optional(), Length(max=100)])
    sort = SelectField("Sort by", choices=[], default="")
    order = SelectField("Order", choices=ORDER_CHOICES, default="")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=100_000)])

    def params(self):
        """The filter as non-empty query parameters (without the page)."""
        values = {field.name: field.data for field in self if field.name in FILTER_PARAMS}
        return {k: str(v).strip() for k, v in values.items() if v not in (None, "")}


class SaveFilterForm(FlaskForm):
    """Name under which to save the filter the page shows."""

    name = StringField("Save this filter as",
                       validators=[DataRequired("Give the filter a name."),
                                   Length(max=FILTER_NAME_MAX)])


class BulkForm(FlaskForm):
    """Tasks ticked in the list, and the user to give them to (reassign only)."""

    # The ticked ids are checked by the engine, task by task, not against a choice list.
    task_ids = SelectMultipleField("Tasks", choices=[], validate_choice=False)
    user = StringField("Give to user", validators=[Optional(), Length(max=64)])
