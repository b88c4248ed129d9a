"""Printed case documents: real PDFs whose extracted text holds the parties, amounts and case
number, whose fonts are all embedded, with page numbers; and the command line that prints them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from app.cases import agreements, workflow
from app.cases.detail import load_case
from app.documents.case_documents import (
    DocumentUnavailable,
    load_context,
    render,
    render_agreement_content,
    sample_agreement_content,
)
from app.domain.enums import AgreementStatus, CaseStatus, FailureReason
from tests.cases_support import (
    RECEIVED,
    SIGNED_ON,
    AgentInput,
    EnterpriseChoice,
    EnterpriseInput,
    agreement_input,
    credit_code,
    in_mediation,
    register,
    signed,
    worker,
)
from tests.conftest import ADMIN_PASSWORD


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assert_fonts_embedded(pdf: bytes, tmp_path) -> None:
    """Every font of the PDF is embedded: checked with pdffonts (poppler) and with pypdf."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for base, font in fonts.items():
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None and "/FontFile2" in descriptor.get_object(), base
    if shutil.which("pdffonts"):
        path = tmp_path / "check.pdf"
        path.write_bytes(pdf)
        lines = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
        rows = lines.splitlines()[2:]
        assert rows, lines
        for row in rows:
            emb = row.split()[-5]
            assert emb == "yes", row


def ctx_for(store, case_id, today=date(2026, 3, 6)):
    return load_context(store, case_id, today=today)


@pytest.fixture
def rich_case(store):
    """A signed case with two applicants, an agent and an oral application."""
    case_id, agreement_id = signed(
        store,
        workers=[worker(), worker("李秀英", seq=33, male=False, address="福州市鼓楼区杨桥路8号")],
        agents=[
            AgentInput(
                side="applicant", name="赵律师", organisation="福建某律师事务所", for_worker=0
            )
        ],
        oral=True,
        oral_record="申请人张伟于2026年3月2日9时30分到站口头申请调解，称被申请人拖欠工资。",
        infringement_known_on=date(2026, 2, 28),
    )
    return case_id, agreement_id


def test_every_kind_renders_with_the_parties_amounts_and_case_number(store, rich_case, tmp_path):
    case_id, _ = rich_case
    ctx = ctx_for(store, case_id)
    d = ctx.detail
    case_no = d.case_no
    applicant = d.applicants[0]
    for kind in ("application", "register", "acceptance", "session_record", "agreement"):
        pdf = render(kind, ctx)
        assert pdf.startswith(b"%PDF")
        text = pdf_text(pdf)
        assert case_no in text, kind
        assert applicant.name in text and "李秀英" in text, kind
        assert "福州闽江餐饮管理有限公司" in text, kind
        assert_fonts_embedded(pdf, tmp_path)
    application = pdf_text(render("application", ctx))
    for expected in (
        applicant.id_number,
        "13905910001",
        credit_code(),
        "林建国",
        "12,000.00",
        "6,000.00",
        "口头申请当场记录",
        "到站口头申请调解",
        "赵律师",
    ):
        assert expected in application, expected
    session = pdf_text(render("session_record", ctx))
    assert (
        "鼓东街道劳动关系服务室" in session and "资金周转困难" in session and "第1次调解" in session
    )
    acceptance = render("acceptance", ctx)
    # notice, rights-and-duties sheet, the employer's notice (with the delivery receipt)
    assert "参加调解通知书" in pdf_text(acceptance) and page_count(acceptance) >= 3


def test_the_agreement_carries_every_field_published_formats_carry(store, rich_case, tmp_path):
    case_id, _ = rich_case
    ctx = ctx_for(store, case_id)
    d = ctx.detail
    text = pdf_text(render("agreement", ctx))
    a = d.applicants[0]
    for expected in (
        a.name,
        "男",
        "1988年5月17日",
        "37岁",
        a.id_number,
        a.address,
        a.phone,
        "福州闽江餐饮管理有限公司",
        credit_code(),
        "林建国",
        "福州市鼓楼区东街88号",
        "0591-87654321",
        "赵律师",
        "劳动报酬/拖欠工资",
        "8,000.00",
        "捌仟元整",
        "2026年3月20日",
        "银行转账",
        "4,000.50",
        "肆仟元伍角",
        "出具解除劳动合同证明",
        "12,000.50",
        "2026年4月10日前履行完毕",
        "各方当事人各执一份",
        "（以下无正文）",
        "支付令",
        "第十六条",
        "第十四条",
        "（签名）",
        "（盖章）",
        "福州市鼓楼区鼓东街道劳动争议调解委员会（印章）",
        "2026年3月5日",
    ):
        assert expected in text, expected
    copies = len(d.applicants) + len(d.respondents) + 1
    assert f"一式{'二三四五六七八九十'[copies - 2]}份" in text
    assert "再无其他争议" not in text  # never added by the program


