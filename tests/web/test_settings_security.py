"""Settings refuse placeholder secrets in production; passwords, sessions and CSRF tokens behave."""

import pytest

from carecast.errors import ParameterError
from carecast.web.security import csrf_for, csrf_matches, hash_password, verify_password
from carecast.web.settings import PLACEHOLDER_SECRET, Settings


def test_production_refuses_placeholder_secret():
    with pytest.raises(ParameterError) as err:
        Settings(environment="production", secret_key=PLACEHOLDER_SECRET)
    assert "CARECAST_SECRET_KEY" in err.value.fix


def test_production_refuses_short_secret_but_accepts_a_long_one(tmp_path):
    with pytest.raises(ParameterError):
        Settings(environment="production", secret_key="short-but-8")
    ok = Settings(environment="production", secret_key="x" * 40, data_dir=tmp_path)
    assert ok.secret_key == "x" * 40


def test_dev_allows_placeholder():
    assert Settings(environment="dev").secret_key == PLACEHOLDER_SECRET


def test_from_env_reads_prefixed_variables(tmp_path):
    s = Settings.from_env(
        {
            "CARECAST_MAX_UPLOAD_MB": "7",
            "CARECAST_DATA_DIR": str(tmp_path),
            "CARECAST_ENVIRONMENT": "test",
        }
    )
    assert s.max_upload_mb == 7 and s.max_upload_bytes == 7 * 1024 * 1024 and s.data_dir == tmp_path


def test_from_env_bad_value_is_a_parameter_error():
    with pytest.raises(ParameterError) as err:
        Settings.from_env({"CARECAST_MAX_UPLOAD_MB": "lots"})
    assert "max_upload_mb" in err.value.message


def test_password_hash_is_argon2_and_verifies_only_the_right_password():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password("correct horse battery", stored) == (True, None)
    assert not verify_password("correct horse batterx", stored)
    assert not verify_password("anything", "not-a-hash")
    assert hash_password("same") != hash_password("same")  # salted


def legacy_scrypt(password: str) -> str:
    """A hash in the format carecast's earlier scrypt code stored (n=2**14, r=8, p=1)."""
    import hashlib

    salt = bytes(range(16))
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def test_legacy_scrypt_hash_verifies_and_asks_for_an_argon2_replacement():
    stored = legacy_scrypt("correct horse battery")
    check = verify_password("correct horse battery", stored)
    assert check.ok and check.new_hash.startswith("$argon2id$")
    assert verify_password("correct horse battery", check.new_hash).ok
    assert verify_password("wrong horse battery", stored) == (False, None)
    assert not verify_password("x", "scrypt$not$a$valid$hash$zz")


def test_csrf_token_is_bound_to_session_and_secret():
    token = csrf_for("secret-one", "session-a")
    assert csrf_matches("secret-one", "session-a", token)
    assert not csrf_matches("secret-one", "session-b", token)
    assert not csrf_matches("secret-two", "session-a", token)
    assert not csrf_matches("secret-one", "session-a", None)
