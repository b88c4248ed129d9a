"""Who may talk to the district server: station credentials, enrollment codes, admins, sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.district.models import (
    AdminSession,
    AdminUser,
    DistrictStation,
    EnrollmentCode,
    StationCredential,
    utcnow,
)
from app.sync import protocol

ENROLL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
ENROLL_LENGTH = 16
SESSION_HOURS = 8
MIN_ADMIN_PASSWORD = 10


class AuthError(Exception):
    """``str()`` is a Chinese message; ``status`` the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------ enrollment


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(b"labor-enroll:" + normalise_code(code).encode()).hexdigest()


def create_enrollment_code(
    s: Session, station_code: str, hours: float = 72
) -> tuple[str, datetime]:
    """A new one-time code for ``station_code``; earlier unused codes of that station stop working."""
    station = s.get(DistrictStation, station_code)
    if station is None:
        raise AuthError(f"未知的站点代码：{station_code}", status=404)
    now = utcnow()
    s.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.station_code == station_code, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(ENROLL_ALPHABET) for _ in range(ENROLL_LENGTH))
    expires = now + timedelta(hours=hours)
    s.add(EnrollmentCode(code_hash=_code_hash(raw), station_code=station_code, expires_at=expires))
    shown = "-".join(raw[i : i + 4] for i in range(0, ENROLL_LENGTH, 4))
    return shown, expires


def redeem_enrollment_code(s: Session, station_code: str, code: str, store_id: str | None) -> str:
    """Check the code and return a new station credential (shown once, kept only hashed)."""
    row = s.get(EnrollmentCode, _code_hash(code))
    now = utcnow()
    if row is None or row.station_code != station_code:
        raise AuthError("登记码不正确：请核对区人社局提供的登记码和本站站点")
    if row.used_at is not None:
        raise AuthError("该登记码已经使用过：每个登记码只能使用一次，请向区人社局申请新的登记码")
    if row.expires_at <= now:
        raise AuthError("该登记码已过期：请向区人社局申请新的登记码")
    row.used_at = now
    token_id = secrets.token_hex(8)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    s.add(
        StationCredential(
            id=token_id,
            station_code=station_code,
            secret_hash=protocol.secret_hash(secret),
            signing_key=protocol.signing_key(secret),
            created_at=now,
        )
    )
    station = s.get(DistrictStation, station_code)
    if station is not None and store_id:
        station.store_id = store_id[:36]
    return protocol.make_credential(token_id, secret)


def revoke_station(s: Session, station_code: str) -> int:
    """Revoke every credential and unused enrollment code of a station. Returns credentials revoked."""
    if s.get(DistrictStation, station_code) is None:
        raise AuthError(f"未知的站点代码：{station_code}", status=404)
    now = utcnow()
    result = s.execute(
        update(StationCredential)
        .where(
            StationCredential.station_code == station_code, StationCredential.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    s.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.station_code == station_code, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class StationPrincipal:
    station_code: str
    credential_id: str
    signing_key: bytes


def authenticate_station(s: Session, authorization: str | None) -> StationPrincipal:
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("缺少站点凭据：请先在“同步”页面登记本站")
    parsed = protocol.parse_credential(authorization[7:])
    if parsed is None:
        raise AuthError("站点凭据格式不正确")
    token_id, secret = parsed
    cred = s.get(StationCredential, token_id)
    if cred is None or not hmac.compare_digest(cred.secret_hash, protocol.secret_hash(secret)):
        raise AuthError("站点凭据无效：请向区人社局申请新的登记码，重新登记")
    if cred.revoked_at is not None:
        raise AuthError("本站的同步凭据已被区人社局撤销：请申请新的登记码，重新登记")
    return StationPrincipal(cred.station_code, cred.id, bytes(cred.signing_key))


# ------------------------------------------------------------------ admins


def hash_password(password: str, *, n: int = 2**14) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}${salt.hex()}${digest.hex()}"


def verify_password(stored: str, password: str) -> bool:
    try:
        _scheme, n, salt, digest = stored.split("$")
        test = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=8, p=1, dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(test.hex(), digest)


def create_admin(s: Session, name: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 60:
        raise AuthError("用户名不能为空，且不超过60个字符", status=400)
    if len(password) < MIN_ADMIN_PASSWORD:
        raise AuthError(f"密码至少需要{MIN_ADMIN_PASSWORD}个字符", status=400)
    row = s.get(AdminUser, name)
    if row is None:
        s.add(AdminUser(name=name, password_hash=hash_password(password)))
    else:
        row.password_hash = hash_password(password)
        row.active = True


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"labor-admin-session:" + token.encode()).hexdigest()


def login(s: Session, name: str, password: str) -> tuple[str, AdminSession]:
    row = s.get(AdminUser, (name or "").strip()[:60])
    # run the KDF even for an unknown name, so that timing does not reveal which names exist
    ok = verify_password(row.password_hash if row else hash_password("x" * 12), password or "")
    if row is None or not row.active or not ok:
        raise AuthError("用户名或密码不正确")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    sess = AdminSession(
        token_hash=_token_hash(token),
        admin_name=row.name,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    s.add(sess)
    return token, sess


def admin_session(s: Session, token: str | None) -> AdminSession | None:
    if not token or len(token) > 100:
        return None
    sess = s.get(AdminSession, _token_hash(token))
    if sess is None or sess.expires_at <= utcnow():
        return None
    return sess


def logout(s: Session, token: str | None) -> None:
    if token:
        sess = s.get(AdminSession, _token_hash(token))
        if sess is not None:
            s.delete(sess)


def active_credentials(s: Session) -> dict[str, int]:
    rows = s.execute(
        select(StationCredential.station_code).where(StationCredential.revoked_at.is_(None))
    ).scalars()
    counts: dict[str, int] = {}
    for code in rows:
        counts[code] = counts.get(code, 0) + 1
    return counts
