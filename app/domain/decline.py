"""Declining an application for mediation (不予受理): the categories, each with its own route, and
the 3 working days within which a station decides.

企业劳动争议协商调解规定 (人社部令第17号) Art. 22: 调解委员会接到调解申请后，对属于劳动争议受理范围
且双方当事人同意调解的，应当在3个工作日内受理。对不属于劳动争议受理范围或者一方当事人不同意调解的，
应当做好记录，并书面通知申请人。 The rule is written for enterprise committees; the street's
mediation organisations follow it in practice (docs/legal.md says where this was checked).

Working days: Monday to Friday. Public holidays and the weekend days worked in their place are not
modelled (no official calendar is shipped), so around a holiday the alert comes early, never late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.enums import DeclineCategory

ACCEPTANCE_WORKING_DAYS = 3


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after ``day`` (the day itself is not counted)."""
    out = day
    while n > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


def acceptance_due(received_on: date) -> date:
    """Last day to accept or decline (Art. 22 of 17号令: 3 working days)."""
    return add_working_days(received_on, ACCEPTANCE_WORKING_DAYS)


@dataclass(frozen=True)
class DeclineRoute:
    category: DeclineCategory
    #: the sentence of the notice that tells the applicant where to go
    route: str
    #: the notice points to arbitration (and so prints the commission and Art. 27)
    arbitration: bool


ROUTES: dict[DeclineCategory, DeclineRoute] = {
    DeclineCategory.NOT_LABOR_DISPUTE: DeclineRoute(
        DeclineCategory.NOT_LABOR_DISPUTE,
        "你（你们）申请调解的事项不属于《中华人民共和国劳动争议调解仲裁法》第二条规定的劳动争议，"
        "本委员会无权调解。你（你们）可以向所在地的人民调解委员会申请调解，或者依法向人民法院提起诉讼。",
        False,
    ),
    DeclineCategory.PENDING_ELSEWHERE: DeclineRoute(
        DeclineCategory.PENDING_ELSEWHERE,
        "该争议已由劳动人事争议仲裁委员会或者人民法院受理，请你（你们）继续在该机构参加处理，"
        "按其通知的时间参加仲裁或者诉讼活动。",
        False,
    ),
    DeclineCategory.RESPONDENT_REFUSED: DeclineRoute(
        DeclineCategory.RESPONDENT_REFUSED,
        "劳动争议调解遵循自愿原则，被申请人不同意调解的，本委员会不能组织调解。依照《中华人民共和国劳动争议"
        "调解仲裁法》第五条，当事人不愿调解的，可以向劳动人事争议仲裁委员会申请仲裁。",
        True,
    ),
    DeclineCategory.OUT_OF_SCOPE: DeclineRoute(
        DeclineCategory.OUT_OF_SCOPE,
        "该争议不属于本委员会的受理范围，请你（你们）向有管辖权的调解组织或者有关部门申请处理；"
        "也可以不经调解，依法直接向劳动人事争议仲裁委员会申请仲裁。",
        True,
    ),
}


def route_for(category: DeclineCategory | str | None) -> DeclineRoute | None:
    return ROUTES.get(DeclineCategory(category)) if category else None
