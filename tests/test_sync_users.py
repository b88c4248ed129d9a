"""Users and roles across a station's PCs (issue 11): two real station stores of one station and a
real ``labor-district`` process on loopback. Passwords and key slots never leave a PC."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.enums import Role
from app.store.errors import BadCredentials
from app.store.models import AuditEvent, UserAccount
from app.store.store import Store
from app.sync import sync_once
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403
from tests.test_sync_replication import join_pc

pytestmark = pytest.mark.slow

PW = "Mediator-Pass-2026"


def accounts(store) -> dict[str, tuple]:
    with store.read() as s:
        return {
            u.username: (u.id, u.display_name, Role(u.role).value, bool(u.active))
            for u in s.scalars(select(UserAccount))
        }


def can_login(store, username: str, password: str) -> bool:
    try:
        Store.open(store.data_dir, username, password).close()
    except BadCredentials:
        return False
    return True


def both_ok(*results) -> None:
    for r in results:
        assert r.ok, r.problem


def test_users_added_disabled_and_reroled_reach_the_other_pc(
    district, station_a, tmp_path, qtbot, qapp
):
    a = station_a
    a.add_user("tiaojie", "调解员甲", Role.MEDIATOR, PW)
    a.add_user("chuangkou", "窗口乙", Role.READ_ONLY, PW)
    both_ok(sync_once(a))
    joined = join_pc(tmp_path, district, "pc-b")
    b = joined.store
    try:
        # the station's users arrived with the join; the administrator is one account
        assert accounts(b) == accounts(a)
        assert b.user.id == accounts(a)[ADMIN][0]
        assert any("tiaojie" in n and "尚未设置密码" in n for n in joined.notes)
        # ... without their passwords: they cannot log in here until the admin sets one
        assert not b.has_password_here("tiaojie") and not can_login(b, "tiaojie", PW)
        assert b.has_password_here(ADMIN)
        # the administrator sees who needs a password here, and opens the station's 操作记录
        from app.ui.application import setup_application
        from app.ui.context import AppContext
        from app.ui.sections.settings import SettingsSection

        setup_application(qapp)
        ctx = AppContext(b)
        section = SettingsSection(ctx)
        qtbot.addWidget(section)
        model = section.users_model
        status = {u.username: model.cells(u)[3] for u in model.users}
        assert status["tiaojie"] == "启用（本机未设置密码，请重置密码）"
        assert status[ADMIN] == "启用"
        log = section.open_audit_log()
        qtbot.addWidget(log)
        qtbot.waitUntil(lambda: not log.model.loading, timeout=15_000)
        synced = [r for r in log.model.rows if r.action == "用户同步"]
        assert {r.record for r in synced} >= {"调解员甲", "窗口乙"} and synced[0].user == "系统"
        ctx.pool.waitForDone(10_000)
        b.reset_password("tiaojie", "Tiaojie-on-pc-b-2026")
        assert can_login(b, "tiaojie", "Tiaojie-on-pc-b-2026")
        assert can_login(a, "tiaojie", PW)  # a password set on one PC stays on it

        # disabled and re-roled on PC A: after the next syncs, the same on PC B
        a.set_user_active("tiaojie", False)
        a.set_user_role("chuangkou", Role.MEDIATOR)
        both_ok(sync_once(a), sync_once(b))
        assert accounts(b) == accounts(a)
        assert accounts(b)["tiaojie"][3] is False and accounts(b)["chuangkou"][2] == "mediator"
        assert not b.has_password_here("tiaojie")  # the slot went, as when disabled here
        assert not can_login(b, "tiaojie", "Tiaojie-on-pc-b-2026")
        with b.read() as s:
            lines = list(s.scalars(select(AuditEvent.summary).where(
                AuditEvent.action == "user_sync")))  # fmt: skip
        assert any("停用" in t for t in lines) and any("角色改为调解员" in t for t in lines)

        # a user added on PC B reaches PC A (without a password there)
        b.add_user("xinren", "新同事", Role.MEDIATOR, PW)
        both_ok(sync_once(b), sync_once(a))
        assert accounts(a) == accounts(b)
        assert can_login(b, "xinren", PW) and not can_login(a, "xinren", PW)

        # both PCs change the same user offline: fields merge, the disabling is not undone
        a.set_user_role("xinren", Role.READ_ONLY)
        b.set_user_active("xinren", False)
        both_ok(sync_once(a), sync_once(b), sync_once(a))
        assert accounts(a) == accounts(b)
        assert accounts(a)["xinren"][2:] == ("read_only", False)
        assert not can_login(b, "xinren", PW) and not can_login(a, "xinren", PW)

        # nothing moves on another round
        ra, rb = sync_once(a), sync_once(b)
        both_ok(ra, rb)
        assert accounts(a) == accounts(b)
        with a.read() as s:
            assert all(u.sync_base and u.sync_base["fields"]["username"] == u.username
                       for u in s.scalars(select(UserAccount)))  # fmt: skip
    finally:
        b.close()


def test_the_same_user_name_on_two_pcs_is_not_merged_silently(district, station_a, tmp_path):
    a = station_a
    both_ok(sync_once(a))
    joined = join_pc(tmp_path, district, "pc-b")
    b = joined.store
    try:
        a.add_user("tongming", "甲电脑的同名用户", Role.MEDIATOR, PW)
        b.add_user("tongming", "乙电脑的同名用户", Role.READ_ONLY, "Another-Pass-2026")
        ra, rb = sync_once(a), sync_once(b)
        both_ok(ra, rb)
        assert any("tongming" in n and "另一位用户" in n for n in rb.notes)
        assert accounts(b)["tongming"][1] == "乙电脑的同名用户"  # each PC keeps its own
        assert accounts(a)["tongming"][1] == "甲电脑的同名用户"
        assert can_login(b, "tongming", "Another-Pass-2026") and can_login(a, "tongming", PW)
    finally:
        b.close()


def test_a_join_does_not_take_a_role_through_a_user_name(district, station_a, tmp_path):
    """A new PC's administrator named like a station mediator stays a separate account."""
    a = station_a
    a.add_user("zhangsan", "张三", Role.MEDIATOR, PW)
    both_ok(sync_once(a))
    from app.sync.join import join
    from tests.test_sync_replication import device_code

    result = join(tmp_path / "pc-c", district.url, device_code(district, name="pc-c"),
                  district.ca_pem, "zhangsan", ADMIN_PASSWORD)  # fmt: skip
    c = result.store
    try:
        assert c.user.id != accounts(a)["zhangsan"][0] and c.user.is_admin
        assert any("zhangsan" in n and "另一位用户" in n for n in result.notes)
        assert accounts(a)["zhangsan"][2] == "mediator"  # the station's mediator is unchanged
    finally:
        c.close()
