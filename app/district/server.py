"""The FastAPI application of the district server: the station API and the dashboard."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.district import auth, db, devices
from app.district import blobs as blob_store
from app.district.bodylimit import PRINCIPAL, BodyLimitMiddleware
from app.district.dashboard import Admin
from app.district.ingest import BatchRefused, _stored_ack, apply_batch, station_label
from app.district.models import (
    DistrictStation,
    RecordConflict,
    StationCredential,
    StationRecord,
    StoredBlob,
    SyncBatch,
    utcnow,
)
from app.district.reference import reference_since
from app.district.schemas import (
    BatchAck,
    BatchError,
    BatchIn,
    DeviceOut,
    EnrollIn,
    EnrollOut,
    ErrorOut,
    NoticeOut,
    NumbersIn,
    NumbersOut,
    ParsedBatch,
    PullOut,
    RecordCount,
    ReferenceItemOut,
    ReferenceOut,
    StationStatus,
    parse_batch,
)
from app.logsetup import describe_exception
from app.sync import protocol

log = logging.getLogger(__name__)
Path_ = Path  # FastAPI's path parameter (``Path`` is also ``pathlib``'s name elsewhere)

ERRORS = {
    400: {"model": ErrorOut, "description": "请求内容有误"},
    401: {"model": ErrorOut, "description": "缺少或无效的站点凭据"},
    403: {"model": ErrorOut, "description": "无权进行此操作"},
    409: {"model": ErrorOut, "description": "与已处理的数据冲突"},
    413: {"model": ErrorOut, "description": "请求内容过大"},
    415: {"model": ErrorOut, "description": "不支持的压缩方式"},
    422: {"model": ErrorOut, "description": "请求格式不正确"},
}


@dataclass
class ServerConfig:
    database_url: str | None = None
    #: stations not synced for this many days are highlighted on the dashboard
    stale_days: float = 3.0
    #: the session cookie is marked Secure (served over HTTPS)
    secure_cookies: bool = True
    #: publish /openapi.json and /docs to anyone (development); otherwise /openapi.json is for
    #: logged-in district admins only and /docs is off
    api_docs: bool = False
    #: attachment contents (encrypted) and the key file they are encrypted with (not in the
    #: database); defaults beside an SQLite database, or in the working folder
    blob_dir: str | None = None
    blob_key_file: str | None = None
    blob_quota_bytes: int = 20 * 1024**3


CONFIG_ENV = "LABOR_DISTRICT_SERVER_CONFIG"
HSTS = (b"strict-transport-security", b"max-age=31536000")


class HstsMiddleware:
    """``Strict-Transport-Security`` on every answer given over HTTPS: a browser that has once
    reached the dashboard over HTTPS never again sends its session over plain http."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def with_hsts(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), HSTS])
            await send(message)

        await self.app(scope, receive, with_hsts)


def app_from_environment() -> FastAPI:
    """The app of one server process when ``serve --workers N`` starts several (uvicorn's
    factory); the configuration comes from ``LABOR_DISTRICT_SERVER_CONFIG`` (JSON)."""
    import gc
    import json

    app = create_app(ServerConfig(**json.loads(os.environ[CONFIG_ENV])))
    gc.freeze()
    return app


def _sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


def station_principal(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer 站点凭据")] = None,
) -> auth.StationPrincipal:
    known = getattr(request.state, PRINCIPAL, None)
    if known is not None:  # checked before the body was decompressed (bodylimit)
        return known
    with _sessions(request)() as s:
        try:
            return auth.authenticate_station(s, authorization)
        except auth.AuthError as exc:
            raise HTTPException(
                exc.status, str(exc), headers={"WWW-Authenticate": "Bearer"}
            ) from None


async def signed_body(
    request: Request,
    principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    x_labor_signature: Annotated[
        str | None, Header(description="HMAC-SHA256（站点签名密钥，未压缩的请求内容）")
    ] = None,
) -> auth.StationPrincipal:
    body = await request.body()
    if not protocol.signature_ok(principal.signing_key, body, x_labor_signature):
        raise HTTPException(400, "批次签名不符：数据在传输中被改动，或不是由本站凭据发出，已拒收")
    return principal


async def signed_raw(
    request: Request,
    principal: Annotated[auth.StationPrincipal, Depends(signed_body)],
) -> tuple[auth.StationPrincipal, bytes]:
    """A signed body as it came (attachment parts)."""
    return principal, await request.body()


