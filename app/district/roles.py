"""District roles and the audit log of district users' actions.

Three roles, each optionally limited to some streets (station codes):

* ``admin``: everything (code lists, notices, applications, case transfers, correction
  requests, the audit log);
* ``reviewer``: reads everything (of their streets), publishes notices, re-routes
  online applications and sends correction requests (退回补正);
* ``viewer``: reads only.

The role and the streets are read from ``admin_user`` at every request (not from the session),
so a change takes effect at the user's next click. Every action that changes something, and
every login and logout, is written to ``audit_entry`` in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.district.models import AdminUser, DistrictStation
from app.district.models_work import AuditEntry
from app.domain import reference

ROLES = {"admin": "管理员", "reviewer": "审核员", "viewer": "查看员"}
#: what each role may do (besides reading)
PERMISSIONS = {
    "admin": {"reference", "notice", "route", "audit", "import", "transfer", "correct"},
    "reviewer": {"notice", "route", "correct"},
    "viewer": set(),
}
PERMISSION_LABELS = {
    "reference": "修改代码表",
    "notice": "发布通知",
    "route": "改派网上申请",
    "audit": "查看操作记录",
    "import": "导入申请",
    "transfer": "移交案件",
    "correct": "退回补正",
}
CLI_ACTOR = "命令行"

ACTION_LABELS = {
    "login": "登录",
    "logout": "退出登录",
    "notice.publish": "发布通知",
    "reference.save": "修改代码表",
    "application.reroute": "改派网上申请",
    "application.view": "查看申请详情",
    "application.evidence": "下载申请证据",
    "applications.import": "导入外部平台申请",
    "admin.set": "设置区级用户",
    "admin.disable": "停用区级用户",
    "station.enroll": "生成站点登记码",
    "station.revoke": "撤销站点凭据",
    "transfer.order": "决定移交案件",
    "transfer.send": "站点移交案件",
    "transfer.refuse": "站点未能移交",
    "transfer.decide": "站点处理移交",
    "correction.create": "退回补正",
    "correction.answer": "站点已补正",
}


class RoleError(Exception):
    """``str()`` is a Chinese message."""


@dataclass(frozen=True)
class DistrictUser:
    """A logged-in district user (what the dashboard's ``Admin`` dependency gives)."""

    admin_name: str
    csrf_token: str
    role: str
    #: station codes the user is limited to; None: every street
    streets: frozenset[str] | None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())

    def sees(self, station_code: str | None) -> bool:
        return self.streets is None or station_code in self.streets

    @property
    def unlimited(self) -> bool:
        return self.streets is None

    def streets_label(self) -> str:
        if self.streets is None:
            return "全部街镇"
        return "、".join(station_name(c) for c in sorted(self.streets))


def station_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.station(code).name
    except KeyError:
        return code


def user_for(s: Session, name: str, csrf_token: str) -> DistrictUser | None:
    row = s.get(AdminUser, name)
    if row is None or not row.active:
        return None
    streets = row.streets
    limited = frozenset(str(c) for c in streets) if isinstance(streets, list) else None
    role = row.role if row.role in ROLES else "viewer"  # an unknown role reads only
    return DistrictUser(row.name, csrf_token, role, limited)


def parse_streets(s: Session, values: list[str] | None) -> list[str] | None:
    """Station codes (or names) to a sorted list of known station codes; None or [] is all."""
    if not values:
        return None
    known = {st.code: st for st in s.scalars(select(DistrictStation))}
    out = set()
    for value in values:
        for part in str(value).replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            code = part.upper()
            if code not in known:
                found = reference.station_by_name(part)
                code = found.code if found else ""
            if code not in known:
                raise RoleError(f"未知的街镇：{part}（可用站点代码，如 GUDONG，或街镇名称）")
            out.add(code)
    return sorted(out) or None


def set_role(s: Session, name: str, role: str, streets: list[str] | None) -> AdminUser:
    if role not in ROLES:
        raise RoleError(f"未知的角色：{role}（可用：admin 管理员、reviewer 审核员、viewer 查看员）")
    row = s.get(AdminUser, name.strip())
    if row is None:
        raise RoleError(f"没有区级用户 {name}")
    row.role = role
    row.streets = parse_streets(s, streets)
    return row


def require(user: DistrictUser, permission: str) -> None:
    if not user.can(permission):
        raise RoleError(
            f"您的角色（{user.role_label}）不能{PERMISSION_LABELS.get(permission, permission)}"
        )


def require_street(user: DistrictUser, station_code: str | None) -> None:
    if not user.sees(station_code):
        raise RoleError("该记录不属于您负责的街镇")


# ------------------------------------------------------------------ the audit log


def audit(
    s: Session,
    actor: str,
    action: str,
    summary: str,
    *,
    target_kind: str | None = None,
    target_id: str | None = None,
    station_code: str | None = None,
    client: str | None = None,
) -> AuditEntry:
    """Add one entry to the audit log (in the caller's transaction: it commits with the change).

    ``summary`` must not hold personal data (names of applicants, ID numbers, phones, facts).
    """
    entry = AuditEntry(
        actor=_clean(actor or "?").strip()[:60] or "?",
        action=action[:40],
        summary=_clean(summary or "")[:500],
        target_kind=target_kind,
        target_id=(target_id or None) and str(target_id)[:80],
        station_code=station_code,
        client=(client or None) and client[:64],
    )
    s.add(entry)
    return entry


def _clean(text: str) -> str:
    """No control characters in the log (PostgreSQL refuses NUL; a page shows the rest)."""
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    station_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    target_id: str | None = None


def audit_entries(
    s: Session, user: DistrictUser, flt: AuditFilter | None = None, limit: int = 500
) -> list[AuditEntry]:
    """Newest first; a street-limited user sees only the entries about their streets."""
    flt = flt or AuditFilter()
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if user.streets is not None:
        q = q.where(AuditEntry.station_code.in_(sorted(user.streets)))
    if flt.actor:
        q = q.where(AuditEntry.actor == flt.actor)
    if flt.action:
        q = q.where(AuditEntry.action == flt.action)
    if flt.station_code:
        q = q.where(AuditEntry.station_code == flt.station_code)
    if flt.target_id:
        q = q.where(AuditEntry.target_id == flt.target_id)
    if flt.since:
        q = q.where(AuditEntry.at >= flt.since)
    if flt.until:
        q = q.where(AuditEntry.at < flt.until)
    return list(s.scalars(q.limit(limit)))
