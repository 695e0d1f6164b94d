import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import DeskError, NotFoundError, ValidationError
from app.models import AuditLog, Staff
from app.services import access, accounts, audit
from app.services.access import Actor, PermissionDenied
from app.services.accounts import LoginError

T0 = dt.datetime(2026, 11, 27, 9, 0, 0)
PASSWORD = "lianban-2026"


@pytest.fixture
def boss(db):
    """The first administrator of a new centre."""
    return accounts.create_first_administrator(db, "wangfang", "王芳", PASSWORD)


@pytest.fixture
def clerk(db, boss):
    """A front-desk account: its id."""
    return accounts.add_staff(db, "xiaoli", "李小丽", access.DESK, "desk-pass-1", actor=boss)


def audit_rows(db, action=None):
    with db.session() as s:
        stmt = select(AuditLog).order_by(AuditLog.id)
        if action:
            stmt = stmt.where(AuditLog.action == action)
        return list(s.scalars(stmt))


# -- passwords ---------------------------------------------------------------------

def test_password_hashes_are_salted_scrypt_and_verified():
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    kind, n, r, p, salt, digest = first.split("$")
    assert (kind, n, r, p) == ("scrypt", "16384", "8", "1")
    import base64

    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert first != second  # a random salt each time
    assert PASSWORD not in first
    assert accounts.verify_password(PASSWORD, first) and accounts.verify_password(PASSWORD, second)
    assert not accounts.verify_password(PASSWORD + "x", first)
    assert not accounts.verify_password(PASSWORD, first[:-4] + "AAA=")  # tampered hash
    assert not accounts.verify_password(PASSWORD, "plain-text")
    assert not accounts.verify_password(PASSWORD, "")


