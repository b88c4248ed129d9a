"""Who signed the agreement for each party, in what capacity, and whether the seal was applied.

调解仲裁法 Art. 14: the agreement is signed or sealed by both parties. A party may act through an
agent (Art. 24: the power of attorney states the matters and the authority); an agent may settle,
that is admit, waive or change claims and sign the agreement, only with the principal's special
authority (民事诉讼法 Art. 62: "诉讼代理人代为承认、放弃、变更诉讼请求，进行和解……必须有委托人的
特别授权"; docs/legal.md). So an agent with only general authority (一般授权) is refused here, with
the reason, whatever the form or the caller says.

Recorded at signing as ``MediationAgreement.signatures`` and in the signed snapshot (the content
hash covers it); fixed from then on like the rest of the agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.errors import Problems
from app.domain.enums import PartyRole, SignCapacity

SPECIAL = "特别授权"
#: the refusal's reason, quoted in messages and on the printed form
SPECIAL_NEEDED = (
    "代为签署调解协议书（进行和解，承认、放弃或者变更请求）须有委托人的特别授权"
    "（《中华人民共和国民事诉讼法》第六十二条）"
)

PERSON_CAPACITIES = (SignCapacity.SELF, SignCapacity.AGENT_SPECIAL, SignCapacity.AGENT_GENERAL)
ENTERPRISE_CAPACITIES = (
    SignCapacity.LEGAL_REP,
    SignCapacity.PRINCIPAL,
    SignCapacity.AGENT_SPECIAL,
    SignCapacity.AGENT_GENERAL,
)
AGENT_CAPACITIES = (SignCapacity.AGENT_SPECIAL, SignCapacity.AGENT_GENERAL)


@dataclass
class SignatureInput:
    """One party's signature: the party (a case party id), the capacity, who signed, the agent
    (a case party id of an agent of this party) when an agent signed, and the seal."""

    party_id: str
    capacity: SignCapacity | str = SignCapacity.SELF
    signer_name: str = ""
    agent_party_id: str | None = None
    seal_applied: bool = False


def signing_parties(detail) -> list:
    """The parties who sign: every applicant, then every respondent (employer, contractors)."""
    return [*detail.applicants, *detail.respondents]


def agents_of(detail, party) -> list:
    """The agents recorded for ``party``: those naming it; an applicant-side agent naming no
    worker acts for all the applicants, a respondent-side one naming nobody for the employer."""
    side = (
        PartyRole.APPLICANT_AGENT
        if party.role == PartyRole.APPLICANT
        else PartyRole.RESPONDENT_AGENT
    )
    out = []
    for a in detail.agents:
        if a.role != side:
            continue
        if a.agent_for_id == party.id or (
            a.agent_for_id is None and party.role in (PartyRole.APPLICANT, PartyRole.RESPONDENT)
        ):
            out.append(a)
    return out


def default_signatures(detail) -> list[SignatureInput]:
    """What the signing form starts from: each worker in person; each employer by its legal
    representative as recorded, sealed."""
    out = []
    for p in signing_parties(detail):
        if p.is_person:
            out.append(SignatureInput(p.id, SignCapacity.SELF, p.name))
        else:
            out.append(
                SignatureInput(p.id, SignCapacity.LEGAL_REP, p.legal_rep or "", seal_applied=True)
            )
    return out


def check_signatures(detail, signatures: list[SignatureInput], problems: Problems) -> list[dict]:
    """The signatures as recorded (JSON-able), or problems naming the party and the reason."""
    parties = {p.id: p for p in signing_parties(detail)}
    given: dict[str, SignatureInput] = {}
    for i, s in enumerate(signatures):
        if s.party_id not in parties:
            problems.add(f"signatures[{i}]", "签署情况", "签署人应为本案的当事人")
        elif s.party_id in given:
            problems.add(
                f"signatures[{i}]", "签署情况", f"{parties[s.party_id].name}的签署情况重复登记"
            )
        else:
            given[s.party_id] = s
    out = []
    for i, (party_id, p) in enumerate(parties.items()):
        key, who = f"signatures[{i}]", f"{p.role.label}{p.name}"
        s = given.get(party_id)
        if s is None:
            problems.add(key, who, "未登记该当事人的签署情况（由谁签署、以何身份）")
            continue
        try:
            capacity = SignCapacity(s.capacity)
        except ValueError:
            problems.add(f"{key}.capacity", who, "请选择签署身份")
            continue
        allowed = PERSON_CAPACITIES if p.is_person else ENTERPRISE_CAPACITIES
        if capacity not in allowed:
            problems.add(
                f"{key}.capacity",
                who,
                f"{'劳动者' if p.is_person else '单位'}不能以“{capacity.label}”身份签署",
            )
            continue
        signer = (s.signer_name or "").strip()
        agent = None
        if capacity in AGENT_CAPACITIES:
            agent = next((a for a in agents_of(detail, p) if a.id == s.agent_party_id), None)
            if agent is None:
                problems.add(
                    f"{key}.agent",
                    who,
                    "由委托代理人签署的，请先在当事人中登记该代理人及其代理权限，并收存授权委托书",
                )
                continue
            signer = agent.name
            if capacity == SignCapacity.AGENT_GENERAL or (agent.authority or "") != SPECIAL:
                problems.add(
                    f"{key}.capacity",
                    who,
                    f"委托代理人{agent.name}的代理权限为“{agent.authority or '一般授权'}”，不能代为签署："
                    f"{SPECIAL_NEEDED}。请由当事人本人签署，或补交载明特别授权的授权委托书后修改代理权限",
                )
                continue
        elif capacity == SignCapacity.SELF:
            signer = p.name
        if len(signer) > 60:
            problems.add(f"{key}.signer", who, "签署人姓名不超过60个字")
            continue
        if not p.is_person and not signer and not s.seal_applied:
            problems.add(
                f"{key}.signer",
                who,
                "单位须由法定代表人、主要负责人或特别授权的代理人签名，或者加盖单位印章（调解仲裁法第十四条）",
            )
            continue
        out.append(
            {
                "party_id": p.id,
                "party": p.name,
                "role_label": p.role.label,
                "is_enterprise": not p.is_person,
                "capacity": capacity.value,
                "capacity_label": capacity.label,
                "signer": signer or None,
                "agent_party_id": agent.id if agent else None,
                "seal_applied": bool(s.seal_applied) if not p.is_person else False,
            }
        )
    return out
