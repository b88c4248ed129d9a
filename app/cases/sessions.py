"""Mediation sessions and their record (调解笔录): several per case, numbered in order.

Recording the first session of an accepted case starts the mediation (accepted -> in_mediation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.cases import actions
from app.cases.actions import require
from app.cases.detail import next_session_no
from app.cases.errors import Problems
from app.cases.workflow import _case_for_update, apply_transition
from app.domain.case_workflow import TransitionInput
from app.domain.enums import CaseStatus
from app.store.errors import Conflict, NotFound
from app.store.models import MediationSession, utcnow


@dataclass
class SessionInput:
    held_at: datetime | None = None
    ended_at: datetime | None = None
    place: str = ""
    mediators: str = ""
    recorder: str = ""
    attendees: str = ""
    record: str = ""
    outcome: str = ""
    #: the mediator explained rights and duties, including the right to ask for 回避
    rights_explained: bool = False
    #: a request that a mediator step aside: who asked, whom, what was decided ("" = none)
    recusal_note: str = ""


def _validate(data: SessionInput, received_on: date, now: datetime) -> dict:
    problems = Problems()
    if data.held_at is None:
        problems.add("held_at", "调解时间", "不能为空")
    else:
        held = data.held_at if data.held_at.tzinfo else data.held_at.astimezone()
        if held.astimezone().date() < received_on:
            problems.add("held_at", "调解时间", "不能早于收到调解申请之日")
        if held > now + timedelta(minutes=10):
            problems.add("held_at", "调解时间", "不能晚于现在：笔录只记录已经进行的调解")
        if data.ended_at is not None:
            ended = data.ended_at if data.ended_at.tzinfo else data.ended_at.astimezone()
            if ended < held:
                problems.add("ended_at", "结束时间", "不能早于开始时间")
    if not (data.place or "").strip():
        problems.add("place", "调解地点", "不能为空")
    if not (data.mediators or "").strip():
        problems.add("mediators", "调解员", "不能为空")
    if not (data.attendees or "").strip():
        problems.add("attendees", "到场人员", "请写明到场的当事人及其他人员")
    if not (data.record or "").strip():
        problems.add("record", "调解记录", "不能为空")
    problems.raise_if_any()
    return {
        "held_at": data.held_at,
        "ended_at": data.ended_at,
        "place": data.place.strip(),
        "mediators": data.mediators.strip(),
        "recorder": (data.recorder or "").strip() or None,
        "attendees": data.attendees.strip(),
        "record": data.record.strip(),
        "outcome": (data.outcome or "").strip() or None,
        "rights_explained": bool(data.rights_explained),
        "recusal_note": (data.recusal_note or "").strip() or None,
    }


def add_session(
    store,
    case_id: str,
    data: SessionInput,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> str:
    """Record a session; returns its id."""
    now = now or utcnow()
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, None)
        require(s, case_id, actions.ADD_SESSION, today)
        values = _validate(data, case.received_on, now)
        if case.status == CaseStatus.ACCEPTED:
            held_on = values["held_at"].astimezone().date()
            apply_transition(
                s, case, CaseStatus.IN_MEDIATION, TransitionInput(on=min(held_on, today)), today
            )
        record = MediationSession(case_id=case_id, session_no=next_session_no(s, case_id), **values)
        s.add(record)
        return record.id


def update_session(
    store,
    session_id: str,
    data: SessionInput,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    with store.unit_of_work() as s:
        record = s.get(MediationSession, session_id)
        if record is None or record.deleted:
            raise NotFound("调解笔录不存在或已被删除")
        if expected_version is not None and record.version != expected_version:
            raise Conflict("调解笔录已被其他用户修改，请刷新后重试")
        case = _case_for_update(s, record.case_id, None)
        require(s, case.id, actions.EDIT_SESSION)
        values = _validate(data, case.received_on, now)
        for key, value in values.items():
            if getattr(record, key) != value:
                setattr(record, key, value)
