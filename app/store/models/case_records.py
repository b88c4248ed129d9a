"""Additions of the cases area (issue 4) to the station schema, kept apart from the foundation models.

* :class:`AgreementSnapshot`: the exact content of an agreement version as signed (parties with
  their details, terms, dates), canonical JSON whose SHA-256 is ``MediationAgreement.content_hash``.
  A reprint of a signed agreement comes from here, so a later edit of a person's address cannot
  change what was signed.
* The local search index of cases: ``case_search_key`` (an integer key per case, in registration
  order) and the FTS5 table ``case_fts`` over it (created by migration ``0003_cases``), with
  ``case_search_stale``: cases whose index entry must be rebuilt (filled by SQL triggers when a
  party's name, ID number or enterprise changes, by any code path).
* The immutability of signed agreements, enforced twice: here as mapper events (a clear Chinese
  error before anything is written) and by SQL triggers in ``0003_cases`` (no code path, ORM or
  Core or raw SQL, can change a signed agreement, its terms or its snapshot).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, attributes, mapped_column

from app.domain.enums import AgreementStatus
from app.store.errors import StoreError
from app.store.models.base import Base, Synced
from app.store.models.cases import AgreementTerm, CaseClaim, DisputeCase, MediationAgreement

#: tables the search index keeps outside the ORM metadata (FTS5 virtual table and its shadow tables)
SEARCH_FTS_TABLE = "case_fts"


def is_unmapped_search_table(name: str | None) -> bool:
    """For schema comparison: the FTS5 table and its shadow tables are not ORM models."""
    return bool(name) and (name == SEARCH_FTS_TABLE or name.startswith(SEARCH_FTS_TABLE + "_"))


class AgreementSnapshot(Synced, Base):
    """The content of a signed agreement version, fixed at signing."""

    __tablename__ = "agreement_snapshot"
    label = "协议签署内容"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("mediation_agreement.id"), unique=True)
    #: canonical JSON (sorted keys, no spaces) of everything the printed agreement shows
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseSearchKey(Base):
    """Integer key of a case in the search index; increasing in registration order."""

    __tablename__ = "case_search_key"

    rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), unique=True)


class CaseSearchStale(Base):
    """A case whose search entry must be rebuilt (see :mod:`app.cases.search_index`)."""

    __tablename__ = "case_search_stale"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)


# The case list pages by registration time, newest first; each common filter has an index in that
# order, so that its first page reads only the rows it shows.
# The list's own order ends with the id (the keyset's tie-break), so no page is sorted; the
# columns after it are those the filters test, read from the index while it is walked.
Index(
    "ix_dispute_case_list",
    DisputeCase.registered_at,
    DisputeCase.id,
    DisputeCase.deleted,
    DisputeCase.received_on,
)
Index("ix_dispute_case_status_list", DisputeCase.status, DisputeCase.registered_at, DisputeCase.id)
Index("ix_dispute_case_mediator_registered", DisputeCase.mediator_id, DisputeCase.registered_at)
Index(
    "ix_dispute_case_collective_list",
    DisputeCase.is_collective,
    DisputeCase.registered_at,
    DisputeCase.id,
    DisputeCase.deleted,
    DisputeCase.is_migrant_worker,
)
Index(
    "ix_dispute_case_migrant_registered", DisputeCase.is_migrant_worker, DisputeCase.registered_at
)
Index("ix_agreement_term_agreement_seq", AgreementTerm.agreement_id, AgreementTerm.seq)
# The dispute-type filter's test of each case, answered from the index alone.
Index("ix_case_claim_type_case", CaseClaim.dispute_type, CaseClaim.case_id, CaseClaim.deleted)


# ---------------------------------------------------------------- signed agreements are fixed


class SignedAgreementFixed(StoreError):
    default_message = (
        "已签署的调解协议书及其条款不能修改：如需变更，请制作新版本（原签署版本将保留）"
    )


#: columns of an agreement that may change after signing: only its status (signed -> superseded)
#: and the stamps the change hook writes
_MUTABLE_AFTER_SIGNING = frozenset({"status", "updated_at", "updated_by", "version"})
_FIXED = (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED)


def _committed(target, key):
    hist = attributes.get_history(target, key)
    if hist.deleted:
        return hist.deleted[0]
    if hist.unchanged:
        return hist.unchanged[0]
    return None


@event.listens_for(MediationAgreement, "before_update", propagate=True)
def _agreement_before_update(mapper, connection, target) -> None:
    old_status = _committed(target, "status")
    if old_status not in _FIXED:
        return
    for attr in mapper.column_attrs:
        if attr.key in _MUTABLE_AFTER_SIGNING:
            continue
        if attributes.get_history(target, attr.key).has_changes():
            raise SignedAgreementFixed()
    new_status = target.status
    if new_status != old_status and not (
        old_status == AgreementStatus.SIGNED and new_status == AgreementStatus.SUPERSEDED
    ):
        raise SignedAgreementFixed()


def _agreement_status(connection, agreement_id: str) -> AgreementStatus | None:
    value = connection.execute(
        select(MediationAgreement.__table__.c.status).where(
            MediationAgreement.__table__.c.id == agreement_id
        )
    ).scalar()
    return AgreementStatus(value) if value else None


@event.listens_for(AgreementTerm, "before_insert", propagate=True)
@event.listens_for(AgreementTerm, "before_update", propagate=True)
def _term_before_write(mapper, connection, target) -> None:
    ids = {target.agreement_id, _committed(target, "agreement_id")} - {None}
    for agreement_id in ids:
        if _agreement_status(connection, agreement_id) in _FIXED:
            raise SignedAgreementFixed()


@event.listens_for(AgreementSnapshot, "before_update", propagate=True)
def _snapshot_before_update(mapper, connection, target) -> None:
    raise SignedAgreementFixed()


# ---------------------------------------------------------------- the case list's count


class CaseCount(Base):
    """How many (not deleted) cases there are per status and flag: the 共 N 件 of the case list
    without counting 200,000 rows. Local to the station (never synced), kept by SQL triggers on
    ``dispute_case`` (migration ``0010_case_count``), so every code path that writes cases
    (ORM, Core bulk insert, sync, import) keeps it exact."""

    __tablename__ = "case_count"

    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    is_collective: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    is_migrant_worker: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
