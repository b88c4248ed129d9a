"""Errors of the store. Each carries a Chinese message fit to show to the user as it is."""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """Base class; ``str(exc)`` is a message for the user (Chinese)."""

    default_message = "数据存储出错"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class BadCredentials(StoreError):
    default_message = "用户名或密码不正确"


class UnlockThrottled(StoreError):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"密码错误次数过多，请在 {retry_after} 秒后再试")


class StoreNotFound(StoreError):
    default_message = "在数据文件夹中没有找到站点数据，请先完成初始化"


class StoreExists(StoreError):
    default_message = "该数据文件夹中已有站点数据，不能重复初始化"


class StoreCorrupt(StoreError):
    default_message = "站点数据文件已损坏或不是本程序的数据文件"


class StoreTooNew(StoreError):
    def __init__(self, found: str):
        self.found = found
        super().__init__(
            f"该数据文件由更新版本的程序创建（数据版本 {found}），本程序无法打开。"
            "请安装最新版本的劳动关系服务站程序后再打开，数据未做任何改动。"
        )


class MigrationFailed(StoreError):
    def __init__(self, detail: str, restored: bool):
        self.restored = restored
        tail = (
            "已自动恢复升级前的备份，数据未受影响。"
            if restored
            else "自动恢复备份失败，请联系区人社局信息管理员。"
        )
        super().__init__(f"数据升级失败：{detail}。{tail}")


class PermissionDenied(StoreError):
    default_message = "当前用户没有进行此操作的权限"


class ValidationError(StoreError):
    """Bad input. ``field`` names the field (Chinese label) when there is one."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(f"{field}：{message}" if field else message)


class NotFound(StoreError):
    default_message = "记录不存在或已被删除"


class Conflict(StoreError):
    default_message = "记录已被其他用户修改，请刷新后重试"


# ---------------------------------------------------------------- problems with a form's fields


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of a form: ``key`` addresses the widget (``visitors``,
    ``check:wage_payment``, ``workers.0.id_number`` …), ``label`` names the field in Chinese for
    messages shown away from it, ``message`` says what is wrong."""

    key: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}：{self.message}" if self.label else self.message


class FormInvalid(ValidationError):
    """Every problem of a form at once; the form shows each next to its field. ``str()`` is the
    first problem (and how many more), for one-line faces such as the command line."""

    def __init__(self, problems: list[FieldProblem]):
        if not problems:
            raise ValueError("FormInvalid needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        more = f"（另有{len(self.problems) - 1}处问题）" if len(self.problems) > 1 else ""
        super().__init__(first.message + more, field=first.label or None)

    def by_key(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(p.key, p.message)
        return out


class Problems:
    """Collects field problems; ``raise_if_any()`` at the end."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, key: str, label: str, message: str) -> None:
        self.items.append(FieldProblem(key, label, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise FormInvalid(self.items)


def raise_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise FormInvalid(problems)
