"""Deadlines of a mediation case, computed from dates only: every function takes ``today``.

Sources (checked against the texts):

* 劳动争议调解仲裁法 Art. 14 para. 3: if no agreement is reached within 15 days of the mediation
  organisation *receiving* the application, a party may apply for arbitration. The law itself has
  no extension; the station may keep mediating past day 15 when both parties consent (the practice
  of 企业劳动争议协商调解规定 Art. 26, applied to street-level organisations), but consent to an
  extension does not take away a party's right to go to arbitration once the 15 days have run.
* Art. 27: one year from the day the worker knew or should have known of the infringement; the
  period is *interrupted* (restarts) when a party claims the right from the other side, asks a
  competent body for a remedy (an application for mediation is one) or the other side agrees to
  perform (a signed agreement). Disputes over unpaid labour remuneration during an ongoing
  employment relationship are not bound by the year; once the relationship ends, the year runs
  from its end.
* Art. 15: a party who does not perform by the agreed deadline: the other may apply for arbitration.
  Art. 16: for agreements on unpaid labour remuneration, work-injury *medical costs*, economic
  compensation or damages, a worker whose employer misses the deadline may take the agreement to
  the people's court for a payment order (支付令).
* Counting (民法典 Arts. 201-202): the starting day is not counted; a period in years ends on the
  corresponding day of the last year, or the last day of that month when there is none (29 Feb).
  The move of a last day that falls on a public holiday (Art. 203) is not modelled: the dates shown
  are the earliest safe ones.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from app.domain.dates import cn_date
from app.domain.enums import LabeledEnum

MEDIATION_DAYS = 15
#: warn this many days before the end of the mediation period
MEDIATION_WARN_DAYS = 3
#: warn this many days before a term of an agreement falls due
TERM_WARN_DAYS = 3


class DeadlineError(ValueError):
    """A date that breaks a deadline rule; ``str()`` is a Chinese sentence for the user."""


def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February becomes 28 February (民法典 Art. 202)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def fmt(day: date | None) -> str:
    return cn_date(day)


# ---------------------------------------------------------------- the 15 days of Art. 14


def mediation_period_end(received_on: date) -> date:
    """Last day of the 15 days of Art. 14 (the day of receipt is not counted)."""
    return received_on + timedelta(days=MEDIATION_DAYS)


class ClockState(LabeledEnum):
    RUNNING = ("running", "调解期限内")
    DUE_SOON = ("due_soon", "调解期限即将届满")
    EXPIRED = ("expired", "调解期限已届满")


@dataclass(frozen=True)
class MediationClock:
    """The mediation period of one case."""

    received_on: date
    extended_until: date | None = None

    @property
    def legal_end(self) -> date:
        return mediation_period_end(self.received_on)

    @property
    def end(self) -> date:
        """The end the station works to: the extension if both parties agreed to one."""
        if self.extended_until and self.extended_until > self.legal_end:
            return self.extended_until
        return self.legal_end

    @property
    def arbitration_open_from(self) -> date:
        """From this day either party may apply for arbitration (Art. 14), extension or not."""
        return self.legal_end + timedelta(days=1)

    def days_left(self, today: date) -> int:
        return (self.end - today).days

    def state(self, today: date) -> ClockState:
        left = self.days_left(today)
        if left < 0:
            return ClockState.EXPIRED
        if left <= MEDIATION_WARN_DAYS:
            return ClockState.DUE_SOON
        return ClockState.RUNNING

    def may_apply_for_arbitration(self, today: date) -> bool:
        return today >= self.arbitration_open_from

    def describe(self, today: date) -> str:
        left = self.days_left(today)
        extended = "（经双方同意延长）" if self.end != self.legal_end else ""
        if left > 0:
            return f"调解期限至{fmt(self.end)}{extended}，还剩{left}天"
        if left == 0:
            return f"调解期限今天（{fmt(self.end)}）届满{extended}"
        return f"调解期限已于{fmt(self.end)}届满{extended}，已超过{-left}天"


def check_extension(
    clock: MediationClock, until: date, consent_note: str, today: date
) -> tuple[date, str]:
    """Validate an extension of the mediation period; returns ``(until, note)`` to record.

    Both parties' consent must be recorded (who agreed, how, when). The law gives no upper limit;
    the extension must lie after the current end and after today.
    """
    note = (consent_note or "").strip()
    if not note:
        raise DeadlineError(
            "延长调解期限须经双方当事人同意：请写明双方同意延期的情况（何时、以何种方式同意）"
        )
    if until <= clock.end:
        raise DeadlineError(f"延长后的期限应晚于当前期限{fmt(clock.end)}")
    if until <= today:
        raise DeadlineError("延长后的期限应晚于今天")
    return until, note


# ---------------------------------------------------------------- the one year of Art. 27

#: dispute types whose claims are labour remuneration (overtime pay is remuneration too)
REMUNERATION_TYPES = frozenset({"wages", "overtime"})


@dataclass(frozen=True)
class LimitForType:
    dispute_type: str
    deadline: date | None
    basis: str


@dataclass(frozen=True)
class ArbitrationLimit:
    """The arbitration time limit of a case: the earliest over its claims (``None``: not bound)."""

    deadline: date | None
    basis: str
    per_type: tuple[LimitForType, ...] = field(default_factory=tuple)
    #: True when the infringement date was not recorded, so the date is only a lower bound
    incomplete: bool = False

    def days_left(self, today: date) -> int | None:
        return None if self.deadline is None else (self.deadline - today).days

    def expired(self, today: date) -> bool:
        return self.deadline is not None and today > self.deadline

    def describe(self, today: date | None = None) -> str:
        if self.deadline is None:
            return self.basis
        text = f"申请仲裁的时效至{fmt(self.deadline)}（{self.basis}）"
        if today is not None and today > self.deadline:
            text += "，已届满"
        return text


def _run_with_interruptions(start: date, interruptions: Iterable[date]) -> tuple[date, date]:
    """The year from ``start``, restarted by each interruption that came while it was running."""
    deadline = add_years(start, 1)
    for day in sorted(d for d in interruptions if d is not None):
        if start < day <= deadline:
            start, deadline = day, add_years(day, 1)
    return start, deadline


def arbitration_limit(
    dispute_types: Iterable[str],
    *,
    known_on: date | None,
    employment_ended_on: date | None,
    interruptions: Iterable[date] = (),
    employment_ongoing: bool | None = None,
) -> ArbitrationLimit:
    """Art. 27 for a case with the given claim types.

    ``known_on``: the day the worker knew or should have known of the infringement.
    ``employment_ended_on``: the day the relationship ended, if it did.
    ``employment_ongoing``: True only when "劳动关系存续" was recorded; False when it ended or is
    not known. ``None`` (older callers): ongoing exactly when no end date is given.
    ``interruptions``: days the period was interrupted (the application for mediation was received,
    an agreement was signed …); each restarts the year if it came before the year ran out.
    """
    stops = tuple(d for d in interruptions if d is not None)
    if employment_ongoing is None:
        employment_ongoing = employment_ended_on is None
    per_type: list[LimitForType] = []
    incomplete = False
    for code in dict.fromkeys(dispute_types):
        if code in REMUNERATION_TYPES and (employment_ongoing or employment_ended_on):
            if employment_ongoing:
                per_type.append(
                    LimitForType(
                        code, None, "劳动关系存续期间因拖欠劳动报酬发生争议，不受一年时效限制"
                    )
                )
                continue
            start, deadline = _run_with_interruptions(employment_ended_on, stops)
            basis = (
                "自劳动关系终止之日起一年"
                if start == employment_ended_on
                else "因申请调解等事由中断后重新计算一年"
            )
            per_type.append(LimitForType(code, deadline, basis))
            continue
        if known_on is None:
            incomplete = True
            if not stops:
                per_type.append(LimitForType(code, None, "未填写知道权利被侵害之日，无法计算时效"))
                continue
            first = min(stops)
            start, deadline = _run_with_interruptions(first, stops)
            per_type.append(
                LimitForType(
                    code, deadline, "未填写知道权利被侵害之日，按申请调解（时效中断）之日起一年计"
                )
            )
            continue
        start, deadline = _run_with_interruptions(known_on, stops)
        basis = (
            "自知道或应当知道权利被侵害之日起一年"
            if start == known_on
            else "因申请调解等事由中断后重新计算一年"
        )
        per_type.append(LimitForType(code, deadline, basis))
    dated = [p for p in per_type if p.deadline is not None]
    if not dated:
        basis = per_type[0].basis if per_type else "没有请求事项"
        return ArbitrationLimit(None, basis, tuple(per_type), incomplete)
    earliest = min(dated, key=lambda p: p.deadline)  # type: ignore[arg-type,return-value]
    return ArbitrationLimit(earliest.deadline, earliest.basis, tuple(per_type), incomplete)


# ---------------------------------------------------------------- arbitration review (办案规则 Art. 74)

#: 劳动人事争议仲裁办案规则 Art. 74: the parties may jointly apply within 15 days of the agreement
#: taking effect
REVIEW_DAYS = 15


def review_deadline(signed_on: date) -> date:
    """Last day for the joint application for arbitration review (the signing day not counted)."""
    return signed_on + timedelta(days=REVIEW_DAYS)


# ---------------------------------------------------------------- agreement terms and Art. 16


@dataclass(frozen=True)
class TermItem:
    code: str
    name: str
    art16: bool


#: what a payment term of an agreement pays; Art. 16 names remuneration, work-injury medical costs,
#: economic compensation and damages, so the work-injury benefits are split into medical costs
#: (covered) and the rest (not covered).
TERM_ITEMS: tuple[TermItem, ...] = (
    TermItem("wages", "劳动报酬（工资）", True),
    TermItem("overtime", "加班费", True),
    TermItem("compensation", "经济补偿", True),
    TermItem("damages", "赔偿金", True),
    TermItem("work_injury_medical", "工伤医疗费", True),
    TermItem("work_injury_other", "其他工伤待遇", False),
    TermItem("social_insurance", "社会保险", False),
    TermItem("rest_leave", "休息休假（未休年休假工资报酬等）", False),
    TermItem("other", "其他", False),
)
_ITEMS = {t.code: t for t in TERM_ITEMS}


def term_item_name(code: str | None) -> str:
    return _ITEMS[code].name if code in _ITEMS else (code or "")


def art16_applies(item: str | None, is_payment: bool) -> bool:
    """Whether a term is one Art. 16 covers: a payment of one of the named kinds."""
    return bool(is_payment and item in _ITEMS and _ITEMS[item].art16)


def default_term_item(dispute_type: str) -> str:
    """The usual term item for a claim of a dispute type (for pre-filling an agreement)."""
    return {
        "wages": "wages",
        "overtime": "overtime",
        "compensation": "compensation",
        "work_injury": "work_injury_medical",
        "social_insurance": "social_insurance",
        "rest_leave": "rest_leave",
    }.get(dispute_type, "other")


class Route(LabeledEnum):
    PAYMENT_ORDER = (
        "payment_order",
        "可持调解协议书向人民法院申请支付令（调解仲裁法第十六条），也可申请仲裁",
    )
    ARBITRATION = ("arbitration", "可依法向劳动人事争议仲裁委员会申请仲裁（调解仲裁法第十五条）")


def default_route(art16: bool, payer_is_employer: bool = True) -> Route:
    """What the worker can do when a term is missed: a payment order only for Art. 16 terms that
    the employer (用人单位) owes; everything else goes to arbitration."""
    return Route.PAYMENT_ORDER if art16 and payer_is_employer else Route.ARBITRATION


class TermState(LabeledEnum):
    PERFORMED = ("performed", "已履行")
    NOT_DUE = ("not_due", "未到期")
    DUE_SOON = ("due_soon", "即将到期")
    PARTLY_PAID = ("partly_paid", "部分履行")
    OVERDUE = ("overdue", "逾期未履行")


@dataclass(frozen=True)
class TermStatus:
    state: TermState
    outstanding: Decimal | None
    days_overdue: int = 0
    days_left: int | None = None

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def term_status(
    *,
    amount: Decimal | None,
    paid: Decimal,
    due_on: date | None,
    performed: bool,
    today: date,
) -> TermStatus:
    """State of one term: a payment is performed when the payments recorded reach its amount;
    another obligation when a performance was recorded. Without a due date a term never becomes
    overdue (the agreement's performance deadline stands in for it, see ``effective_due``)."""
    if amount is not None:
        outstanding = max(Decimal("0.00"), amount - paid)
        done = outstanding == 0
    else:
        outstanding = None
        done = performed
    if done:
        return TermStatus(TermState.PERFORMED, outstanding)
    if due_on is None:
        state = TermState.PARTLY_PAID if paid > 0 else TermState.NOT_DUE
        return TermStatus(state, outstanding)
    left = (due_on - today).days
    if left < 0:
        return TermStatus(TermState.OVERDUE, outstanding, days_overdue=-left, days_left=left)
    if paid > 0:
        return TermStatus(TermState.PARTLY_PAID, outstanding, days_left=left)
    if left <= TERM_WARN_DAYS:
        return TermStatus(TermState.DUE_SOON, outstanding, days_left=left)
    return TermStatus(TermState.NOT_DUE, outstanding, days_left=left)


def effective_due(term_due: date | None, performance_deadline: date | None) -> date | None:
    """A term without its own due date falls due at the agreement's performance deadline."""
    return term_due or performance_deadline


def check_term_dates(
    due_on: date | None, performance_deadline: date | None, signed_on: date | None
) -> str | None:
    """A Chinese problem with a term's due date, or None."""
    if due_on and performance_deadline and due_on > performance_deadline:
        return f"履行日期{fmt(due_on)}晚于协议的履行期限{fmt(performance_deadline)}"
    if due_on and signed_on and due_on < signed_on:
        return f"履行日期{fmt(due_on)}早于签署日期{fmt(signed_on)}"
    return None
