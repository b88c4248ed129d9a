"""ASGI middleware: bounded request bodies, decompressed (gzip/zstd) before the app sees them.

A compressed body is decompressed only for a client that has shown who it is: a request to the
station API needs a valid station credential and a signature header before anything is
inflated (the signature itself covers the uncompressed body, so the endpoint checks it after);
any other compressed request (enrollment, the dashboard's forms, which never compress) may
expand to ``MAX_UNAUTHENTICATED_DECOMPRESSED`` bytes at most.
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool

from app.sync import protocol

#: a compressed request without a station credential inflates to no more than this
MAX_UNAUTHENTICATED_DECOMPRESSED = 64 * 1024
STATION_API = "/api/v1/sync/"
PRINCIPAL = "station_principal"
_SIGNATURE = re.compile(rb"^\s*[0-9a-fA-F]{64}\s*$")


#: the public pages (app/district/public.py) answer people in a browser: a page, not JSON
PUBLIC_PAGES = "/apply"
_PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>提交失败</title>'
    '</head><body style="font-family: sans-serif; padding: 16px; font-size: 16px">'
    "<p>{message}</p><p>证据材料合计不超过7MB，请压缩或减少文件后，"
    '<a href="/apply">返回重新填写</a>。</p></body></html>'
)


async def _reply(
    send, status: int, message: str, headers: list | None = None, *, page: bool = False
) -> None:
    if page:
        body = _PAGE.format(message=message).encode()
        ctype = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        ctype = b"application/json; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", ctype),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(
        self,
        app,
        max_body: int = protocol.MAX_BODY_BYTES,
        max_decompressed: int = protocol.MAX_DECOMPRESSED_BYTES,
    ):
        self.app = app
        self.max_body = max_body
        self.max_decompressed = max_decompressed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _reply(send, 400, "Content-Length 不是有效的数字")
                return
            if declared > self.max_body:
                await _reply(
                    send,
                    413,
                    f"请求内容过大：上限 {self.max_body // (1024 * 1024)} MB",
                    page=scope.get("path", "").startswith(PUBLIC_PAGES),
                )
                return
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
        if encoding not in protocol.ENCODINGS:
            await _reply(send, 415, f"不支持的压缩方式：{encoding[:20]}（可用 zstd、gzip）")
            return
        limit = self.max_decompressed
        if encoding != "identity":
            if scope.get("path", "").startswith(STATION_API):
                refused = await self._authenticate(scope, headers)
                if refused is not None:
                    await _reply(send, 401, refused, [(b"www-authenticate", b"Bearer")])
                    return
            else:
                limit = min(limit, MAX_UNAUTHENTICATED_DECOMPRESSED)
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body:
                await _reply(
                    send,
                    413,
                    f"请求内容过大：上限 {self.max_body // (1024 * 1024)} MB",
                    page=scope.get("path", "").startswith(PUBLIC_PAGES),
                )
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if encoding != "identity":
            try:
                body = protocol.decompress(body, encoding, limit)
            except protocol.PayloadError as exc:
                await _reply(send, exc.status, str(exc))
                return
        new_headers = [
            (k, v)
            for k, v in scope.get("headers", [])
            if k.lower() not in (b"content-encoding", b"content-length")
        ]
        new_headers.append((b"content-length", str(len(body)).encode()))
        scope = dict(scope, headers=new_headers)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _authenticate(self, scope, headers: dict) -> str | None:
        """None when the credential is valid and a signature is present (the principal is kept
        in the request state for the endpoint); otherwise the Chinese reason to refuse."""
        from app.district import auth

        if not _SIGNATURE.match(headers.get(protocol.SIGNATURE_HEADER.lower().encode(), b"")):
            return "缺少批次签名：请求已拒收"
        app = scope.get("app")
        sessions = getattr(getattr(app, "state", None), "sessions", None)
        if sessions is None:
            return None  # not behind the district app (a test of this middleware alone)
        authorization = headers.get(b"authorization", b"").decode("latin-1")

        def check():
            with sessions() as s:
                return auth.authenticate_station(s, authorization)

        try:
            principal = await run_in_threadpool(check)
        except auth.AuthError as exc:
            return str(exc)
        scope.setdefault("state", {})[PRINCIPAL] = principal
        return None
