import getpass

import pytest

from app.errors import DeskError
from app.services import access
from app.services.access import Actor, PermissionDenied, current_os_actor, may, require


def test_only_administrators_see_full_personal_data():
    assert may(Actor("王主任", access.ADMINISTRATOR), access.PERSONAL_DATA_FULL)
    for role in (access.DESK, access.GRID_WORKER, access.VIEWER):
        assert not may(Actor("某人", role), access.PERSONAL_DATA_FULL)


def test_permission_table():
    assert set(access.ROLES) == {"administrator", "desk", "grid_worker", "viewer"}
    for permission, roles in access.PERMISSIONS.items():
        assert roles <= set(access.ROLES)
        assert permission in access.PERMISSION_LABELS
        assert access.ADMINISTRATOR in roles  # administrators may do everything
    assert may(Actor("小李", access.DESK), access.RESIDENTS_IMPORT)
    assert not may(Actor("访客", access.VIEWER), access.RESIDENTS_IMPORT)


def test_unknown_permissions_roles_and_nobody_are_refused():
    assert not may(Actor("王主任", access.ADMINISTRATOR), "launch.rockets")
    assert not may(Actor("x", "superuser"), access.RESIDENTS_EXPORT)
    assert not may(None, access.RESIDENTS_EXPORT)
    with pytest.raises(PermissionDenied, match="没有登录"):
        require(None, access.RESIDENTS_EXPORT)


def test_refusal_says_who_what_and_who_may():
    with pytest.raises(PermissionDenied) as err:
        require(Actor("小李", access.DESK), access.PERSONAL_DATA_FULL)
    assert isinstance(err.value, DeskError)
    assert err.value.message == "小李（前台）无权查看或导出完整的身份证号和电话号码；只有以下角色可以：管理员。"
    require(Actor("王主任", access.ADMINISTRATOR), access.PERSONAL_DATA_FULL)  # no error


def test_refusal_in_english(english):
    with pytest.raises(PermissionDenied, match=r"Li \(Front desk\) may not see or export full ID"):
        require(Actor("Li", access.DESK), access.PERSONAL_DATA_FULL)


def test_the_operating_system_user_acts_at_the_front_desk():
    actor = current_os_actor()
    assert actor.name == getpass.getuser() and actor.role == access.DESK
    assert not may(actor, access.PERSONAL_DATA_FULL)


def test_no_user_name_available(monkeypatch):
    def fail():
        raise OSError("no user")

    monkeypatch.setattr(access.getpass, "getuser", fail)
    monkeypatch.setenv("USER", "desk1")
    monkeypatch.delenv("USERNAME", raising=False)
    assert current_os_actor() == Actor("desk1", access.DESK)
