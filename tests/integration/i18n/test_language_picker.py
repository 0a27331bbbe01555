"""A user picks the language of their screens; until then the browser's language is used."""
import re

from sqlalchemy import select

from processes.accounts.models import User
from processes.languages import LANGUAGES


def _page(response):
    return response.get_data(as_text=True)


def _language_of(db, username):
    db.expire_all()
    return db.scalar(select(User.language).where(User.username == username))


def test_the_language_page_lists_every_language_in_its_own_name(client, login_as):
    """The picker offers all 17 languages, each named in itself, the current one selected."""
    login_as("agent")
    page = _page(client.get("/profile/language"))
    for code, name in LANGUAGES.items():
        assert f'value="{code}"' in page and name in page
    assert re.search(r'<input checked[^>]* value="en">', page)


def test_the_user_menu_links_to_the_language_page(client, login_as):
    """Every page's user menu has the Language link."""
    login_as("agent")
    assert 'href="/profile/language"' in _page(client.get("/"))


def test_a_chosen_language_is_stored_and_the_next_page_speaks_it(client, login_as, db):
    """After choosing Polish the user's next page has Polish navigation and a Polish notice."""
    login_as("supervisor")
    response = client.post("/profile/language", data={"language": "pl"})
    assert response.status_code == 302
    assert _language_of(db, "supervisor") == "pl"
    page = _page(client.get(response.headers["Location"]))
    assert '<html lang="pl">' in page
    for polish in ("Zadania", "Monitorowanie", "Wyloguj się", "Język"):
        assert polish in page
    assert "Twoje ekrany są teraz w języku: Polski." in page
    assert "Log out" not in page


def test_the_chosen_language_outlives_the_session(client, login_as):
    """Logging out and in again keeps the chosen language, whatever the browser asks for."""
    login_as("agent")
    client.post("/profile/language", data={"language": "de"})
    client.post("/auth/logout")
    login_as("agent")
    page = _page(client.get("/", headers={"Accept-Language": "fr"}))
    assert "Arbeitskorb" in page and "Abmelden" in page


def test_an_unknown_language_is_refused_with_a_message(client, login_as, db):
    """A language that is not offered is refused on the form; the stored choice is unchanged."""
    login_as("agent")
    response = client.post("/profile/language", data={"language": "xx"})
    assert response.status_code == 422
    assert "Choose one of the offered languages." in _page(response)
    assert _language_of(db, "agent") is None      # still no choice: the browser decides


def test_no_choice_is_refused_with_a_message(client, login_as, db):
    """Saving without a choice asks for one."""
    login_as("agent")
    response = client.post("/profile/language", data={})
    assert response.status_code == 422
    assert "Choose a language." in _page(response)
    assert _language_of(db, "agent") is None      # still no choice: the browser decides


def test_the_login_page_follows_the_browser_language(client):
    """Before anyone logs in, the page is in the browser's preferred offered language."""
    page = _page(client.get("/auth/login", headers={"Accept-Language": "hu;q=0.9, nl;q=0.8"}))
    assert '<html lang="hu">' in page and "Bejelentkezés" in page and "Jelszó" in page


def test_an_unoffered_browser_language_falls_back_to_english(client):
    """A browser asking only for languages ParkOps does not offer gets English."""
    page = _page(client.get("/auth/login", headers={"Accept-Language": "ja, ko;q=0.5"}))
    assert '<html lang="en">' in page and "Password" in page


def test_the_language_page_needs_a_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/profile/language")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_until_a_user_picks_a_language_the_browsers_applies(client, login_as, db):
    """A new user has no stored language: pages follow Accept-Language, and the picker
    shows that language as the current one."""
    login_as("agent")
    assert _language_of(db, "agent") is None
    headers = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    page = _page(client.get("/profile/language", headers=headers))
    assert '<html lang="de">' in page
    assert re.search(r'<input checked[^>]*value="de"', page)
