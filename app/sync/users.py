"""Protocol 2: the station's user accounts across its PCs (issue 11).

A user added, disabled, re-enabled or given another role on one PC reaches the station's other
PCs at their next sync, through the district (:mod:`app.district.station_users`). Only the
account travels (id, user name, display name, role, enabled); **passwords and key slots never
leave a PC**:

* a user added on another PC arrives without a password here: they cannot log in on this PC
  until the station administrator sets one (设置与用户 → 重置密码; ``users reset-password``), as
  after a restore from the district;
* a user disabled on another PC is disabled here too, and their key slot on this PC goes as
  when disabled here (the database key is rotated, kept backups lose the slot): neither their
  password nor a copied key file opens this PC's store any more. A user logged in at that
  moment keeps the open session until it is locked or closed (the lock screen no longer takes
  their password);
* a re-enabled user has no password on the PCs where they were disabled: the administrator sets
  one there.

Each account keeps ``sync_base``, the account as the district last held it; the fields that
differ from it are this PC's changes still to send. The push goes first (the district merges a
change made meanwhile on another PC field by field and answers the result), then the pull of
every account changed after the cursor ``sync.users_cursor``. An account changed here and not
yet sent is not overwritten by the pull (its change goes at the next push). A pulled account
whose user name is taken here by another account is left out with a note on the 同步 page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from app.domain.enums import Role
from app.store.models import AuditEvent, UserAccount, utcnow
from app.sync import protocol, state
from app.sync.client import SyncProblem

log = logging.getLogger(__name__)

CURSOR = "sync.users_cursor"
FIELDS = ("username", "display_name", "role", "active")


@dataclass
class UserSync:
    sent: int = 0
    received: int = 0
    #: users disabled here because another PC disabled them (their slot here removed)
    disabled: list[str] = field(default_factory=list)
    #: users who arrived or were re-enabled without a password on this PC
    need_password: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fields_of(u: UserAccount) -> dict:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "role": Role(u.role).value,
        "active": bool(u.active),
    }


def _row_fields(row: dict) -> dict:
    return {k: row[k] for k in FIELDS}


def _dirty(u: UserAccount) -> bool:
    base = u.sync_base or {}
    return base.get("fields") != fields_of(u)


def _apply(s, u: UserAccount, row: dict, changes: list) -> None:
    """Take the district's account into this PC's (the caller checked it is not dirty)."""
    wanted = _row_fields(row)
    before = fields_of(u)
    if before != wanted:
        u.username = wanted["username"]
        u.display_name = wanted["display_name"]
        u.role = Role(wanted["role"])
        u.active = wanted["active"]
        changes.append((u, before, wanted))
    u.sync_base = {"version": int(row["version"]), "fields": wanted}


def _summary(before: dict | None, after: dict) -> str:
    if before is None:
        return f"本站其他电脑新增的用户（{Role(after['role']).label}），本机尚未设置密码"
    parts = []
    if before["active"] != after["active"]:
        parts.append("停用" if not after["active"] else "启用")
    if before["role"] != after["role"]:
        parts.append(f"角色改为{Role(after['role']).label}")
    if before["display_name"] != after["display_name"] or before["username"] != after["username"]:
        parts.append("修改姓名或用户名")
    return "本站其他电脑：" + "，".join(parts)


def exchange(client, store) -> UserSync:
    """Push this PC's account changes, pull the others'; then remove the key slots of users
    the other PCs disabled. A district server without the user addresses is left alone."""
    result = UserSync()
    with state.reading(store) as s:
        dirty = [u for u in s.scalars(select(UserAccount)) if _dirty(u)]
        payload = [
            {
                **fields_of(u),
                "id": u.id,
                "created_at": protocol.plain(u.created_at),
                "base_version": int((u.sync_base or {}).get("version") or 0),
                "changed": [
                    k
                    for k, v in fields_of(u).items()
                    if ((u.sync_base or {}).get("fields") or {}).get(k) != v
                ],
            }
            for u in dirty
        ]
        sent_fields = {u.id: fields_of(u) for u in dirty}
    try:
        if payload:
            body = protocol.dumps({"users": payload})
            answer = client._request(
                "POST", "/api/v2/users", content=body,
                headers=client._signed(body, "application/json"),
            )  # fmt: skip
            result.sent = len(payload) - len(answer.get("refused") or [])
            for r in answer.get("refused") or []:
                result.notes.append(str(r.get("reason") or "")[:300])
            pushed = answer.get("users") or []
        else:
            pushed = []
        with state.reading(store) as s:
            after = int(state.get(s, CURSOR, 0) or 0)
        pulled = []
        for _ in range(100):
            page = client._request("GET", "/api/v2/users", params={"after": after},
                                   headers=client._headers())  # fmt: skip
            rows = page.get("users") or []
            pulled.extend(rows)
            nxt = int(page.get("next") or after)
            if not rows or nxt <= after:
                break
            after = nxt
    except SyncProblem as problem:
        if problem.status == 404:
            return result  # a district server that does not carry users yet
        raise
    changes: list = []
    added: list[tuple[UserAccount, dict]] = []
    with state.transaction(store) as s:
        for row in pushed:
            u = s.get(UserAccount, row["id"])
            if u is None:
                continue
            if fields_of(u) == sent_fields.get(u.id):
                _apply(s, u, row, changes)  # the merged result (another PC's fields too)
            else:  # changed again meanwhile: keep it, send it next time from this version
                u.sync_base = {"version": int(row["version"]), "fields": _row_fields(row)}
        latest: dict[str, dict] = {}
        for row in pulled:
            latest[row["id"]] = row
        for row in latest.values():
            u = s.get(UserAccount, row["id"])
            if u is not None:
                base_version = int((u.sync_base or {}).get("version") or 0)
                if int(row["version"]) < base_version:
                    continue  # older than what this PC already has
                if _dirty(u):
                    u.sync_base = {"version": int(row["version"]), "fields": _row_fields(row)}
                else:
                    _apply(s, u, row, changes)
                continue
            taken = s.scalar(select(UserAccount.id).where(UserAccount.username == row["username"]))
            if taken is not None:
                result.notes.append(
                    f"本站其他电脑的用户“{row['username']}”与本机的另一用户同名：未同步该用户。"
                    "请在其中一台电脑上停用其中一个，另建不同用户名的用户"
                )
                continue
            created = None
            if row.get("created_at"):
                try:
                    created = datetime.fromisoformat(row["created_at"])
                except ValueError:
                    created = None
            u = UserAccount(
                id=row["id"],
                username=row["username"],
                display_name=row["display_name"],
                role=Role(row["role"]),
                active=bool(row["active"]),
                created_at=created or utcnow(),
                sync_base={"version": int(row["version"]), "fields": _row_fields(row)},
            )
            s.add(u)
            added.append((u, _row_fields(row)))
        for u, before, after_fields in changes:
            s.add(AuditEvent(user_id=None, action="user_sync", entity="user_account",
                             entity_id=u.id, summary=_summary(before, after_fields)))  # fmt: skip
        for u, after_fields in added:
            s.add(AuditEvent(user_id=None, action="user_sync", entity="user_account",
                             entity_id=u.id, summary=_summary(None, after_fields)))  # fmt: skip
        state.put(s, CURSOR, after)
        result.received = len(changes) + len(added)
        went_inactive = [after_f["username"] for _u, before, after_f in changes
                         if before["active"] and not after_f["active"]]  # fmt: skip
        came_back = [after_f["username"] for _u, before, after_f in changes
                     if not before["active"] and after_f["active"]]  # fmt: skip
        arrived = [f["username"] for _u, f in added if f["active"]]
    for username in went_inactive:
        if store.drop_user_slot(username):
            log.info("a user disabled on another PC: slot removed here")
        result.disabled.append(username)
    result.need_password = [n for n in arrived + came_back if not store.has_password_here(n)]
    if result.need_password:
        result.notes.append(
            "以下用户在本机尚未设置密码，需由站点管理员在“设置与用户”中重置密码后才能在本机登录："
            + "、".join(result.need_password)
        )
    return result


def adopt_admin(client, store) -> bool:
    """A new PC joining its station: if the district knows an enabled station administrator of
    the same user name as this PC's new administrator, this PC's account becomes that one (its
    id), so that the station has one account per person. Called right after the store is made,
    before anything is written with the new account. Returns whether it was adopted."""
    try:
        page = client._request("GET", "/api/v2/users", params={"after": 0},
                               headers=client._headers())  # fmt: skip
    except SyncProblem as problem:
        if problem.status == 404:
            return False
        raise
    me = store.user
    row = next((r for r in page.get("users") or [] if r["username"] == me.username), None)
    if row is None or row["id"] == me.id:
        return False
    if not row["active"] or row["role"] != Role.STATION_ADMIN.value:
        return False  # never take a role through a user name
    from app.store.store import CurrentUser

    with state.transaction(store) as s:
        s.execute(
            update(UserAccount)
            .where(UserAccount.id == me.id)
            .values(id=row["id"], display_name=row["display_name"],
                    sync_base={"version": int(row["version"]), "fields": _row_fields(row)})
        )  # fmt: skip
        s.execute(update(AuditEvent).where(AuditEvent.user_id == me.id).values(user_id=row["id"]))
    store.user = CurrentUser(row["id"], me.username, row["display_name"], me.role)
    return True
