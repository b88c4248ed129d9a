"""The enterprise service (form validation, admin-only code acceptance, local edits, search),
the CLI, and the fast paths held to the validators they stand in for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cli.common import PASSWORD_ENV
from app.domain.enums import ChangeOp, Role
from app.domain.validators import CREDIT_CODE_CHARS, check_credit_code
from app.paths import resource
from app.roster.initials import TABLE_FILE, build_table, name_initials
from app.roster.normalize import fast_code_ok
from app.roster.service import EnterpriseFilter, EnterpriseInvalid, EnterpriseService
from app.store import bulk
from app.store.models import AuditEvent, Enterprise, OutboxEntry
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.roster_files import bad_check_digit, code, write_roster


def test_form_validation_names_each_field(store):
    service = EnterpriseService(store)
    with pytest.raises(EnterpriseInvalid) as info:
        service.create({"credit_code": "12345", "name": " ", "phone": "12", "street_code": "火星",
                        "employee_count": "很多", "above_scale": "也许"})  # fmt: skip
    errors = info.value.errors
    assert set(errors) == {
        "credit_code",
        "name",
        "phone",
        "street_code",
        "employee_count",
        "above_scale",
    }
    assert errors["credit_code"].startswith("应为18位")
    assert errors["name"] == "不能为空"
    assert not info.value.overridable


def test_check_digit_failure_only_a_station_head_may_accept(store, data_dir):
    store.add_user("mediator", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    bad = bad_check_digit(7)
    service = EnterpriseService(store)
    with pytest.raises(EnterpriseInvalid) as info:
        service.create({"credit_code": bad, "name": "福州真实但少见有限公司"})
    assert info.value.overridable and "校验位不符" in info.value.errors["credit_code"]
    mediator = Store.open(data_dir, "mediator", "Mediator-pass-1")
    try:
        with pytest.raises(EnterpriseInvalid) as info:
            EnterpriseService(mediator).create(
                {"credit_code": bad, "name": "福州真实但少见有限公司"}, accept_code=True
            )
        assert "只有站点管理员" in info.value.errors["credit_code"]
    finally:
        mediator.close()
    e = service.create({"credit_code": bad, "name": "福州真实但少见有限公司"}, accept_code=True)
    assert e.credit_code_accepted and e.credit_code == bad
    with pytest.raises(EnterpriseInvalid, match="已登记为"):
        service.create({"credit_code": bad, "name": "另一家"}, accept_code=True)


def test_every_path_that_sets_a_name_fills_initials_and_edits_are_recorded(store, tmp_path):
    from app.roster.importer import import_file

    with store.unit_of_work() as s:
        e = Enterprise(name="中国银行福州分行", source="manual")
        s.add(e)
    assert e.name_initials == "ZGYHFZFH"
    with store.unit_of_work() as s:
        loaded = s.get(Enterprise, e.id)
        loaded.name = "厦门银行福州分行"
        loaded.phone = "13900000000"
    with store.read() as s:
        again = s.get(Enterprise, e.id)
        assert again.name_initials == "XMYHFZFH"
        assert again.local_edits is None  # never imported: all its values count as local
    import_file(
        store, write_roster(tmp_path / "r.xlsx", [[code(3), "福州三坊科技有限公司", "张三"]])
    )
    imported = EnterpriseService(store).find_by_code(code(3))
    with store.unit_of_work() as s:
        loaded = s.get(Enterprise, imported.id)
        loaded.name = "福州七巷科技有限公司"
        loaded.legal_rep = "李四"
    with store.read() as s:
        again = s.get(Enterprise, imported.id)
        assert again.name_initials == "FZQXKJYXGS"
        assert set(again.local_edits) == {"name", "legal_rep"}


def test_search_by_name_code_legal_rep_and_initials(store):
    service = EnterpriseService(store)
    service.create({"credit_code": code(1), "name": "福州软件园开发有限公司", "legal_rep": "陈一",
                    "street_code": "GUDONG", "has_union": True, "size_class": "small"})  # fmt: skip
    service.create({"credit_code": code(2), "name": "长乐重工机械有限公司", "legal_rep": "林二",
                    "street_code": "WUFENG", "above_scale": True})  # fmt: skip

    def names(**kw) -> list[str]:
        f = EnterpriseFilter(**kw)
        rows = service.page(f, 0, 50)
        assert service.count(f) == len(rows)
        return [r[1] for r in rows]

    assert names(text="软件园") == ["福州软件园开发有限公司"]
    assert names(text="fzrjy") == ["福州软件园开发有限公司"]
    assert names(text="CLZG") == ["长乐重工机械有限公司"]
    assert names(text=code(2)[-6:].lower()) == ["长乐重工机械有限公司"]
    assert names(text="林二") == ["长乐重工机械有限公司"]
    assert names(street_code="GUDONG") == ["福州软件园开发有限公司"]
    assert names(has_union=False) == ["长乐重工机械有限公司"]
    assert names(above_scale=True, size_class="small") == []
    assert names(text="100%_") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CREDIT_CODE_CHARS + "IOZSV", min_size=16, max_size=19))
def test_fast_code_check_agrees_with_the_validator(text):
    assert fast_code_ok(text) == check_credit_code(text).ok


def test_codes_with_an_e_are_not_taken_for_scientific_notation():
    from app.roster.normalize import Bad, parse_credit_code

    first17 = "913501020000060E8"
    from app.domain.validators import credit_code_check_char

    valid = first17 + credit_code_check_char(first17)
    assert parse_credit_code(f" {valid} ") == valid
    with pytest.raises(Bad, match="科学计数法"):
        parse_credit_code("9.13501E+17")


def test_fast_code_check_on_valid_codes():
    assert all(fast_code_ok(code(i)) for i in range(200))
    assert not any(fast_code_ok(bad_check_digit(i)) for i in range(200))


def test_bulk_record_writes_what_the_orm_change_hook_writes(store):
    """The bulk path and the ORM hook leave the same audit and outbox rows, stored the same way."""
    with store.unit_of_work() as s:
        e = Enterprise(name="经ORM写入的企业")
        s.add(e)
    bulk_id = "00000000-0000-4000-8000-000000000001"
    with store.unit_of_work() as s:
        bulk.record_bulk(s, "enterprise", [(bulk_id, 1, ChangeOp.INSERT)], action="insert",
                         summary=f"企业 {bulk_id[:8]}")  # fmt: skip
    with store.read() as s:
        audit = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        outbox = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        raw = (
            s.connection().exec_driver_sql("SELECT at, changes FROM audit_event ORDER BY id").all()
        )
        raw_out = (
            s.connection().exec_driver_sql("SELECT op, created_at FROM outbox ORDER BY seq").all()
        )

    def shape(a):
        return (a.user_id, a.action, a.entity, a.summary[:3], a.changes)

    assert shape(audit[0]) == shape(audit[1])
    assert [(o.entity, o.version, o.op) for o in outbox] == [("enterprise", 1, ChangeOp.INSERT)] * 2
    assert outbox[1].entity_id == bulk_id and audit[1].entity_id == bulk_id
    # stored the same way (text formats, JSON null) as the ORM stores them
    assert [type(v) for v in raw[0]] == [type(v) for v in raw[1]] and raw[0][1] == raw[1][1]
    assert raw_out[0][0] == raw_out[1][0] and len(raw_out[0][1]) == len(raw_out[1][1])
    assert len(raw[0][0]) == len(raw[1][0])


def test_new_ids_are_uuid4():
    import uuid

    for value in bulk.new_ids(50):
        assert uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


def test_pinyin_table_matches_pypinyin():
    with resource(*TABLE_FILE).open(encoding="utf-8") as fh:
        shipped = json.load(fh)
    assert shipped == build_table(), "regenerate with: python -m app.roster.initials"
    assert name_initials("重庆银行福州分行") == "CQYHFZFH"
    assert name_initials("福州长乐贸易商行") == "FZCLMYSH"
    assert name_initials("福州市长乐区鼓楼银行") == "FZSCLQGLYH"
    assert name_initials("福州某某公司董事长办公室") == "FZMMGSDSZBGS"


# ---------------------------------------------------------------- the command line


def run_cli(data_dir, *args):
    env = {**__import__("os").environ, PASSWORD_ENV: ADMIN_PASSWORD}
    return subprocess.run([sys.executable, "-m", "app", *args, "--data-dir", str(data_dir), "--user", ADMIN],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def test_cli_import_and_export(store, data_dir, tmp_path):
    store.close()
    path = write_roster(tmp_path / "名录.xlsx", [
        [code(1), "福州闽江科技有限公司", "张三", "13912345678", "鼓东", 10],
        [code(2), "福州榕城科技有限公司", "李四", "123", "鼓东", 10],
    ])  # fmt: skip
    dry = run_cli(
        data_dir, "import-roster", str(path), "--dry-run", "--errors", str(tmp_path / "e.xlsx")
    )
    assert dry.returncode == 0, dry.stderr
    assert "new=1 updated=0 unchanged=0 invalid=1 conflicts=0" in dry.stdout
    assert "第4行：联系电话" in dry.stdout and (tmp_path / "e.xlsx").exists()
    done = run_cli(data_dir, "import-roster", str(path))
    assert "new=1" in done.stdout and "导入完成" in done.stdout
    again = run_cli(data_dir, "import-roster", str(path))
    assert "new=0 updated=0 unchanged=1" in again.stdout
    out = run_cli(
        data_dir,
        "export-roster",
        str(tmp_path / "out.xlsx"),
        "--search",
        "fzmj",
        "--street",
        "鼓东",
    )
    assert out.returncode == 0 and "已导出 1 家企业" in out.stdout
    bad = tmp_path / "x.xlsx"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    failed = run_cli(data_dir, "import-roster", str(bad))
    assert failed.returncode != 0 and "CSV" in failed.stderr


def test_imported_rows_are_stored_as_the_orm_stores_them(store, tmp_path):
    """The import binds only each row's own values (constants are literals of its statement):
    every column, and its outbox entry, still stores what an ORM insert stores."""
    from app.roster.importer import import_file
    from app.store.models import utcnow

    with store.unit_of_work() as s:
        s.add(Enterprise(credit_code=code(901), name="经ORM写入的企业", legal_rep="李四",
                         phone="13900000901", street_code="GUDONG", employee_count=12,
                         source="import", last_import_at=utcnow()))  # fmt: skip
    path = write_roster(tmp_path / "名录.xlsx",
                        [[code(902), "福州导入写入有限公司", "张三", "13900000902", "鼓东", 12]])  # fmt: skip
    import_file(store, path)
    columns = [c.name for c in Enterprise.__table__.columns]
    typed = ", ".join(f"typeof({c}), length({c})" for c in columns)
    with store.read() as s:
        connection = s.connection()
        orm, imported = connection.exec_driver_sql(
            f"SELECT {typed} FROM enterprise ORDER BY created_at").all()  # fmt: skip
        outbox = connection.exec_driver_sql(
            "SELECT entity, typeof(entity_id), version, op, length(created_at) FROM outbox "
            "ORDER BY seq").all()  # fmt: skip
    differ = {columns[i // 2] for i, (a, b) in enumerate(zip(orm, imported, strict=True))
              if i % 2 == 0 and a != b}  # fmt: skip
    assert not differ, differ
    assert orm[columns.index("created_at") * 2 + 1] == imported[columns.index("created_at") * 2 + 1]
    assert outbox[0] == outbox[1]
