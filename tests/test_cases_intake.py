"""Registering cases: what is stored, and every bad input refused with a message where it belongs
and nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.cases.detail import load_case
from app.cases.errors import FormInvalid
from app.cases.intake import IntakeForm, oral_record_template, parse_amount
from app.domain.enums import CaseStatus, PartyRole, Role, Sex
from app.store.models import (
    CaseCounter,
    CaseParty,
    DisputeCase,
    Enterprise,
    OutboxEntry,
    Person,
)
from app.store.store import Store
from tests.cases_support import (
    RECEIVED,
    AgentInput,
    ClaimInput,
    EnterpriseChoice,
    EnterpriseInput,
    credit_code,
    form,
    id_number,
    register,
    worker,
)
from tests.conftest import ADMIN_PASSWORD


def test_a_case_is_registered_with_its_parties_claims_and_number(store):
    case = register(store)
    assert case.case_no == "（2026）鼓楼鼓东劳调字第0001号"
    with store.read() as s:
        d = load_case(s, case.case_id)
        outbox = s.scalar(select(func.count()).select_from(OutboxEntry))
    assert d.status == CaseStatus.REGISTERED
    assert d.received_on == RECEIVED
    (applicant,) = d.applicants
    assert applicant.name == "张伟"
    # Sex and birth date come from the ID number.
    assert applicant.sex == Sex.MALE.label and applicant.birth_date == date(1988, 5, 17)
    assert d.respondent.name == "福州闽江餐饮管理有限公司"
    assert d.respondent.role == PartyRole.RESPONDENT
    assert [(c.dispute_type, c.amount) for c in d.claims] == [
        ("wages", Decimal("12000.00")),
        ("compensation", Decimal("6000.00")),
    ]
    assert d.mediator_name == "林站长"
    assert not d.is_collective and not d.is_construction
    assert outbox > 0  # every record synced through the outbox


def test_accept_on_the_spot(store):
    case = register(store, accept_now=True)
    with store.read() as s:
        d = load_case(s, case.case_id)
    assert d.status == CaseStatus.ACCEPTED and d.accepted_on == RECEIVED


def test_a_returning_worker_is_the_same_person(store):
    first = register(store)
    with store.read() as s:
        employer = load_case(s, first.case_id).respondent_id
    register(
        store,
        workers=[worker(phone="13905910002")],
        respondent=EnterpriseChoice(enterprise_id=employer),
    )
    with store.read() as s:
        people = s.scalars(select(Person).where(Person.id_number == id_number())).all()
    assert len(people) == 1 and people[0].phone == "13905910002"


def test_an_enterprise_from_the_roster(store):
    with store.unit_of_work() as s:
        e = Enterprise(name="福州榕城物业服务有限公司", credit_code=credit_code("MA2R0TER1"))
        s.add(e)
    case = register(store, respondent=EnterpriseChoice(enterprise_id=e.id))
    with store.read() as s:
        d = load_case(s, case.case_id)
        count = s.scalar(select(func.count()).select_from(Enterprise))
    assert d.respondent.enterprise_id == e.id and count == 1


def test_construction_case_has_project_contractor_and_subcontractor(store):
    case = register(
        store,
        is_construction=True,
        is_migrant_worker=True,
        project_name="鼓楼区某安置房项目",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建八闽建设工程有限公司", credit_code=credit_code("MA2GENC0N")
            )
        ),
    )
    with store.read() as s:
        d = load_case(s, case.case_id)
    roles = {p.role: p.name for p in d.respondents}
    assert roles == {
        PartyRole.SUBCONTRACTOR: "福州闽江餐饮管理有限公司",
        PartyRole.GENERAL_CONTRACTOR: "福建八闽建设工程有限公司",
    }
    assert d.project_name == "鼓楼区某安置房项目" and d.is_migrant_worker
    with store.read() as s:
        contractor = s.scalars(
            select(Enterprise).where(Enterprise.name == "福建八闽建设工程有限公司")
        ).one()
    # the same initials as the roster import gives (one table: 重 in 重庆, 长 in 长乐 …)
    assert contractor.name_initials == "FJBMJSGCYXGS"


def test_ten_workers_make_a_collective_case_with_representatives(store):
    workers = [
        worker(f"工人{'甲乙丙丁戊己庚辛壬癸'[i]}", seq=100 + i, is_representative=i < 2)
        for i in range(10)
    ]
    case = register(store, workers=workers)
    with store.read() as s:
        d = load_case(s, case.case_id)
    assert d.is_collective and len(d.applicants) == 10
    assert [p.name for p in d.representatives] == ["工人甲", "工人乙"]


def test_agents_for_either_party(store):
    case = register(
        store,
        agents=[
            AgentInput(
                side="applicant",
                name="赵律师",
                organisation="福建某律师事务所",
                phone="13800000001",
                authority="特别授权",
                for_worker=0,
            ),
            AgentInput(side="respondent", name="李经理", phone="0591-83000000"),
        ],
    )
    with store.read() as s:
        d = load_case(s, case.case_id)
    agents = {a.role: a for a in d.agents}
    assert agents[PartyRole.APPLICANT_AGENT].agent_for_name == "张伟"
    assert agents[PartyRole.APPLICANT_AGENT].authority == "特别授权"
    assert agents[PartyRole.RESPONDENT_AGENT].agent_for_name == "福州闽江餐饮管理有限公司"


def test_oral_application_keeps_the_on_the_spot_record(store):
    draft = oral_record_template(
        form(oral=True), "陈调解", __import__("datetime").datetime(2026, 3, 2, 1, 30).astimezone()
    )
    assert "张伟" in draft and "劳动报酬/拖欠工资" in draft and "口头方式" in draft
    case = register(store, oral=True, oral_record=draft)
    with store.read() as s:
        d = load_case(s, case.case_id)
    assert d.oral_application and d.oral_record == draft


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store for the bad-input cases: each must leave it empty, which the test checks."""
    store, _ = Store.create(
        tmp_path_factory.mktemp("intake") / "data", "GUDONG", "admin", "林站长", ADMIN_PASSWORD
    )
    yield store
    store.close()


