"""The document kinds of a case (light: the command line lists them without loading ReportLab)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


KINDS: tuple[DocumentKind, ...] = (
    DocumentKind("application", "调解申请书", ("申请书",)),
    DocumentKind("register", "案件登记表", ("登记表",)),
    DocumentKind("acceptance", "受理通知书", ("受理通知书",)),
    DocumentKind("decline", "不予受理通知书", ("不予受理",)),
    DocumentKind("session_record", "调解笔录", ("笔录", "session-record")),
    DocumentKind("agreement", "调解协议书", ("协议书",)),
    DocumentKind("termination", "调解终止通知书", ("终止通知书", "调解不成通知书")),
    DocumentKind("expiry_notice", "调解期限届满告知书", ("届满告知书", "expiry-notice")),
    DocumentKind("review_application", "仲裁审查申请书", ("仲裁审查", "review-application")),
    DocumentKind("nonperformance", "协议履行情况告知书", ("履行情况告知书", "不履行告知书")),
    DocumentKind("authorization", "授权委托书", ("委托书",)),
    DocumentKind("referral", "拖欠劳动报酬线索移送函", ("移送函", "劳动监察移送函")),
    DocumentKind("dossier", "卷宗封面及卷内目录", ("卷宗封面", "卷内目录")),
)


def kind_by_name(name: str) -> DocumentKind | None:
    value = (name or "").strip()
    for k in KINDS:
        if value in (k.code, k.name, *k.aliases) or value.replace("-", "_") == k.code:
            return k
    return None
