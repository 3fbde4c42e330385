"""Who a verified ID token is to carecast: account by subject, then by verified email; a mapped
group for people without an account; email domains per provider; settings from the environment."""

from __future__ import annotations

import pytest

from carecast.errors import ParameterError
from carecast.store import session_scope
from carecast.web.accounts import create_user, set_active
from carecast.web.oidc import SsoRefused, account_for
from carecast.web.settings import OidcProvider, Settings

ENTRA = OidcProvider(
    name="lewisham",
    issuer="https://login.example.test/tenant/v2.0",
    client_id="abc",
    email_domains=["lewisham.test"],
    group_claim="groups",
    groups={"grp-finance": {"role": "council_finance", "council": "Lewisham"}},
)


def test_account_is_found_by_verified_email_then_by_subject(sqlite_url):
    from carecast.store import upgrade

    upgrade(sqlite_url)
    with session_scope(sqlite_url) as db:
        made = create_user(
            db, email="a@lewisham.test", password=None, role="council_analyst", council="Lewisham"
        )
        # Entra ID sends no email_verified: the provider's listed domains vouch for the address.
        user = account_for(db, ENTRA, {"sub": "oid-1", "email": "A@Lewisham.test"})
        assert user.id == made.id and user.oidc_subject.endswith("|oid-1")
        user.email = "renamed@lewisham.test"  # the subject still finds the account after a rename
        assert (
            account_for(db, ENTRA, {"sub": "oid-1", "email": "renamed@lewisham.test"}).id == made.id
        )
        with pytest.raises(SsoRefused) as other:
            account_for(db, ENTRA, {"sub": "oid-2", "email": "renamed@lewisham.test"})
        assert other.value.reason == "subject mismatch"
        set_active(db, user, False)
        with pytest.raises(SsoRefused) as disabled:
            account_for(db, ENTRA, {"sub": "oid-1"})
        assert disabled.value.reason == "disabled"


def test_group_claim_gives_a_role_and_domains_are_enforced(sqlite_url):
    from carecast.store import upgrade

    upgrade(sqlite_url)
    with session_scope(sqlite_url) as db:
        new = account_for(
            db, ENTRA, {"sub": "oid-9", "email": "f@lewisham.test", "groups": ["x", "grp-finance"]}
        )
        assert (new.role, new.council, new.password_hash.startswith("!")) == (
            "council_finance",
            "Lewisham",
            True,
        )
        with pytest.raises(SsoRefused) as unknown:
            account_for(db, ENTRA, {"sub": "oid-8", "email": "g@lewisham.test", "groups": ["x"]})
        assert unknown.value.reason == "unknown user"
        with pytest.raises(SsoRefused) as domain:
            account_for(
                db, ENTRA, {"sub": "oid-7", "email": "f@camden.test", "groups": ["grp-finance"]}
            )
        assert domain.value.reason == "email domain not allowed"
        unverified = OidcProvider(name="any", issuer="https://idp.example.test", client_id="abc")
        with pytest.raises(
            SsoRefused
        ):  # no domains listed and no email_verified: the email is not trusted
            account_for(db, unverified, {"sub": "s", "email": "f@lewisham.test"})


def test_providers_come_from_the_environment(tmp_path):
    env = {
        "CARECAST_OIDC_ISSUER": "https://login.example.test/t/v2.0",
        "CARECAST_OIDC_CLIENT_ID": "id-1",
        "CARECAST_OIDC_CLIENT_SECRET": "s",
        "CARECAST_OIDC_EMAIL_DOMAINS": "lewisham.gov.uk, @Camden.gov.uk",
        "CARECAST_OIDC_PROVIDERS": '[{"name": "kent", "issuer": "https://idp.kent.test", "client_id": "k"}]',
        "CARECAST_DATA_DIR": str(tmp_path),
    }
    settings = Settings.from_env(env)
    assert [p.name for p in settings.oidc_providers] == ["council", "kent"]
    assert settings.oidc_providers[0].email_domains == ["lewisham.gov.uk", "camden.gov.uk"]
    assert (
        settings.provider("kent").metadata_url
        == "https://idp.kent.test/.well-known/openid-configuration"
    )


def test_a_group_grant_without_a_council_is_refused_at_start():
    with pytest.raises(ParameterError, match="needs a council"):
        OidcProvider(
            name="x",
            issuer="https://idp.example.test",
            client_id="abc",
            groups={"g": {"role": "council_analyst"}},
        )