def problems_of(store, **overrides) -> dict[str, str]:
    with pytest.raises(FormInvalid) as caught:
        register(store, **overrides)
    return caught.value.by_key()


@pytest.mark.parametrize(
    ("overrides", "key", "words"),
    [
        ({"received_on": date(2026, 3, 3)}, "received_on", "晚于今天"),
        ({"received_on": None}, "received_on", "不能为空"),
        ({"channel": "fax"}, "channel", "来源渠道"),
        ({"oral": True, "oral_record": ""}, "oral_record", "第十二条"),
        ({"workers": []}, "workers", "至少需要一名申请人"),
        ({"workers": [worker(name="")]}, "workers[0].name", "不能为空"),
        ({"workers": [worker(name="张3")]}, "workers[0].name", "不能含数字"),
        ({"workers": [worker(id_number="35010219880517001")]}, "workers[0].id_number", "应为18位"),
        (
            {
                "workers": [
                    worker(id_number=id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1"))
                ]
            },
            "workers[0].id_number",
            "校验位",
        ),
        ({"workers": [worker(sex=Sex.FEMALE)]}, "workers[0].sex", "与身份证号不符"),
        ({"workers": [worker(phone="1390591")]}, "workers[0].phone", "手机号码"),
        ({"workers": [worker(phone="")]}, "workers[0].phone", "至少一名申请人须留联系电话"),
        (
            {"workers": [worker(), worker(name="李四")]},
            "workers[1].id_number",
            "与申请人1的身份证号相同",
        ),
        ({"workers": [worker(is_representative=True)]}, "workers", "不适用推举代表"),
        (
            {"workers": [worker(f"工人{i}号", seq=200 + i) for i in range(10)]},
            "workers[0].name",
            "不能含数字",
        ),
        ({"respondent": EnterpriseChoice()}, "respondent", "请从企业名录中选择"),
        ({"respondent": EnterpriseChoice(enterprise_id="no-such-id")}, "respondent", "不存在"),
        (
            {
                "respondent": EnterpriseChoice(
                    new=EnterpriseInput(name="某公司", credit_code="91350102MA2XYZ12")
                )
            },
            "respondent.new.credit_code",
            "应为18位",
        ),
        (
            {"respondent": EnterpriseChoice(new=EnterpriseInput(name="某公司", phone="05-12"))},
            "respondent.new.phone",
            "电话号码",
        ),
        ({"claims": []}, "claims", "至少需要一项请求事项"),
        ({"claims": [ClaimInput("pension", "100")]}, "claims[0].dispute_type", "请选择争议类型"),
        ({"claims": [ClaimInput("wages", "一万")]}, "claims[0].amount", "不是有效的金额"),
        ({"claims": [ClaimInput("wages", "-5")]}, "claims[0].amount", "不能为负数"),
        ({"claims": [ClaimInput("wages", "10.005")]}, "claims[0].amount", "两位小数"),
        ({"facts": "  "}, "facts", "不能为空"),
        ({"is_construction": True, "project_name": ""}, "project_name", "工程项目名称"),
        (
            {"is_construction": True, "project_name": "某项目"},
            "general_contractor",
            "请从企业名录中选择",
        ),
        ({"agents": [AgentInput(name="", side="applicant")]}, "agents[0].name", "不能为空"),
        (
            {"agents": [AgentInput(name="赵", authority="全权")]},
            "agents[0].authority",
            "一般授权或特别授权",
        ),
        ({"agents": [AgentInput(name="赵", for_worker=3)]}, "agents[0].for_worker", "不存在"),
        ({"infringement_known_on": date(2026, 3, 5)}, "infringement_known_on", "不能晚于"),
        ({"mediator_id": "nobody"}, "mediator_id", "不存在"),
    ],
)
def test_bad_input_is_refused_where_it_is_and_nothing_is_written(
    shared_store, overrides, key, words
):
    store = shared_store
    problems = problems_of(store, **overrides)
    assert key in problems, problems
    assert words in problems[key], problems[key]
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(DisputeCase)) == 0
        assert s.scalar(select(func.count()).select_from(CaseParty)) == 0
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
        assert s.scalar(select(func.count()).select_from(CaseCounter)) == 0


