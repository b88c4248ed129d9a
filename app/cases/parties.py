"""Correcting a party of an open case: a worker's name, ID number, phone, address, job; an agent's.

Intake reuses a worker's person record from an earlier case when the ID number is the same
(:func:`app.cases.intake._person_for`), so one :class:`Person` may be a party to several cases.
The ID number is the person's identity, and a correction follows it:

* The ID number stays the same: the shared person record is corrected. A typo in a name or a new
  phone number is true for every case of that person; signed agreements are not affected, they
  keep the parties as they were at signing (:class:`AgreementSnapshot`).
* The ID number changes: this case's party was linked to the wrong identity. If the record belongs
  to this party only, it is corrected in place; if another record already has the new number,
  or other cases share the record, this party is re-linked to the record of the new number (or
  to a new record), together with this case's claims and draft terms that name the person; the
  old record stays as it was for the other cases. The corrected values go to the record of the
  new number, as intake updates a known worker's record with what was typed.

Every change goes through the store's unit of work, so its audit event (personal fields masked,
see :data:`app.store.changes.PERSONAL_FIELDS`) and its outbox entry are written with it.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.actions import EDIT_PARTY, require
from app.cases.errors import Problems, WorkflowRefused
from app.cases.intake import (
    COLLECTIVE_MIN_WORKERS,
    AgentInput,
    WorkerInput,
    check_agent_person,
    check_worker,
    worker_label,
)
from app.cases.workflow import _case_for_update
from app.domain.enums import AgreementStatus, PartyRole
from app.store.errors import Conflict, NotFound
from app.store.models import (
    AgreementTerm,
    CaseClaim,
    CaseParty,
    DisputeCase,
    MediationAgreement,
    Person,
)

log = logging.getLogger(__name__)

#: the parties that are people and can be corrected here (enterprises are corrected in the roster)
PERSON_ROLES = frozenset(
    {PartyRole.APPLICANT, PartyRole.APPLICANT_AGENT, PartyRole.RESPONDENT_AGENT}
)
#: person fields a correction sets (``organisation`` only for agents)
_WORKER_FIELDS = (
    "name",
    "id_number",
    "id_type",
    "sex",
    "birth_date",
    "phone",
    "address",
    "job",
    "hukou",
)
_AGENT_FIELDS = ("name", "id_number", "sex", "birth_date", "phone", "organisation")


def party_label(s: Session, party: CaseParty) -> str:
    """申请人2 / 委托代理人1: how the forms and messages name a party of the case."""
    same_role = list(
        s.scalars(
            select(CaseParty.id)
            .where(
                CaseParty.case_id == party.case_id,
                CaseParty.deleted.is_(False),
                CaseParty.role.in_(
                    (PartyRole.APPLICANT,)
                    if party.role == PartyRole.APPLICANT
                    else (PartyRole.APPLICANT_AGENT, PartyRole.RESPONDENT_AGENT)
                ),
            )
            .order_by(CaseParty.sort_order)
        )
    )
    index = same_role.index(party.id) if party.id in same_role else 0
    return worker_label(index) if party.role == PartyRole.APPLICANT else f"委托代理人{index + 1}"


def _other_applicants(s: Session, party: CaseParty) -> list[tuple[str, Person]]:
    rows = s.execute(
        select(CaseParty, Person)
        .join(Person, Person.id == CaseParty.person_id)
        .where(
            CaseParty.case_id == party.case_id,
            CaseParty.deleted.is_(False),
            CaseParty.role == PartyRole.APPLICANT,
        )
        .order_by(CaseParty.sort_order)
    ).all()
    return [(worker_label(i), person) for i, (p, person) in enumerate(rows) if p.id != party.id]


def _check_applicant(
    s: Session,
    case: DisputeCase,
    party: CaseParty,
    values: WorkerInput,
    today: date,
    problems: Problems,
) -> dict:
    label = party_label(s, party)
    clean = check_worker(values, today, problems, label=label)
    others = _other_applicants(s, party)
    if "birth_date" in clean:
        twin = next((lab for lab, p in others if p.id_number == clean["id_number"]), None)
        if twin:
            problems.add("id_number", f"{label}身份证号", f"与{twin}的身份证号相同")
    if not clean["phone"] and not any(p.phone for _, p in others):
        problems.add("phone", f"{label}联系电话", "至少一名申请人须留联系电话")
    if clean["is_representative"] and not case.is_collective:
        problems.add(
            "is_representative",
            f"{label}推举代表",
            f"劳动者一方不足{COLLECTIVE_MIN_WORKERS}人，不适用推举代表：请取消“代表”标记",
        )
    return clean


def _shared_elsewhere(s: Session, person_id: str, party_id: str) -> bool:
    return (
        s.scalar(
            select(CaseParty.id)
            .where(
                CaseParty.person_id == person_id,
                CaseParty.id != party_id,
                CaseParty.deleted.is_(False),
            )
            .limit(1)
        )
        is not None
    )


def _relink(s: Session, case_id: str, old_id: str, new_id: str) -> None:
    """Point this case's claims and draft agreement terms from one person record to another."""
    for claim in s.scalars(
        select(CaseClaim).where(
            CaseClaim.case_id == case_id,
            CaseClaim.person_id == old_id,
            CaseClaim.deleted.is_(False),
        )
    ):
        claim.person_id = new_id
    for term in s.scalars(
        select(AgreementTerm)
        .join(MediationAgreement, MediationAgreement.id == AgreementTerm.agreement_id)
        .where(
            MediationAgreement.case_id == case_id,
            MediationAgreement.status == AgreementStatus.DRAFT,
            MediationAgreement.deleted.is_(False),
            AgreementTerm.payee_person_id == old_id,
            AgreementTerm.deleted.is_(False),
        )
    ):
        term.payee_person_id = new_id