async def signed_batch(
    request: Request,
    principal: Annotated[auth.StationPrincipal, Depends(signed_body)],
) -> tuple[auth.StationPrincipal, ParsedBatch]:
    """The batch, parsed only after its credential and signature were checked.

    Parsed here rather than by FastAPI: strictly (NaN and Infinity, which are not JSON, are
    refused) and fast (``protocol.loads``, then :func:`parse_batch`).
    """
    body = await request.body()
    try:
        doc = protocol.loads(body)
    except (ValueError, RecursionError):
        raise HTTPException(422, "请求格式不正确：内容不是有效的 JSON") from None
    try:
        return principal, parse_batch(doc)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    except BatchError as exc:
        raise RequestValidationError(exc.errors) from None


def _with_batch_schema(app: FastAPI):
    """Publish the batch body (parsed by hand, see ``signed_batch``) in the OpenAPI components."""
    original = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        defs = BatchIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(defs.pop("$defs", {}))
        components["BatchIn"] = defs
        return schema

    app.openapi = openapi


def create_app(config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig()
    engine = db.make_engine(config.database_url)
    app = FastAPI(
        title="鼓楼区劳动关系服务站 · 区级同步服务",
        version=__version__,
        description="站点同步接口：批次上报（幂等、确认水位）、站点登记、区级参考数据与通知下发。",
        openapi_url="/openapi.json" if config.api_docs else None,
        docs_url="/docs" if config.api_docs else None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.sessions = db.sessions(engine)
    app.state.config = config
    from app.district import blobs as blob_store

    blob_dir = (
        FsPath(config.blob_dir)
        if config.blob_dir
        else blob_store.default_blob_dir(config.database_url)
    )
    key_file = (
        FsPath(config.blob_key_file)
        if config.blob_key_file
        else (blob_store.default_key_file(blob_dir))
    )
    app.state.blobs = blob_store.EncryptedBlobs(
        blob_store.FolderStorage(blob_dir), blob_store.load_key(key_file)
    )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(HstsMiddleware)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())][:6], "msg": str(e.get("msg", ""))[:200]}
            for e in exc.errors()[:20]
        ]
        where = "；".join(f"{'/'.join(e['loc'])}：{e['msg']}" for e in errors[:3])
        return JSONResponse(
            {"detail": f"请求格式不正确：{where}", "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "请求有误"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "没有这个地址"
        elif exc.status_code == 405:
            detail = "该地址不支持这种请求方法"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(BatchRefused)
    async def _refused(request: Request, exc: BatchRefused):
        return JSONResponse({"detail": str(exc), **exc.extra}, status_code=exc.status)

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError):
        log.error("database error: %s", describe_exception(exc))
        return JSONResponse({"detail": "区级数据库暂时不可用，请稍后重试"}, status_code=503)

    # ------------------------------------------------------------ station API

    @app.post("/api/v1/enroll", response_model=EnrollOut, responses=ERRORS, tags=["站点"])
    def enroll(body: EnrollIn, request: Request) -> EnrollOut:
        """用区级管理员生成的一次性登记码换取站点凭据。"""
        client = request.client.host if request.client else "?"
        try:
            # every attempt from an address counts (in the database: all server processes share it)
            auth.check_throttle(
                _sessions(request),
                "enroll-addr",
                client,
                "登记码尝试次数过多，请{minutes}分钟后再试",
            )
            with _sessions(request)() as s, s.begin():
                station_code = body.station_code or auth.code_station(s, body.code) or ""
                credential = auth.redeem_enrollment_code(s, station_code, body.code, body.store_id)
                auth.throttle_refund(s, "enroll-addr", client)
        except auth.Throttled as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(exc.retry_after)}
            ) from None
        except auth.AuthError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        log.info("station %s enrolled", station_code)
        token_id = protocol.parse_credential(credential)[0]
        with _sessions(request)() as s:
            device = s.get(StationCredential, token_id)
            device_name = device.device_name if device else None
        return EnrollOut(
            station_code=station_code,
            station_name=station_label(station_code),
            credential=credential,
            device_id=token_id,
            device_name=device_name,
        )

    @app.post(
        "/api/v1/sync/batches",
        response_model=BatchAck,
        responses=ERRORS,
        tags=["同步"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}
                },
            }
        },
    )
    def post_batch(
        request: Request,
        signed: Annotated[tuple[auth.StationPrincipal, ParsedBatch], Depends(signed_batch)],
    ) -> BatchAck:
        """上报一批记录。同一批次编号重复上报时返回原确认，不作任何改动。"""
        principal, batch = signed
        ack = apply_batch(
            _sessions(request), principal.station_code, batch, principal.credential_id
        )
        log.info(
            "batch seq %s from %s: +%s ~%s =%s rejected %s%s",
            ack.seq,
            principal.station_code,
            ack.inserted,
            ack.updated,
            ack.unchanged,
            len(ack.rejected),
            " (replay)" if ack.duplicate else "",
        )
        return ack

    @app.get(
        "/api/v1/sync/batches/{batch_id}", response_model=BatchAck, responses=ERRORS, tags=["同步"]
    )
    def get_batch(
        request: Request,
        batch_id: Annotated[str, Path(pattern=protocol.UUID_PATTERN)],
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> BatchAck:
        """本站某一批次的确认（只能查询本站的批次）。"""
        with _sessions(request)() as s:
            row = s.get(SyncBatch, batch_id)
            if row is None or row.station_code != principal.station_code:
                raise HTTPException(404, "没有找到本站的这一批次")
            return _stored_ack(row)

    @app.get("/api/v1/sync/status", response_model=StationStatus, responses=ERRORS, tags=["同步"])
    def sync_status(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> StationStatus:
        """本站在区级的同步进度。"""
        with _sessions(request)() as s:
            st = s.get(DistrictStation, principal.station_code)
            count = s.scalar(
                select(func.count())
                .select_from(StationRecord)
                .where(StationRecord.station_code == principal.station_code)
            )
            return StationStatus(
                station_code=st.code,
                station_name=st.name,
                last_batch_seq=st.last_batch_seq,
                last_sync_at=st.last_sync_at.isoformat() if st.last_sync_at else None,
                records=count or 0,
            )

    # ------------------------------------------------------------ protocol 2

    @app.get("/api/v2/sync/records", response_model=PullOut, responses=ERRORS, tags=["同步"])
    def pull_records(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
        after: Annotated[int, Query(ge=0, le=2**53, description="上次取得的区级服务器序号")] = 0,
        limit: Annotated[int, Query(ge=1, le=devices.MAX_PAGE)] = devices.DEFAULT_PAGE,
    ) -> Response:
        """本站其他电脑写入的记录：区级服务器序号大于 after 的，按序号排列，每页至多 limit 条。"""
        with _sessions(request)() as s, s.begin():
            page = devices.pull(s, principal.station_code, principal.credential_id, after, limit)
            devices.touch(s, principal.credential_id)
        # orjson: a page is thousands of records (the stdlib encoder was most of the time)
        return Response(content=protocol.dumps(page), media_type="application/json")

    @app.get("/api/v2/sync/counts", response_model=list[RecordCount], responses=ERRORS,
             tags=["同步"])  # fmt: skip
    def record_counts(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> list[RecordCount]:
        """区级保存的本站记录数（按记录类型），供恢复后核对。"""
        with _sessions(request)() as s:
            counts = devices.record_counts(s, principal.station_code)
        return [RecordCount(entity=e, count=n) for e, n in sorted(counts.items())]

    @app.post("/api/v2/numbers", response_model=NumbersOut, responses=ERRORS, tags=["同步"])
    async def take_numbers(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(signed_body)],
    ) -> NumbersOut:
        """为本机预留一段案件编号（同一站点的各台电脑之间不会重复）。"""
        try:
            body = NumbersIn.model_validate(protocol.loads(await request.body()))
        except ValueError:
            raise HTTPException(422, "请求格式不正确：应为 {year, used, size}") from None

        def issue():
            with _sessions(request)() as s, s.begin():
                return devices.take_numbers(
                    s, principal.station_code, principal.credential_id,
                    body.year, body.used, body.size,
                )  # fmt: skip

        from starlette.concurrency import run_in_threadpool

        return NumbersOut(year=body.year, **await run_in_threadpool(issue))

    def _blob_state(s, station: str, sha: str):
        return s.get(StoredBlob, (station, sha))

    @app.get("/api/v2/blobs/{sha256}", responses=ERRORS, tags=["附件"])
    def blob_status(
        request: Request,
        sha256: Annotated[str, Path_(pattern=blob_store.SHA_PATTERN)],
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> dict:
        """本站某一附件内容在区级的状态：是否已保存，未完成的上传已收到多少字节。"""
        with _sessions(request)() as s:
            row = _blob_state(s, principal.station_code, sha256)
        if row is not None:
            return {"stored": True, "size": row.size, "received": row.size}
        received = request.app.state.blobs.received(principal.station_code, sha256)
        return {"stored": False, "size": None, "received": received}

    @app.put("/api/v2/blobs/{sha256}/parts/{offset}", responses=ERRORS, tags=["附件"])
    def put_blob_part(
        request: Request,
        sha256: Annotated[str, Path_(pattern=blob_store.SHA_PATTERN)],
        offset: Annotated[int, Path_(ge=0, le=blob_store.MAX_BLOB_BYTES)],
        size: Annotated[int, Query(ge=1, description="附件的总字节数")],
        signed: Annotated[tuple[auth.StationPrincipal, bytes], Depends(signed_raw)],
    ) -> dict:
        """上传附件内容的一部分（每部分至多 4 MB，按顺序）；最后一部分到达时校验 SHA-256 并保存，答复 stored。"""
        principal, body = signed
        station = principal.station_code
        store = request.app.state.blobs
        if size > blob_store.MAX_BLOB_BYTES:
            limit = blob_store.MAX_BLOB_BYTES // 1024 // 1024
            raise HTTPException(413, f"附件过大：区级服务器接受的单个附件上限为 {limit} MB")
        if not body or len(body) > blob_store.PART_BYTES or offset + len(body) > size:
            raise HTTPException(400, "附件分段的长度不正确")
        with _sessions(request)() as s:
            if _blob_state(s, station, sha256) is not None:
                return {"stored": True, "received": size}
            used = s.scalar(
                select(func.coalesce(func.sum(StoredBlob.size), 0)).where(
                    StoredBlob.station_code == station
                )
            )
        quota = request.app.state.config.blob_quota_bytes
        if used + size > quota:
            raise HTTPException(
                413,
                f"本站在区级服务器的附件存储已满（上限 {quota / 1024**3:.0f} GB）：请联系区人社局",
            )
        received = store.received(station, sha256)
        if offset != received:
            raise HTTPException(
                409,
                f"附件分段的位置不对：区级已收到 {received} 字节",
            )
        try:
            store.put_part(station, sha256, offset, body)
            if offset + len(body) < size:
                return {"stored": False, "received": offset + len(body)}
            store.assemble(station, sha256, size)
        except blob_store.BlobError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        with _sessions(request)() as s, s.begin():
            if _blob_state(s, station, sha256) is None:
                s.add(StoredBlob(station_code=station, sha256=sha256, size=size))
        return {"stored": True, "received": size}

    @app.get("/api/v2/blobs/{sha256}/content", responses=ERRORS, tags=["附件"])
    def get_blob(
        request: Request,
        sha256: Annotated[str, Path_(pattern=blob_store.SHA_PATTERN)],
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> Response:
        """本站的一个附件内容（只能取得本站上传的附件）。"""
        with _sessions(request)() as s:
            row = _blob_state(s, principal.station_code, sha256)
        data = None
        if row is not None:
            data = request.app.state.blobs.get(principal.station_code, sha256)
        if data is None:
            raise HTTPException(404, "区级服务器上没有本站的这个附件")
        return Response(content=data, media_type="application/octet-stream")

    @app.get("/api/v2/conflicts", responses=ERRORS, tags=["同步"])
    def list_conflicts(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> list[dict]:
        """本站尚未处理的字段冲突：两台电脑从同一版本出发、改成不同值的字段。"""
        with _sessions(request)() as s:
            names = {c.id: c.device_name for c in auth.devices(s, principal.station_code)}
            rows = s.scalars(
                select(RecordConflict)
                .where(
                    RecordConflict.station_code == principal.station_code,
                    RecordConflict.resolved_at.is_(None),
                )
                .order_by(RecordConflict.id)
                .limit(500)
            ).all()
            return [
                {
                    "id": c.id, "entity": c.entity, "record_id": c.record_id, "field": c.field,
                    "held_value": c.held_value, "held_device": c.held_device,
                    "held_device_name": names.get(c.held_device), "held_at": c.held_at,
                    "incoming_value": c.incoming_value, "incoming_device": c.incoming_device,
                    "incoming_device_name": names.get(c.incoming_device),
                    "incoming_at": c.incoming_at,
                }
                for c in rows
            ]  # fmt: skip

    @app.post("/api/v2/conflicts/{conflict_id}/resolve", responses=ERRORS, tags=["同步"])
    def resolve_conflict(
        request: Request,
        conflict_id: Annotated[int, Path_(ge=1, le=2**31 - 1)],
        signed: Annotated[tuple[auth.StationPrincipal, bytes], Depends(signed_raw)],
    ) -> dict:
        """处理一个字段冲突（全站只处理一次：已由另一台电脑处理时答复 409）。"""
        principal, body = signed
        try:
            doc = protocol.loads(body)
        except ValueError:
            raise HTTPException(422, "请求格式不正确：应为 JSON") from None
        if not isinstance(doc, dict) or doc.get("choice") not in ("held", "incoming", "edited"):
            raise HTTPException(422, "请求格式不正确：choice 应为 held、incoming 或 edited")
        from sqlalchemy import update as sql_update

        with _sessions(request)() as s, s.begin():
            done = s.execute(
                sql_update(RecordConflict)
                .where(
                    RecordConflict.id == conflict_id,
                    RecordConflict.station_code == principal.station_code,
                    RecordConflict.resolved_at.is_(None),
                )
                .values(
                    resolved_at=utcnow(),
                    resolved_by=principal.credential_id,
                    resolution={"choice": doc["choice"], "value": doc.get("value")},
                )
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:
                raise HTTPException(409, "该冲突已由本站另一台电脑处理，或不属于本站")
        return {"resolved": True}

    @app.post("/api/v2/devices/{device_id}/revoke", responses=ERRORS, tags=["同步"])
    def revoke_own_device(
        request: Request,
        device_id: Annotated[str, Path_(pattern=r"^[0-9a-f]{1,32}$")],
        signed: Annotated[tuple[auth.StationPrincipal, bytes], Depends(signed_raw)],
    ) -> dict:
        """站点管理员停用本站的一台电脑（其凭据立即失效）。只能停用本站的电脑。"""
        principal, _body = signed
        try:
            with _sessions(request)() as s, s.begin():
                auth.revoke_device(s, device_id, principal.station_code)
        except auth.AuthError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        log.info("station %s retired one of its PCs", principal.station_code)
        return {"revoked": True}

    @app.get("/api/v2/devices", response_model=list[DeviceOut], responses=ERRORS, tags=["同步"])
    def list_devices(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
    ) -> list[DeviceOut]:
        """本站已登记的电脑（含已停用的）。"""
        with _sessions(request)() as s:
            rows = auth.devices(s, principal.station_code)
        return [
            DeviceOut(
                id=c.id,
                name=c.device_name,
                enrolled_at=c.created_at.isoformat(),
                last_seen_at=c.last_seen_at.isoformat() if c.last_seen_at else None,
                revoked_at=c.revoked_at.isoformat() if c.revoked_at else None,
                numbering=c.numbering,
                this_device=c.id == principal.credential_id,
            )
            for c in rows
        ]

    @app.get("/api/v1/reference", response_model=ReferenceOut, responses=ERRORS, tags=["参考数据"])
    def get_reference(
        request: Request,
        principal: Annotated[auth.StationPrincipal, Depends(station_principal)],
        since: Annotated[int, Query(ge=0, le=2**53, description="上次取得的修订号")] = 0,
    ) -> ReferenceOut:
        """区级代码表和通知：修订号大于 since 的全部变动。"""
        with _sessions(request)() as s:
            items, notices, rev = reference_since(s, since)
            return ReferenceOut(
                rev=rev,
                items=[
                    ReferenceItemOut(
                        kind=i.kind,
                        code=i.code,
                        name=i.name,
                        data=i.data,
                        active=i.active,
                        version=i.version,
                    )
                    for i in items
                ],
                notices=[
                    NoticeOut(
                        id=n.id, title=n.title, body=n.body, published_at=n.published_at.isoformat()
                    )
                    for n in notices
                ],
            )

    from app.district.dashboard import install_dashboard

    install_dashboard(app)
    from app.district.admin_pages import install_admin_pages
    from app.district.public import install_public
    from app.district.station_audit import install_station_audit
    from app.district.station_users import install_station_users

    install_public(app)
    install_admin_pages(app)
    install_station_audit(app)
    from app.district.record_files import install_record_files

    install_record_files(app)
    install_station_users(app)
    from app.district.work_pages import install_work_pages

    install_work_pages(app)
    _with_batch_schema(app)
    if not config.api_docs:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_for_admins(sess: Admin) -> JSONResponse:
            """The interface description, for a logged-in district admin only."""
            return JSONResponse(app.openapi())

    return app
