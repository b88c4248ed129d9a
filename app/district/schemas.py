"""Request and response bodies of the station API (they make the published OpenAPI schema)."""

from __future__ import annotations

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


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal[1] = Field(description="协议版本")
    station_code: str = Field(pattern=wire.STATION_PATTERN)
    batch_id: str = Field(pattern=wire.UUID_PATTERN, description="站点生成的批次 UUID（幂等键）")
    seq: int = Field(ge=1, le=BIG, description="本站批次序号，逐批递增")
    ack_outbox_seq: int = Field(ge=0, le=BIG, description="本批覆盖到的站点待发送队列序号（确认水位）")
    records: list[RecordIn] = Field(max_length=wire.MAX_BATCH_RECORDS)


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


class EnrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    station_code: str = Field(pattern=wire.STATION_PATTERN)
    code: str = Field(min_length=4, max_length=40)
    store_id: str | None = Field(default=None, pattern=wire.UUID_PATTERN)


class EnrollOut(BaseModel):
    station_code: str
    station_name: str
    credential: str = Field(description="站点凭据：只显示这一次，站点加密保存")


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
