"""Single sign-on: a site's HS256 JWT signs a reader in (created, then updated); unsigned, expired, foreign,
long-lived and otherwise-signed tokens never do."""
import base64
import json
import time

import jwt
import pytest
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.models import User
from moderation.sites.operations import find_site, rotate_sso_secret
from moderation.sites.sso import SsoError, embed_reader, embed_token, reader_from_token


def token(secret, lifetime=600, algorithm="HS256", **claims):
    now = int(time.time())
    body = {"sub": "cms-user-1", "name": "Alice Riverside", "email": "alice@herald.example", "exp": now + (lifetime or 0),
            **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm=algorithm)


def unsigned(**claims):
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'x', 'name': 'Mallory', 'exp': time.time() + 60})}."


def test_a_signed_token_creates_then_updates_the_reader(app, make_site):
    secret = make_site("herald")
    with app.app_context():
        site = find_site("herald")
        reader = reader_from_token(site, token(secret))
        assert (reader.display_name, reader.contact_email, reader.role) == ("Alice Riverside", "alice@herald.example",
                                                                            "reader")
        again = reader_from_token(site, token(secret, name="Alice R.", role="reader"))
        assert again.id == reader.id and again.display_name == "Alice R." and again.role == "reader"
        assert db.session.scalar(select(func.count(User.id)).where(User.site_id == site.id)) == 1
        # No password works for an SSO reader's account.
        assert not again.check_password("") and again.email.endswith(".sso.invalid")


@pytest.mark.parametrize("make,problem", [
    (lambda s: token(s, lifetime=-120), "expired"),
    (lambda s: token("another-secret-of-32-bytes-or-more!!"), "signature"),
    (lambda s: token(s + s, algorithm="HS512"), "HS512"),
    (lambda s: unsigned(), "none"),
    (lambda s: token(s, exp=None), "exp"),
    (lambda s: token(s, lifetime=86400), "too long"),
    (lambda s: token(s, role="admin"), "admin"),
    (lambda s: token(s, role="moderator"), "moderator"),
    (lambda s: token(s, name=""), "name"),
    (lambda s: token(s, sub=None), "sub"),
    (lambda s: "not-a-token", "not a JWT"),
    (lambda s: token(s)[:-4] + "AAAA", "signature"),
])
def test_bad_tokens_sign_nobody_in(app, make_site, make, problem):
    secret = make_site("herald")
    with app.app_context():
        with pytest.raises(SsoError, match=problem):
            reader_from_token(find_site("herald"), make(secret))
        assert db.session.scalar(select(func.count(User.id)).where(User.site_id.is_not(None))) == 0


def test_a_rotated_secret_keeps_the_previous_one_until_the_next_rotation(app, make_site):
    old = make_site("herald")
    with app.app_context():
        site = find_site("herald")
        new = rotate_sso_secret(site, None)
        assert reader_from_token(site, token(old)) and reader_from_token(site, token(new))
        rotate_sso_secret(site, None)
        with pytest.raises(SsoError, match="signature"):
            reader_from_token(site, token(old))


def test_the_embed_token_is_for_one_site_and_dies_with_a_logout(app, make_site):
    secret = make_site("herald")
    make_site("gazette", ["https://gazette.example"])
    with app.app_context():
        herald, gazette = find_site("herald"), find_site("gazette")
        reader = reader_from_token(herald, token(secret))
        raw = embed_token(reader, herald)
        assert embed_reader(raw, herald).id == reader.id
        assert embed_reader(raw, gazette) is None
        assert embed_reader(raw[:-2] + "xx", herald) is None
        reader.new_session_token()
        assert embed_reader(raw, herald) is None


def test_a_site_without_sso_refuses_tokens(app, make_site):
    make_site("plain", ["https://plain.example"], sso=False)
    with app.app_context():
        with pytest.raises(SsoError, match="no single sign-on"):
            reader_from_token(find_site("plain"), token("whatever-secret-of-enough-length!!"))