def test_collective_case_without_representatives_is_lawful(store):
    """Art. 7: ten or more workers *may* elect representatives; they need not."""
    workers = [worker(f"工人{'甲乙丙丁戊己庚辛壬癸'[i]}", seq=300 + i) for i in range(10)]
    case = register(store, workers=workers)
    with store.read() as s:
        d = load_case(s, case.case_id)
    assert d.is_collective and d.representatives == []


def test_all_problems_are_reported_at_once(store):
    with pytest.raises(FormInvalid) as caught:
        register(store, facts="", claims=[], workers=[worker(name="")])
    keys = set(caught.value.by_key())
    assert {"facts", "claims", "workers[0].name"} <= keys
    assert "另有" in str(caught.value)


def test_credit_code_with_a_bad_check_character_needs_the_station_head(store, data_dir):
    code = credit_code("MA2CHECK0")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    new = EnterpriseInput(name="福州真实企业有限公司", credit_code=wrong)
    assert (
        "校验位"
        in problems_of(store, respondent=EnterpriseChoice(new=new))["respondent.new.credit_code"]
    )
    new.accept_failed_check = True
    store.add_user("med", "陈调解", Role.MEDIATOR, ADMIN_PASSWORD)
    with Store.open(data_dir, "med", ADMIN_PASSWORD) as mediator:
        assert (
            "站点管理员"
            in problems_of(mediator, respondent=EnterpriseChoice(new=new))[
                "respondent.new.credit_code"
            ]
        )
    case = register(store, respondent=EnterpriseChoice(new=new))
    with store.read() as s:
        e = s.get(Enterprise, load_case(s, case.case_id).respondent_id)
    assert e.credit_code == wrong and e.credit_code_accepted


def test_a_known_credit_code_must_be_picked_not_duplicated(store):
    register(store)
    problems = problems_of(store)
    assert "已在企业名录中" in problems["respondent.new.credit_code"]


def test_read_only_users_cannot_register(store, data_dir):
    from app.store.errors import PermissionDenied

    store.add_user("viewer", "督查", Role.READ_ONLY, ADMIN_PASSWORD)
    with Store.open(data_dir, "viewer", ADMIN_PASSWORD) as viewer, pytest.raises(PermissionDenied):
        register(viewer)


def test_amounts_typed_the_way_people_type_them():
    assert parse_amount("12,345.60元") == Decimal("12345.60")
    assert parse_amount("１２３４５") == Decimal("12345")
    assert parse_amount("  ") is None
    with pytest.raises(ValueError, match="不是有效的金额"):
        parse_amount("12k")


def test_intake_form_defaults_are_empty():
    empty = IntakeForm()
    assert empty.workers == [] and empty.claims == [] and empty.channel == "walk_in"
