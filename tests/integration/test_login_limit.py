"""Login brake: repeated wrong passwords are stopped with 429; good logins never count."""


def post_login(client, username, password, tenant="demo"):
    return client.post("/auth/login", data={"tenant": tenant, "username": username,
                                            "password": password})


def test_wrong_passwords_for_one_account_are_stopped(make_app):
    """After five wrong passwords for an account, the sixth attempt gets 429 with a clear page."""
    app = make_app(WTF_CSRF_ENABLED=False)
    _seed(app)
    client = app.test_client()
    for _ in range(5):
        assert post_login(client, "agent", "guess").status_code == 200
    response = post_login(client, "agent", "agent")
    assert response.status_code == 429
    assert b"Too many attempts" in response.data


def test_successful_logins_do_not_count(make_app):
    """Many good logins in a row are never limited."""
    app = make_app(WTF_CSRF_ENABLED=False)
    _seed(app)
    for _ in range(8):
        client = app.test_client()
        assert post_login(client, "agent", "agent").status_code == 302


def test_limit_is_per_account(make_app):
    """Locking one account by guessing does not lock another user out."""
    app = make_app(WTF_CSRF_ENABLED=False)
    _seed(app)
    client = app.test_client()
    for _ in range(6):
        post_login(client, "agent", "guess")
    assert post_login(app.test_client(), "supervisor", "supervisor").status_code == 302


def _seed(app):
    from processes.accounts.services import seed_demo
    from webapp.extensions import db

    with app.app_context():
        db.create_all()
        seed_demo(db.session)
        db.session.commit()
