"""Activities (the five "one" and the other events of the plan), the work team and model units."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import ActivityKind, TeamRole
from app.store.models.base import Base, EnumText, Synced


class Activity(Synced, Base):
    __tablename__ = "activity"
    label = "活动"

    kind: Mapped[ActivityKind] = mapped_column(EnumText(ActivityKind), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    ended_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    organiser: Mapped[str | None] = mapped_column(String(200))
    participant_count: Mapped[int | None] = mapped_column(Integer)
    participants: Mapped[str | None] = mapped_column(Text)
    #: for lectures: the expert and the topic
    speaker: Mapped[str | None] = mapped_column(String(100))
    materials_count: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    #: free tags: 党建, 宪法宣传周, 要约行动月 …
    tags: Mapped[list | None] = mapped_column(JSON)


class ActivityEnterprise(Synced, Base):
    """An enterprise involved in an activity."""

    __tablename__ = "activity_enterprise"
    label = "活动参与企业"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(60))


class ActivityStop(Synced, Base):
    """A stop of the touring publicity campaign into the parks."""

    __tablename__ = "activity_stop"
    label = "巡回宣讲站点"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    audience_count: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class TeamMember(Synced, Base):
    """A member of the station's labor-relations work team."""

    __tablename__ = "team_member"
    label = "工作队伍成员"

    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[TeamRole] = mapped_column(EnumText(TeamRole))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    joined_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)


class TeamTraining(Synced, Base):
    """A training a team member attended."""

    __tablename__ = "team_training"
    label = "培训记录"

    member_id: Mapped[str] = mapped_column(ForeignKey("team_member.id"), index=True)
    trained_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float | None] = mapped_column(Float)
    organiser: Mapped[str | None] = mapped_column(String(200))
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activity.id"))


class ModelUnit(Synced, Base):
    """An enterprise chosen as a model harmonious unit, scored against the creation indicators."""

    __tablename__ = "model_unit"
    label = "和谐劳动关系单位"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: indicator code -> score
    scores: Mapped[dict | None] = mapped_column(JSON)
    total_score: Mapped[float | None] = mapped_column(Float)
    #: "candidate" | "commended" | "not_selected"
    status: Mapped[str] = mapped_column(String(20), default="candidate")
    commended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
