"""A station's user accounts across its PCs (issue 11): a user added, disabled or given another
role on one PC reaches the others through the district. Only the account travels (id, user
name, display name, role, enabled); passwords and key slots never leave a PC.

* ``POST /api/v2/users`` (signed): the accounts this PC changed, each with the district version
  its change started from and the fields it changed. The district takes a change made from its
  current version whole; a change made from an older version (another PC changed the account
  meanwhile) brings only the fields it changed (a disabling on one PC is not undone by a role
  change on another). A user name already used by another account of the station is
  refused with its reason. The answer gives each account as the district now holds it.
* ``GET /api/v2/users?after=N``: the station's accounts changed after the station's user
  sequence ``N`` (the pull's cursor), every PC's changes included.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.district.auth import StationPrincipal
from app.district.devices import _lock_station
from app.district.models import utcnow
from app.district.models_station import StationUser
from app.district.server import ERRORS, signed_raw, station_principal
from app.domain.enums import Role
from app.sync import protocol

FIELDS = ("username", "display_name", "role", "active")
MAX_USERS = 500


class UserIn(BaseModel):
    id: str = Field(pattern=protocol.UUID_PATTERN)
    username: str = Field(min_length=1, max_length=60)
    display_name: str = Field(min_length=1, max_length=60)
    role: str = Field(pattern="^(" + "|".join(r.value for r in Role) + ")$")
    active: bool
    created_at: str | None = Field(default=None, max_length=40)
    base_version: int = Field(ge=0, le=2**53)
    changed: list[str] = Field(default_factory=list, max_length=len(FIELDS))


def as_dict(row: StationUser) -> dict:
    return {
        "id": row.id,
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "active": row.active,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "version": row.version,
        "seq": row.server_seq,
    }


def push(s: Session, station_code: str, device_id: str, raw: list[dict]) -> dict:
    try:
        users = [UserIn.model_validate(u) for u in raw]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first.get("loc", ()))
        raise HTTPException(422, f"用户数据格式不正确：{where}：{first.get('msg', '')}") from None
    _lock_station(s, station_code)  # one station's user changes one at a time
    seq = s.scalar(
        select(func.coalesce(func.max(StationUser.server_seq), 0)).where(
            StationUser.station_code == station_code
        )
    )
    out, refused = [], []
    for u in users:
        held = s.get(StationUser, u.id)
        if held is not None and held.station_code != station_code:
            refused.append({"id": u.id, "reason": "该用户属于另一站点"})
            continue
        taken = s.scalar(
            select(StationUser.id).where(
                StationUser.station_code == station_code,
                StationUser.username == u.username.strip(),
                StationUser.id != u.id,
            )
        )
        if taken is not None:
            refused.append(
                {
                    "id": u.id,
                    "reason": f"用户名“{u.username}”在本站另一台电脑上属于另一位用户：未同步该用户。"
                    "请在其中一台电脑上停用其中一个，另建不同用户名的用户",
                }
            )
            continue
        incoming = {"username": u.username.strip(), "display_name": u.display_name,
                    "role": u.role, "active": u.active}  # fmt: skip
        if held is None:
            from datetime import datetime

            created = None
            if u.created_at:
                try:
                    created = datetime.fromisoformat(u.created_at)
                except ValueError:
                    created = None
            seq += 1
            held = StationUser(id=u.id, station_code=station_code, version=1, server_seq=seq,
                               device_id=device_id, created_at=created, updated_at=utcnow(),
                               **incoming)  # fmt: skip
            s.add(held)
            out.append(as_dict(held))
            continue
        if u.base_version == held.version:
            wanted = incoming
        else:  # another PC changed the account meanwhile: only what this PC changed
            wanted = {k: incoming[k] for k in u.changed if k in FIELDS}
        changes = {k: v for k, v in wanted.items() if getattr(held, k) != v}
        if changes:
            for k, v in changes.items():
                setattr(held, k, v)
            seq += 1
            held.version += 1
            held.server_seq = seq
            held.device_id = device_id
            held.updated_at = utcnow()
        out.append(as_dict(held))
    s.flush()
    return {"users": out, "refused": refused}


def changed_after(s: Session, station_code: str, after: int) -> dict:
    rows = s.scalars(
        select(StationUser)
        .where(StationUser.station_code == station_code, StationUser.server_seq > after)
        .order_by(StationUser.server_seq)
        .limit(MAX_USERS)
    ).all()
    users = [as_dict(r) for r in rows]
    return {"users": users, "next": users[-1]["seq"] if users else after}


def install_station_users(app: FastAPI) -> None:
    @app.post("/api/v2/users", responses=ERRORS, tags=["同步"])
    def push_users(
        request: Request,
        signed: Annotated[tuple[StationPrincipal, bytes], Depends(signed_raw)],
    ) -> dict:
        """本机新增或修改的用户（不含密码）：区级合并后答复各用户的当前状态。"""
        principal, body = signed
        try:
            doc = protocol.loads(body)
        except ValueError:
            raise HTTPException(422, "请求格式不正确：内容不是有效的 JSON") from None
        users = doc.get("users") if isinstance(doc, dict) else None
        if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
            raise HTTPException(422, "请求格式不正确：应为 {users: [...]}")
        if len(users) > MAX_USERS:
            raise HTTPException(413, f"一次最多上报 {MAX_USERS} 个用户")
        with request.app.state.sessions() as s, s.begin():
            return push(s, principal.station_code, principal.credential_id, users)

    @app.get("/api/v2/users", responses=ERRORS, tags=["同步"])
    def pull_users(
        request: Request,
        principal: Annotated[StationPrincipal, Depends(station_principal)],
        after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    ) -> dict:
        """本站的用户（不含密码）：序号大于 after 的变动，本站各台电脑的都在内。"""
        with request.app.state.sessions() as s:
            return changed_after(s, principal.station_code, after)