def _person_to_correct(s: Session, party: CaseParty, person: Person, id_number: str | None):
    """The record the corrected values go to (see the module docstring)."""
    if (id_number or None) == (person.id_number or None):
        return person
    holder = None
    if id_number:
        holder = s.scalar(
            select(Person)
            .where(Person.id_number == id_number, Person.deleted.is_(False), Person.id != person.id)
            .order_by(Person.created_at)
            .limit(1)
        )
    if holder is None and not _shared_elsewhere(s, person.id, party.id):
        return person
    target = holder or Person(name=person.name, employer_id=person.employer_id)
    if holder is None:
        s.add(target)
    party.person_id = target.id
    _relink(s, party.case_id, person.id, target.id)
    return target


def correct_party(
    store,
    case_id: str,
    party_id: str,
    values: WorkerInput | AgentInput,
    *,
    today: date | None = None,
    expected_version: int | None = None,
    expected_person_version: int | None = None,
) -> None:
    """Correct one applicant (``WorkerInput``) or agent (``AgentInput``) of an open case.

    Checked as at intake: the same validators, problems keyed by field name (``name``,
    ``id_number``, ``phone`` …) and labelled with the party (``申请人2身份证号``), raised together
    as :class:`FormInvalid`. An agent's side and the party it acts for are not changed here.
    ``expected_version`` is the case's version, ``expected_person_version`` the person record's
    (both as the case page loaded them): a change by someone else in between is refused.
    """
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, expected_version)
        require(s, case.id, EDIT_PARTY, today)
        party = s.get(CaseParty, party_id)
        if party is None or party.deleted or party.case_id != case_id:
            raise NotFound("该当事人不属于本案件或已被删除")
        if party.role not in PERSON_ROLES or party.person_id is None:
            raise WorkflowRefused("用人单位等企业的信息请在企业名录中修改")
        person = s.get(Person, party.person_id)
        if person is None or person.deleted:
            raise NotFound("该当事人的人员记录不存在或已被删除")
        if expected_person_version is not None and person.version != expected_person_version:
            raise Conflict("当事人信息已被其他用户修改，请刷新后重试")
        problems = Problems()
        if party.role == PartyRole.APPLICANT:
            if not isinstance(values, WorkerInput):
                raise TypeError("an applicant is corrected with a WorkerInput")
            clean = _check_applicant(s, case, party, values, today, problems)
            fields = _WORKER_FIELDS
        else:
            if not isinstance(values, AgentInput):
                raise TypeError("an agent is corrected with an AgentInput")
            clean = check_agent_person(values, today, problems, label=party_label(s, party))
            fields = _AGENT_FIELDS
        problems.raise_if_any()
        target = _person_to_correct(s, party, person, clean["id_number"])
        for key in fields:
            value = clean.get(key)
            if key in ("sex", "birth_date") and key not in clean:
                value = None  # an agent without ID number: nothing known about either
            if getattr(target, key) != value:
                setattr(target, key, value)
        if party.role == PartyRole.APPLICANT:
            if party.is_representative != clean["is_representative"]:
                party.is_representative = clean["is_representative"]
        elif party.authority != clean["authority"]:
            party.authority = clean["authority"]
        relinked = target is not person
    log.info("case %s: party %s corrected%s", case_id, party_id, " (re-linked)" if relinked else "")