def test_draft_and_superseded_versions_are_marked(store):
    case_id = in_mediation(store)
    agreements.save_draft(store, case_id, agreement_input())
    draft = pdf_text(render("agreement", ctx_for(store, case_id)))
    assert "草稿（尚未签署，不具有效力）" in draft
    with store.read() as s:
        draft_id = load_case(s, case_id).draft_agreement.id
    agreements.sign(store, draft_id, signed_on=SIGNED_ON, today=SIGNED_ON)
    v2 = agreements.new_version(store, case_id, "延期支付")
    agreements.sign(store, v2, signed_on=date(2026, 3, 9), today=date(2026, 3, 9))
    ctx = ctx_for(store, case_id, today=date(2026, 3, 9))
    old = pdf_text(render("agreement", ctx, version_no=1))
    new = pdf_text(render("agreement", ctx))
    assert "本版本已被新版本取代" in old and "草稿" not in old
    assert "变更并取代第1版" in new and "延期支付" in new
    with pytest.raises(DocumentUnavailable, match="第7版"):
        render("agreement", ctx, version_no=7)


def test_a_signed_agreement_reprints_as_signed(store):
    from app.store.models import Person

    case_id, _ = signed(store)
    with store.unit_of_work() as s:
        s.get(Person, load_case(s, case_id).applicants[0].person_id).address = "搬家后的新地址"
    text = pdf_text(render("agreement", ctx_for(store, case_id)))
    assert "福州市鼓楼区五一北路1号" in text and "搬家后的新地址" not in text


def test_collective_agreement_lists_every_worker(store):
    names = [f"工人{'甲乙丙丁戊己庚辛壬癸子'[i]}" for i in range(11)]
    case_id, _ = signed(
        store,
        workers=[worker(n, seq=400 + i, is_representative=i < 2) for i, n in enumerate(names)],
    )
    pdf = render("agreement", ctx_for(store, case_id))
    text = pdf_text(pdf)
    assert "集体争议" in text and "附：申请人名单" in text
    for n in names:
        assert n in text
    assert page_count(pdf) >= 2


def test_construction_case_names_the_contractors(store):
    case_id, _ = signed(
        store,
        is_construction=True,
        project_name="鼓楼区某安置房项目",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建八闽建设工程有限公司", credit_code=credit_code("MA2BAM1N0")
            )
        ),
    )
    ctx = ctx_for(store, case_id)
    text = pdf_text(render("agreement", ctx))
    assert "被申请人（分包单位）" in text and "被申请人（施工总承包单位）" in text
    assert "福建八闽建设工程有限公司" in text and "鼓楼区某安置房项目" in text
    notice = pdf_text(render("acceptance", ctx))
    assert "施工总承包单位先行清偿" in notice


def test_termination_notice_states_the_right_to_arbitration_and_its_deadline(store):
    case_id = in_mediation(
        store, infringement_known_on=date(2026, 2, 28), employment_ended_on=date(2026, 2, 28)
    )
    with pytest.raises(DocumentUnavailable, match="不能打印调解终止通知书"):
        render("termination", ctx_for(store, case_id))
    workflow.change_status(
        store,
        case_id,
        CaseStatus.FAILED,
        failure_reason=FailureReason.NO_AGREEMENT,
        reason="双方对金额分歧较大",
        on=date(2026, 3, 6),
        today=date(2026, 3, 6),
    )
    text = pdf_text(render("termination", ctx_for(store, case_id)))
    for expected in (
        "调解终止通知书",
        "未能达成调解协议",
        "双方对金额分歧较大",
        "申请仲裁",
        "第二十七条",
        "2027年3月2日",
        "送达回证",
    ):
        assert expected in text, expected


def test_after_fifteen_days_the_expiry_notice_not_the_termination_notice(store):
    case_id = in_mediation(store)
    ctx = ctx_for(store, case_id, today=date(2026, 3, 18))
    with pytest.raises(DocumentUnavailable, match="调解尚未终止"):
        render("termination", ctx)
    text = pdf_text(render("expiry_notice", ctx))
    assert "十五日" in text and "2026年3月17日" in text
    # Wage arrears while employed (recorded as ongoing): not bound by the year.
    assert "本案登记为劳动关系存续" in text and "不受一年时效期间的限制" in text


