"""Request and response bodies of the station API (they make the published OpenAPI schema)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.sync import protocol as wire

BIG = 2**53


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: str = Field(pattern=wire.ENTITY_PATTERN, description="记录类型（站点数据表名）")
    id: str = Field(pattern=wire.UUID_PATTERN, description="站点生成的记录 UUID")
    version: int = Field(ge=1, le=2**31 - 1, description="记录版本号，每次修改加一")
    op: Literal["insert", "update", "delete"]
    data: dict[str, Any] = Field(description="记录当前的全部字段（JSON）")
    base_version: int | None = Field(
        default=None, ge=0, le=2**31 - 1,
        description="协议 2：本机修改所依据的版本（本机上次从区级取得或上报确认的版本；新记录为 0）",
    )  # fmt: skip


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal[1, 2] = Field(description="协议版本（2：每台电脑一个凭据和批次序号）")
    station_code: str = Field(pattern=wire.STATION_PATTERN)
    batch_id: str = Field(pattern=wire.UUID_PATTERN, description="站点生成的批次 UUID（幂等键）")
    seq: int = Field(ge=1, le=BIG, strict=True, description="本站批次序号，逐批递增")
    ack_outbox_seq: int = Field(
        ge=0, le=BIG, strict=True, description="本批覆盖到的站点待发送队列序号（确认水位）"
    )
    records: list[RecordIn] = Field(max_length=wire.MAX_BATCH_RECORDS)


class BatchEnvelope(BaseModel):
    """``BatchIn`` with its records checked by :func:`parse_records` (fast path, same rules)."""

    # strict: a boolean where a number belongs (``"seq": true``) is refused, not taken as 1
    model_config = ConfigDict(extra="forbid", strict=True)

    protocol: Literal[1, 2]
    station_code: str = Field(pattern=wire.STATION_PATTERN)
    batch_id: str = Field(pattern=wire.UUID_PATTERN)
    seq: int = Field(ge=1, le=BIG)
    ack_outbox_seq: int = Field(ge=0, le=BIG)
    records: list[Any] = Field(max_length=wire.MAX_BATCH_RECORDS)


_UUID = re.compile(wire.UUID_PATTERN)
_ENTITY = re.compile(wire.ENTITY_PATTERN)
_OPS = frozenset(("insert", "update", "delete"))
_RECORD_KEYS = frozenset(("entity", "id", "version", "op", "data"))
_RECORD_KEYS_2 = _RECORD_KEYS | {"base_version"}


@dataclass(slots=True)
class ParsedRecord:
    """A record of a batch checked by :func:`parse_batch` (the attributes of ``RecordIn``)."""

    entity: str
    id: str
    version: int
    op: str
    data: dict
    base_version: int | None = None


@dataclass(slots=True)
class ParsedBatch:
    """A batch checked by :func:`parse_batch` (the attributes of ``BatchIn``)."""

    protocol: int
    station_code: str
    batch_id: str
    seq: int
    ack_outbox_seq: int
    records: list[ParsedRecord]


def parse_batch(doc) -> ParsedBatch:
    """Validate a batch by the rules of ``BatchIn``, without a pydantic object per record.

    The envelope is validated by pydantic (``BatchEnvelope``); each record by hand, with the
    same rules as ``RecordIn``. Raises ``pydantic.ValidationError`` or :class:`BatchError`.
    """
    if type(doc) is dict and type(doc.get("protocol")) is bool:  # Literal[1] takes True for 1
        raise BatchError([{"loc": ("body", "protocol"), "msg": "协议版本应为整数"}])
    env = BatchEnvelope.model_validate(doc)
    records = []
    append = records.append
    uuid_match, entity_match = _UUID.match, _ENTITY.match
    for i, r in enumerate(env.records):
        if type(r) is not dict or (r.keys() != _RECORD_KEYS and r.keys() != _RECORD_KEYS_2):
            where = ("body", "records", i)
            raise BatchError([{"loc": where, "msg": "记录应含 entity、id、version、op、data 五项"}])
        entity, rid, version, op, data = r["entity"], r["id"], r["version"], r["op"], r["data"]
        if type(entity) is not str or not entity_match(entity):
            raise BatchError(
                [{"loc": ("body", "records", i, "entity"), "msg": "记录类型格式不正确"}]
            )
        if type(rid) is not str or not uuid_match(rid):
            raise BatchError([{"loc": ("body", "records", i, "id"), "msg": "记录编号应为 UUID"}])
        if type(version) is not int or not 1 <= version <= 2**31 - 1:
            raise BatchError(
                [{"loc": ("body", "records", i, "version"), "msg": "版本号应为正整数"}]
            )
        if type(op) is not str or op not in _OPS:
            raise BatchError(
                [{"loc": ("body", "records", i, "op"), "msg": "操作应为 insert、update 或 delete"}]
            )
        if type(data) is not dict:
            raise BatchError(
                [{"loc": ("body", "records", i, "data"), "msg": "记录内容应为 JSON 对象"}]
            )
        base = r.get("base_version")
        if base is not None and (type(base) is not int or not 0 <= base <= 2**31 - 1):
            raise BatchError(
                [{"loc": ("body", "records", i, "base_version"), "msg": "依据版本应为非负整数"}]
            )
        append(ParsedRecord(entity, rid, version, op, data, base))
    return ParsedBatch(
        env.protocol, env.station_code, env.batch_id, env.seq, env.ack_outbox_seq, records
    )


class BatchError(ValueError):
    def __init__(self, errors: list[dict]):
        super().__init__("invalid batch")
        self.errors = errors


class RejectedRecord(BaseModel):
    entity: str
    id: str
    version: int
    reason: str


class BatchAck(BaseModel):
    batch_id: str
    seq: int
    duplicate: bool = Field(description="该批次此前已处理：本次未作任何改动，返回原确认")
    ack_outbox_seq: int = Field(description="确认水位：站点可删除序号不大于此值的待发送记录")
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RejectedRecord]
    conflicts: int = Field(
        default=0, description="协议 2：合并时两台电脑改动不同的字段数（待站点处理）"
    )


class EnrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    station_code: str | None = Field(
        default=None, pattern=wire.STATION_PATTERN, description="省略时由登记码确定站点（新增电脑）"
    )
    code: str = Field(min_length=4, max_length=40)
    store_id: str | None = Field(default=None, pattern=wire.UUID_PATTERN)


class EnrollOut(BaseModel):
    station_code: str
    station_name: str
    credential: str = Field(description="站点凭据：只显示这一次，站点加密保存")
    device_id: str | None = Field(default=None, description="本机（设备）编号")
    device_name: str | None = None


class StationStatus(BaseModel):
    station_code: str
    station_name: str
    last_batch_seq: int
    last_sync_at: str | None
    records: int


class ReferenceItemOut(BaseModel):
    kind: str
    code: str
    name: str
    data: dict[str, Any] | None
    active: bool
    version: int


class NoticeOut(BaseModel):
    id: str
    title: str
    body: str
    published_at: str


class ReferenceOut(BaseModel):
    rev: int = Field(description="区级参考数据修订号：下次请求时作为 since 传回")
    items: list[ReferenceItemOut]
    notices: list[NoticeOut]


class ErrorOut(BaseModel):
    detail: str


class PulledRecord(BaseModel):
    entity: str
    id: str
    version: int
    seq: int = Field(description="区级服务器序号")
    data: dict[str, Any]


class PullOut(BaseModel):
    records: list[PulledRecord]
    next: int = Field(description="下次请求时作为 after 传回的序号")
    high: int = Field(description="本站目前最大的区级服务器序号")
    more: bool = Field(description="是否还有后续页")


class NumbersIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    year: int = Field(ge=2000, le=2100)
    used: int = Field(default=0, ge=0, le=10**6, description="本机该年已用到的最大案件序号")
    size: int = Field(default=50, ge=1, le=1000, description="需要的号码数")


class NumbersOut(BaseModel):
    year: int
    mode: Literal["own", "blocks"] = Field(description="own：本机自行连续编号；blocks：使用号段")
    floor: int | None = Field(default=None, description="own：区级已知的最大号码")
    first: int | None = None
    last: int | None = None


class DeviceOut(BaseModel):
    id: str
    name: str | None
    enrolled_at: str
    last_seen_at: str | None
    revoked_at: str | None
    numbering: str | None
    this_device: bool


class RecordCount(BaseModel):
    entity: str
    count: int
