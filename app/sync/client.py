"""The station's HTTPS client for the district server.

* The district CA certificate is pinned: the TLS context trusts that CA and nothing else.
* The PC's proxy settings are respected (``trust_env``: ``HTTPS_PROXY``/``NO_PROXY`` and, on
  Windows and macOS, the system proxy settings that ``urllib.request.getproxies()`` reads).
* Every failure becomes a :class:`SyncProblem` whose text says in plain Chinese what happened and
  what to do; ``retry`` tells whether trying again later may help.
"""

from __future__ import annotations

import ipaddress
import ssl
from urllib.parse import urlsplit

import httpx

from app import __version__
from app.sync import protocol

TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class SyncProblem(Exception):
    """A sync failure explained in plain Chinese (``str()``); ``retry``: worth trying again later."""

    def __init__(
        self,
        message: str,
        *,
        retry: bool = False,
        status: int | None = None,
        body: dict | None = None,
    ):
        super().__init__(message)
        self.retry = retry
        self.status = status
        self.body = body or {}


def normalise_server_url(url: str) -> str:
    """``https://host[:port]`` without a trailing slash; plain http only to this computer."""
    text = (url or "").strip().rstrip("/")
    if not text:
        raise SyncProblem("请填写区级服务器地址，例如 https://10.1.2.3:8443")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SyncProblem(f"服务器地址格式不正确：{url}（应类似 https://10.1.2.3:8443）")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise SyncProblem(
            "为保护数据，与区级服务器的连接必须使用 https：请把地址改为 https:// 开头"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise SyncProblem(f"服务器地址中的端口号不正确：{url}") from None
    return f"{parts.scheme}://{parts.netloc}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def pinned_context(ca_pem: str) -> ssl.SSLContext:
    """A TLS context that trusts only the district CA (the system's CAs are not loaded)."""
    try:
        ctx = ssl.create_default_context(cadata=ca_pem)
    except (ssl.SSLError, ValueError) as exc:
        raise SyncProblem(
            "区级 CA 证书文件无效：请选择区人社局提供的 CA 证书（.pem 文件）"
        ) from exc
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class DistrictClient:
    def __init__(
        self,
        server_url: str,
        *,
        ca_pem: str | None,
        credential: str | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        encoding: str = "zstd",
    ):
        self.server_url = normalise_server_url(server_url)
        self.host = urlsplit(self.server_url).hostname or ""
        if self.server_url.startswith("https://"):
            if not ca_pem:
                raise SyncProblem(
                    "尚未导入区级 CA 证书：请在“同步”页面选择区人社局提供的 CA 证书文件"
                )
            verify: ssl.SSLContext | bool = pinned_context(ca_pem)
        else:
            verify = False
        self.credential = credential
        self.encoding = encoding
        #: what the district server speaks (``probe_protocol``); 2 until told otherwise
        self.protocol_version = protocol.PROTOCOL_VERSION
        self._signing_key = None
        if credential:
            parsed = protocol.parse_credential(credential)
            if parsed is None:
                raise SyncProblem("本站保存的同步凭据已损坏：请向区人社局申请新的登记码，重新登记")
            self._signing_key = protocol.signing_key(parsed[1])
        self.http = httpx.Client(
            base_url=self.server_url,
            verify=verify,
            trust_env=True,
            timeout=timeout,
            headers={"User-Agent": f"labor-station/{__version__}", "Accept": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> DistrictClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"} if self.credential else {}

    def _request(self, method: str, path: str, *, raw: bool = False, **kwargs):
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.ConnectError as exc:
            if _is_certificate_error(exc):
                raise SyncProblem(
                    "服务器的证书与本站保存的区级 CA 证书不符，连接已中止：可能连到了错误的服务器，"
                    "请联系区人社局信息管理员核实服务器地址和 CA 证书",
                ) from None
            raise SyncProblem(
                f"无法连接区级服务器（{self.host}）：请检查网络或稍后再试。待发送的数据保存在本机，不会丢失",
                retry=True,
            ) from None
        except httpx.TimeoutException:
            raise SyncProblem(
                f"连接区级服务器（{self.host}）超时：网络可能较慢或服务器繁忙，稍后会自动重试",
                retry=True,
            ) from None
        except httpx.ProxyError:
            raise SyncProblem("通过代理服务器连接失败：请检查本机的代理设置", retry=True) from None
        except httpx.TransportError:
            raise SyncProblem(
                f"与区级服务器（{self.host}）的连接中断：稍后会自动重试，已发送的数据不会重复",
                retry=True,
            ) from None
        if raw and response.status_code < 300:
            return response.content
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict:
        try:
            body = protocol.loads(response.content)  # orjson: a page of records is large
        except ValueError:
            body = {}
        if not isinstance(body, dict) and response.status_code < 300:
            return {"items": body}
        body = body if isinstance(body, dict) else {}
        status = response.status_code
        if status < 300:
            return body
        detail = str(body.get("detail") or "")[:300]
        if status == 401:
            raise SyncProblem(
                detail or "本站的同步凭据无效或已被撤销：请向区人社局申请新的登记码，重新登记",
                status=status,
                body=body,
            )
        if status in (408, 429) or status >= 500:
            raise SyncProblem(
                f"区级服务器暂时无法处理（{status}）{('：' + detail) if detail else ''}，稍后会自动重试",
                retry=True,
                status=status,
                body=body,
            )
        raise SyncProblem(
            f"区级服务器拒绝了请求（{status}）：{detail or '原因未说明'}", status=status, body=body
        )

    def enroll(self, station_code: str | None, code: str, store_id: str | None) -> dict:
        """``station_code`` None: the code alone names the station (joining a station)."""
        body = {"code": code, "store_id": store_id}
        if station_code:
            body["station_code"] = station_code
        return self._request("POST", "/api/v1/enroll", json=body)

    # ------------------------------------------------------------------ protocol 2

    def pull(self, after: int, limit: int) -> dict:
        return self._request(
            "GET",
            "/api/v2/sync/records",
            params={"after": after, "limit": limit},
            headers=self._headers(),
        )

    def numbers(self, year: int, used: int, size: int) -> dict:
        body = protocol.dumps({"year": year, "used": used, "size": size})
        headers = {
            **self._headers(),
            "Content-Type": "application/json",
            protocol.SIGNATURE_HEADER: protocol.sign(self._signing_key or b"", body),
        }
        return self._request("POST", "/api/v2/numbers", content=body, headers=headers)

    def _signed(self, body: bytes, content_type: str) -> dict[str, str]:
        return {
            **self._headers(),
            "Content-Type": content_type,
            protocol.SIGNATURE_HEADER: protocol.sign(self._signing_key or b"", body),
        }

    def blob_status(self, sha256: str) -> dict:
        return self._request("GET", f"/api/v2/blobs/{sha256}", headers=self._headers())

    def put_blob_part(self, sha256: str, offset: int, size: int, data: bytes) -> dict:
        return self._request(
            "PUT",
            f"/api/v2/blobs/{sha256}/parts/{offset}",
            params={"size": size},
            content=data,
            headers=self._signed(data, "application/octet-stream"),
        )

    def get_blob(self, sha256: str) -> bytes:
        return self._request(
            "GET", f"/api/v2/blobs/{sha256}/content", raw=True, headers=self._headers()
        )

    def conflicts(self) -> list[dict]:
        return self._request("GET", "/api/v2/conflicts", headers=self._headers()).get("items", [])

    def resolve_conflict(self, conflict_id: int, choice: str, value) -> dict:
        body = protocol.dumps({"choice": choice, "value": value})
        return self._request(
            "POST",
            f"/api/v2/conflicts/{int(conflict_id)}/resolve",
            content=body,
            headers=self._signed(body, "application/json"),
        )

    def probe_protocol(self) -> int:
        """Ask whether the district speaks protocol 2 (a server not upgraded yet answers 404 on
        its addresses): the station then sends protocol 1 batches and skips what needs 2."""
        try:
            self._request("GET", "/api/v2/devices", headers=self._headers())
        except SyncProblem as problem:
            if problem.status != 404:
                raise
            self.protocol_version = 1
        else:
            self.protocol_version = protocol.PROTOCOL_VERSION
        return self.protocol_version

    def revoke_device(self, device_id: str) -> dict:
        body = b"{}"
        return self._request(
            "POST",
            f"/api/v2/devices/{device_id}/revoke",
            content=body,
            headers=self._signed(body, "application/json"),
        )

    def devices(self) -> list[dict]:
        return self._request("GET", "/api/v2/devices", headers=self._headers()).get("items", [])

    def counts(self) -> dict[str, int]:
        rows = self._request("GET", "/api/v2/sync/counts", headers=self._headers()).get("items", [])
        return {r["entity"]: int(r["count"]) for r in rows}

    def encode(self, payload: dict) -> tuple[bytes, dict[str, str]]:
        """The compressed body and headers of a batch request (thread-safe: no I/O)."""
        body = protocol.dumps(payload)
        headers = {
            **self._headers(),
            "Content-Type": "application/json",
            protocol.SIGNATURE_HEADER: protocol.sign(self._signing_key or b"", body),
        }
        if self.encoding != "identity":
            headers["Content-Encoding"] = self.encoding
        return protocol.compress(body, self.encoding), headers

    def send_encoded(self, encoded: tuple[bytes, dict[str, str]]) -> dict:
        content, headers = encoded
        return self._request("POST", "/api/v1/sync/batches", content=content, headers=headers)

    def send_batch(self, payload: dict) -> dict:
        return self.send_encoded(self.encode(payload))

    def status(self) -> dict:
        return self._request("GET", "/api/v1/sync/status", headers=self._headers())

    def reference(self, since: int) -> dict:
        return self._request(
            "GET", "/api/v1/reference", params={"since": since}, headers=self._headers()
        )


def _is_certificate_error(exc: BaseException) -> bool:
    seen = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