def test_declined_case_gets_a_decline_notice(store):
    case = register(store)
    with pytest.raises(DocumentUnavailable, match="尚未受理"):
        render("acceptance", ctx_for(store, case.case_id))
    workflow.change_status(
        store,
        case.case_id,
        CaseStatus.DECLINED,
        reason="该争议已由仲裁委员会受理",
        decline_category="pending_elsewhere",
        today=RECEIVED,
    )
    text = pdf_text(render("acceptance", ctx_for(store, case.case_id)))
    assert "不予受理通知书" in text and "该争议已由仲裁委员会受理" in text


def test_missing_documents_say_why(store):
    case = register(store)
    ctx = ctx_for(store, case.case_id)
    with pytest.raises(DocumentUnavailable, match="还没有调解笔录"):
        render("session_record", ctx)
    with pytest.raises(DocumentUnavailable, match="还没有调解协议书"):
        render("agreement", ctx)
    with pytest.raises(DocumentUnavailable, match="未知的文书类型"):
        render("letter", ctx)


def test_long_text_breaks_into_numbered_pages(store):
    facts = "申请人自二〇二四年三月起在被申请人处工作，" * 160
    case_id, _ = signed(store, facts=facts)
    pdf = render("application", ctx_for(store, case_id))
    total = page_count(pdf)
    assert total >= 3
    text = pdf_text(pdf)
    assert f"第1页共{total}页" in text and f"第{total}页共{total}页" in text
    # Chinese line breaking: no line of the PDF starts with a comma or full stop.
    lines = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).splitlines()
    assert not [line for line in lines if line[:1] in "，。、；：？！）》"]


def test_sample_agreement_for_the_selftest(tmp_path):
    pdf = render_agreement_content(sample_agreement_content(), AgreementStatus.SIGNED)
    text = pdf_text(pdf)
    assert "示例申请人" in text and "陆仟元整" in text
    assert_fonts_embedded(pdf, tmp_path)


# ---------------------------------------------------------------- command line


def run_cli(monkeypatch, data_dir, *argv) -> int:
    from app.cli.main import main

    monkeypatch.setenv("LABOR_STATION_PASSWORD", ADMIN_PASSWORD)
    return main([*argv, "--data-dir", str(data_dir)])


def test_cli_prints_each_kind(store, rich_case, data_dir, tmp_path, monkeypatch, capsys):
    case_id, _ = rich_case
    with store.read() as s:
        case_no = load_case(s, case_id).case_no
    for kind in ("application", "register", "acceptance", "session_record", "agreement", "协议书"):
        out = tmp_path / f"{kind}.pdf"
        assert run_cli(monkeypatch, data_dir, "print", kind, case_no, "-o", str(out)) == 0
        assert case_no in pdf_text(out.read_bytes())
    assert "已生成调解协议书" in capsys.readouterr().out
    assert (
        run_cli(
            monkeypatch,
            data_dir,
            "print",
            "agreement",
            case_no,
            "-o",
            str(tmp_path / "agreement.pdf"),
        )
        == 1
    )
    assert "已存在" in capsys.readouterr().err
    assert (
        run_cli(
            monkeypatch, data_dir, "print", "termination", case_no, "-o", str(tmp_path / "t.pdf")
        )
        == 1
    )
    assert "不能打印调解终止通知书" in capsys.readouterr().err
    assert (
        run_cli(
            monkeypatch,
            data_dir,
            "print",
            "agreement",
            "(2026)鼓楼鼓东劳调字第9999号",
            "-o",
            str(tmp_path / "x.pdf"),
        )
        == 1
    )
    assert "没有找到案号" in capsys.readouterr().err


def test_cli_lists_overdue_cases(store, data_dir, monkeypatch, capsys):
    late = in_mediation(store)
    with store.read() as s:
        employer = load_case(s, late).respondent_id
    on_time = register(
        store,
        workers=[worker("王芳", seq=90, male=False)],
        respondent=EnterpriseChoice(enterprise_id=employer),
        received_on=date(2026, 3, 10),
        today=date(2026, 3, 10),
    )
    assert run_cli(monkeypatch, data_dir, "cases", "--overdue", "--today", "2026-03-20") == 0
    out = capsys.readouterr().out
    assert "第0001号" in out and "已超过3天" in out and "共列出 1 件超过期限的案件" in out
    assert on_time.case_no not in out
    assert run_cli(monkeypatch, data_dir, "cases", "--search", "王芳", "--today", "2026-03-11") == 0
    assert on_time.case_no in capsys.readouterr().out
    assert run_cli(monkeypatch, data_dir, "cases", "--alerts", "--today", "2026-03-15") == 0
    assert "调解期限至2026年3月17日" in capsys.readouterr().out