def test_passwords_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = accounts.hmac.compare_digest
    monkeypatch.setattr(accounts.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert accounts.verify_password(PASSWORD, accounts.hash_password(PASSWORD))
    assert calls


def test_full_width_characters_typed_with_an_input_method_are_the_same_password():
    stored = accounts.hash_password("abc12345")
    assert accounts.verify_password("ａｂｃ１２３４５", stored)


def test_short_passwords_are_refused(db, boss):
    with pytest.raises(ValidationError) as err:
        accounts.add_staff(db, "xiaoli", "", access.DESK, "1234567", actor=boss)
    assert set(err.value.fields) == {"password"} and "8" in err.value.fields["password"]
    with pytest.raises(ValidationError):
        accounts.reset_password(db, 1, "short", actor=boss)


# -- first start ---------------------------------------------------------------------

def test_a_new_database_needs_its_first_administrator_and_has_no_default_password(db):
    assert accounts.needs_first_administrator(db)
    for guess in ("admin", "123456", "password", ""):
        with pytest.raises(LoginError):
            accounts.login(db, "admin", guess, now=T0)
    actor = accounts.create_first_administrator(db, " WangFang ", "王芳", PASSWORD)
    assert actor == Actor("wangfang", access.ADMINISTRATOR)
    assert not accounts.needs_first_administrator(db)
    with pytest.raises(PermissionDenied):
        accounts.create_first_administrator(db, "other", "", PASSWORD)
    assert [r.actor_name for r in audit_rows(db, "login_failed")] == ["?"] * 4  # no such account
    [row] = audit_rows(db, "create")
    assert (row.actor_name, row.action, row.entity, row.summary) == ("wangfang", "create", "staff", "wangfang")
    assert "scrypt" not in row.changes and "password" not in row.changes


def test_recovery_adds_an_administrator_even_when_accounts_exist(db, boss, monkeypatch):
    monkeypatch.setattr(access, "os_user_name", lambda: "support")
    with pytest.raises(DeskError, match="--force"):  # an active administrator exists
        accounts.add_administrator_for_recovery(db, "rescue", "rescue-pass-1")
    staff_id = accounts.add_administrator_for_recovery(db, "rescue", "rescue-pass-1", force=True)
    assert accounts.login(db, "rescue", "rescue-pass-1", now=T0).role == access.ADMINISTRATOR
    row = audit_rows(db, "create")[-1]
    assert (row.actor_name, row.actor_role, row.entity_id) == ("support", access.DESK, staff_id)


# -- administrators' work ---------------------------------------------------------------

def test_administrators_add_staff_with_unique_names_and_known_roles(db, boss, clerk):
    with pytest.raises(ValidationError, match="xiaoli"):
        accounts.add_staff(db, "XiaoLi", "", access.VIEWER, "another-pass", actor=boss)
    with pytest.raises(ValidationError) as err:
        accounts.add_staff(db, "two words", "", "superuser", "another-pass", actor=boss)
    assert set(err.value.fields) == {"username", "role"}
    listed = accounts.list_staff(db, actor=boss)
    assert [(s.username, s.display_name, s.role) for s in listed] == [
        ("wangfang", "王芳", access.ADMINISTRATOR), ("xiaoli", "李小丽", access.DESK)]
    assert not any(hasattr(s, "password_hash") for s in listed)


def test_staff_other_than_administrators_cannot_manage_accounts(db, boss, clerk):
    desk = accounts.login(db, "xiaoli", "desk-pass-1", now=T0)
    with pytest.raises(PermissionDenied, match="管理员"):
        accounts.add_staff(db, "newbie", "", access.VIEWER, "newbie-pass", actor=desk)
    with pytest.raises(PermissionDenied):
        accounts.list_staff(db, actor=desk)
    with pytest.raises(PermissionDenied):
        accounts.set_staff_role(db, clerk, access.ADMINISTRATOR, actor=desk)


def test_the_last_active_administrator_cannot_be_deactivated_or_demoted(db, boss, clerk):
    with db.session() as s:
        boss_id = s.scalar(select(Staff.id).where(Staff.username == "wangfang"))
    with pytest.raises(ValidationError, match="最后一位"):
        accounts.set_staff_active(db, boss_id, False, actor=boss)
    with pytest.raises(ValidationError, match="最后一位"):
        accounts.set_staff_role(db, boss_id, access.DESK, actor=boss)
    accounts.set_staff_role(db, clerk, access.ADMINISTRATOR, actor=boss)  # now there are two
    accounts.set_staff_role(db, boss_id, access.DESK, actor=boss)
    with pytest.raises(ValidationError):
        accounts.set_staff_active(db, clerk, False, actor=boss)  # the last one again
    roles = [(r.action, r.changes) for r in audit_rows(db, "update")]
    assert ("update", '{"role": ["desk", "administrator"]}') in roles


def test_a_deactivated_account_cannot_sign_in_until_reactivated(db, boss, clerk):
    accounts.set_staff_active(db, clerk, False, actor=boss)
    with pytest.raises(LoginError, match="停用"):
        accounts.login(db, "xiaoli", "desk-pass-1", now=T0)
    assert audit_rows(db, "login_failed")[-1].entity_id == clerk
    accounts.set_staff_active(db, clerk, True, actor=boss)
    assert accounts.login(db, "xiaoli", "desk-pass-1", now=T0).name == "xiaoli"
    assert [r.action for r in audit_rows(db) if r.entity_id == clerk and r.action.endswith("activate")] == [
        "deactivate", "reactivate"]


def test_unknown_account_numbers_are_not_found(db, boss):
    with pytest.raises(NotFoundError):
        accounts.set_staff_active(db, 99, False, actor=boss)


# -- signing in ------------------------------------------------------------------------------

def test_login_returns_the_actor_records_the_time_and_audits(db, boss, clerk):
    actor = accounts.login(db, " XiaoLi ", "desk-pass-1", now=T0)
    assert actor == Actor("xiaoli", access.DESK)
    [info] = [s for s in accounts.list_staff(db, actor=boss) if s.username == "xiaoli"]
    assert info.last_login_at == T0 and info.failed_attempts == 0
    row = audit_rows(db, "login")[-1]
    assert (row.actor_name, row.actor_role, row.entity_id) == ("xiaoli", access.DESK, clerk)


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(db, boss, clerk):
    with pytest.raises(LoginError) as unknown:
        accounts.login(db, "nobody", "desk-pass-1", now=T0)
    with pytest.raises(LoginError) as wrong:
        accounts.login(db, "xiaoli", "wrong-pass", now=T0)
    assert unknown.value.message == wrong.value.message
    failed = audit_rows(db, "login_failed")
    assert [(r.actor_name, r.entity_id) for r in failed] == [("?", None), ("xiaoli", clerk)]
    assert "wrong-pass" not in "".join(r.summary + r.changes for r in failed)


def test_a_password_typed_into_the_name_field_is_not_kept(db, boss):
    with pytest.raises(LoginError):
        accounts.login(db, "Lianban-2026!", "", now=T0)
    [failed] = audit_rows(db, "login_failed")
    kept = " ".join(str(v) for v in (failed.actor_name, failed.actor_role, failed.summary, failed.changes))
    assert "lianban-2026" not in kept.casefold()


def _fail(db, times, at):
    for _i in range(times):
        with pytest.raises(LoginError):
            accounts.login(db, "xiaoli", "wrong-pass", now=at)


def test_five_wrong_passwords_make_the_account_wait(db, boss, clerk, monkeypatch):
    _fail(db, 4, T0)
    assert accounts.login(db, "xiaoli", "desk-pass-1", now=T0).name == "xiaoli"  # resets the count
    _fail(db, 5, T0)
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda p, h: checked.append(p) or real(p, h))
    # During the wait even the right password is refused, and it is not even checked.
    with pytest.raises(LoginError, match="29 秒") as err:
        accounts.login(db, "xiaoli", "desk-pass-1", now=T0 + dt.timedelta(seconds=1))
    assert "密码" in err.value.message and checked == []
    [info] = [s for s in accounts.list_staff(db, actor=boss) if s.username == "xiaoli"]
    assert info.failed_attempts == 5 and info.locked_until == T0 + dt.timedelta(seconds=30)
    # After the wait the right password works.
    assert accounts.login(db, "xiaoli", "desk-pass-1", now=T0 + dt.timedelta(seconds=30)).name == "xiaoli"


