"""The FastAPI application of the district server: the station API and the dashboard."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.district import auth, db
from app.district.bodylimit import PRINCIPAL, BodyLimitMiddleware
from app.district.dashboard import Admin
from app.district.ingest import BatchRefused, _stored_ack, apply_batch, station_label
from app.district.models import DistrictStation, StationRecord, SyncBatch
from app.district.reference import reference_since
from app.district.schemas import (
    BatchAck,
    BatchError,
    BatchIn,
    EnrollIn,
    EnrollOut,
    ErrorOut,
    NoticeOut,
    ParsedBatch,
    ReferenceItemOut,
    ReferenceOut,
    StationStatus,
    parse_batch,
)
from app.logsetup import describe_exception
from app.sync import protocol

log = logging.getLogger(__name__)

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
                credential = auth.redeem_enrollment_code(
                    s, body.station_code, body.code, body.store_id
                )
                auth.throttle_refund(s, "enroll-addr", client)
        except auth.Throttled as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(exc.retry_after)}
            ) from None
        except auth.AuthError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        log.info("station %s enrolled", body.station_code)
        return EnrollOut(
            station_code=body.station_code,
            station_name=station_label(body.station_code),
            credential=credential,
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
        ack = apply_batch(_sessions(request), principal.station_code, batch)
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

    install_public(app)
    install_admin_pages(app)
    _with_batch_schema(app)
    if not config.api_docs:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_for_admins(sess: Admin) -> JSONResponse:
            """The interface description, for a logged-in district admin only."""
            return JSONResponse(app.openapi())

    return app
