"""The occurrence screens speak the user's language, default types and statuses included."""
import pytest


def _page(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def polish_supervisor(client, login_as):
    """The demo supervisor, logged in, who chose Polish on the language page."""
    login_as("supervisor")
    client.post("/profile/language", data={"language": "pl"})
    return client


def test_the_occurrence_list_is_in_the_users_language(polish_supervisor):
    """Nav, filters and the default statuses of the occurrence list are Polish."""
    page = _page(polish_supervisor.get("/occurrences/"))
    for polish in ("Zgłoszenia", "Nowe zgłoszenie", "Utworzone", "Oczekujące", "Rozwiązane",
                   "Zamknięte", "Tylko przeterminowane", "Filtruj"):
        assert polish in page, polish
    assert "Overdue only" not in page


def test_the_new_occurrence_form_shows_the_default_types_translated(polish_supervisor):
    """The default types and their custom fields and options are shown in Polish."""
    page = _page(polish_supervisor.get("/occurrences/new"))
    for polish in ("Uszkodzenie", "Miejsce na pojeździe", "Zarysowanie", "Reklamacja",
                   "Problem z pojazdem", "Przebita opona", "Spór o płatność", "Co się stało?"):
        assert polish in page, polish
    assert "Damage type" not in page


def test_a_greek_user_gets_the_same_screen_in_greek(client, login_as):
    """Another script, same screen: the list is in Greek for a Greek user."""
    login_as("agent")
    client.post("/profile/language", data={"language": "el"})
    page = _page(client.get("/occurrences/"))
    assert "Συμβάντα" in page and "Σε εκκρεμότητα" in page