def test_each_further_wrong_password_doubles_the_wait_up_to_fifteen_minutes(db, boss, clerk):
    _fail(db, 5, T0)
    now, waits = T0, []
    for _i in range(7):
        info = [s for s in accounts.list_staff(db, actor=boss) if s.username == "xiaoli"][0]
        waits.append(int((info.locked_until - now).total_seconds()))
        now = info.locked_until
        _fail(db, 1, now)
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    with pytest.raises(LoginError, match="900 秒"):
        accounts.login(db, "xiaoli", "desk-pass-1", now=now)


def test_english_wait_message(db, boss, clerk, english):
    _fail(db, 5, T0)
    with pytest.raises(LoginError, match="wait 30 seconds"):
        accounts.login(db, "xiaoli", "desk-pass-1", now=T0)


def test_an_administrator_resets_a_forgotten_password_and_ends_the_wait(db, boss, clerk):
    _fail(db, 5, T0)
    accounts.reset_password(db, clerk, "brand-new-pass", actor=boss)
    assert accounts.login(db, "xiaoli", "brand-new-pass", now=T0).name == "xiaoli"
    row = audit_rows(db, "update")[-1]
    assert row.actor_name == "wangfang" and row.entity_id == clerk and "scrypt" not in row.changes


def test_staff_change_their_own_password_with_the_old_one(db, boss, clerk):
    desk = accounts.login(db, "xiaoli", "desk-pass-1", now=T0)
    with pytest.raises(ValidationError):
        accounts.change_password(db, "not-the-old-one", "brand-new-pass", actor=desk)
    accounts.change_password(db, "desk-pass-1", "brand-new-pass", actor=desk)
    with pytest.raises(LoginError):
        accounts.login(db, "xiaoli", "desk-pass-1", now=T0)
    assert accounts.login(db, "xiaoli", "brand-new-pass", now=T0) == desk


def test_no_password_hash_ever_reaches_the_audit_trail(db, boss, clerk):
    accounts.reset_password(db, clerk, "brand-new-pass", actor=boss)
    accounts.login(db, "xiaoli", "brand-new-pass", now=T0)
    entries = audit.query(db, actor=boss)
    assert entries
    text = repr([(e.summary, e.changes) for e in entries])
    assert "scrypt" not in text and "brand-new-pass" not in text and "desk-pass-1" not in text
