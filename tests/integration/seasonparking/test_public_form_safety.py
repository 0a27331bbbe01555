"""The public thanks page repeats only an application number of ours, for a real organisation."""
import pytest

from .conftest import TENANT


@pytest.mark.parametrize("number, shown", [
    ("SA-000042", "SA-000042"),
    ("CALL 0900-123 TO PAY", None),
    ("<b>SA-1</b>", None),
])
def test_the_thanks_page_names_only_a_real_application_number(season_app, number, shown):
    """A link-maker's text in ?number= is not shown under the organisation's page."""
    page = season_app.test_client().get(f"/apply/{TENANT}/season/sent",
                                        query_string={"number": number})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ("Your application number is" in text) == (shown is not None)
    assert (number in text) == (shown is not None)


def test_the_thanks_page_of_an_unknown_organisation_is_not_found(season_app):
    """/apply/<unknown>/season/sent is a 404 like the form itself."""
    assert season_app.test_client().get("/apply/nobody/season/sent").status_code == 404
