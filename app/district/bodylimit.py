"""ASGI middleware: bounded request bodies, decompressed (gzip/zstd) before the app sees them."""

from __future__ import annotations

import json

from app.sync import protocol


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
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
                await _reply(send, 413, f"请求内容过大：上限 {self.max_body // (1024 * 1024)} MB")
                return
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
        if encoding not in protocol.ENCODINGS:
            await _reply(send, 415, f"不支持的压缩方式：{encoding[:20]}（可用 zstd、gzip）")
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body:
                await _reply(send, 413, f"请求内容过大：上限 {self.max_body // (1024 * 1024)} MB")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if encoding != "identity":
            try:
                body = protocol.decompress(body, encoding, self.max_decompressed)
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
