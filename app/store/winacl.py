"""Windows: the station's data folder readable by its user only (the POSIX modes' counterpart).

``%LOCALAPPDATA%`` already inherits an ACL of the user, SYSTEM and the Administrators; a data
folder chosen elsewhere (``--data-dir D:\\站点数据``, ``C:\\Users\\Public\\…``) would inherit
"Users: read" or "Everyone". ``restrict_to_user`` gives the folder a protected DACL (inheritance
from the parent cut) with three entries, each inherited by everything inside:

* the current user: full control;
* SYSTEM and the Administrators group: full control (Windows' own backup, the IT person's
  recovery; they could take ownership anyway).

``SetNamedSecurityInfoW`` applies the inheritable entries to the files already there (logs/,
station.db …). Win32 security API through ctypes; no effect on other platforms.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

SYSTEM_SID = "S-1-5-18"
ADMINISTRATORS_SID = "S-1-5-32-544"
SE_FILE_OBJECT = 1
DACL_SECURITY_INFORMATION = 0x4
OWNER_SECURITY_INFORMATION = 0x1
PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
SDDL_REVISION_1 = 1
TOKEN_QUERY = 0x8
TOKEN_USER_CLASS = 1


def _api():
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    advapi.OpenProcessToken.argtypes = [wintypes.HANDLE, wintypes.DWORD, ctypes.POINTER(wintypes.HANDLE)]
    advapi.GetTokenInformation.argtypes = [
        wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD, ctypes.POINTER(wintypes.DWORD)
    ]
    advapi.ConvertSidToStringSidW.argtypes = [ctypes.c_void_p, ctypes.POINTER(wintypes.LPWSTR)]
    advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        wintypes.LPCWSTR, wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p
    ]
    advapi.GetSecurityDescriptorDacl.argtypes = [
        ctypes.c_void_p, ctypes.POINTER(wintypes.BOOL), ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(wintypes.BOOL),
    ]
    advapi.SetNamedSecurityInfoW.argtypes = [
        wintypes.LPWSTR, ctypes.c_int, wintypes.DWORD, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_void_p,
    ]
    advapi.SetNamedSecurityInfoW.restype = wintypes.DWORD
    advapi.GetNamedSecurityInfoW.argtypes = [
        wintypes.LPCWSTR, ctypes.c_int, wintypes.DWORD, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
    ]
    advapi.GetNamedSecurityInfoW.restype = wintypes.DWORD
    advapi.ConvertSecurityDescriptorToStringSecurityDescriptorW.argtypes = [
        ctypes.c_void_p, wintypes.DWORD, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR),
        ctypes.c_void_p,
    ]
    kernel.GetCurrentProcess.restype = wintypes.HANDLE
    kernel.LocalFree.argtypes = [ctypes.c_void_p]
    kernel.CloseHandle.argtypes = [wintypes.HANDLE]
    return ctypes, wintypes, advapi, kernel


def current_user_sid() -> str:
    ctypes, wintypes, advapi, kernel = _api()
    token = wintypes.HANDLE()
    if not advapi.OpenProcessToken(kernel.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        size = wintypes.DWORD()
        advapi.GetTokenInformation(token, TOKEN_USER_CLASS, None, 0, ctypes.byref(size))
        buffer = ctypes.create_string_buffer(size.value)
        if not advapi.GetTokenInformation(token, TOKEN_USER_CLASS, buffer, size, ctypes.byref(size)):
            raise ctypes.WinError(ctypes.get_last_error())
        sid = ctypes.c_void_p.from_buffer(buffer).value  # TOKEN_USER.User.Sid
        text = wintypes.LPWSTR()
        if not advapi.ConvertSidToStringSidW(sid, ctypes.byref(text)):
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            return text.value
        finally:
            kernel.LocalFree(text)
    finally:
        kernel.CloseHandle(token)


def private_sddl(user_sid: str) -> str:
    """Protected DACL: full control, inherited by sub-folders and files, for the three owners."""
    aces = "".join(f"(A;OICI;FA;;;{sid})" for sid in (user_sid, SYSTEM_SID, ADMINISTRATORS_SID))
    return f"D:P{aces}"


def restrict_to_user(path: Path) -> None:
    """Give ``path`` (a folder) the private DACL. Raises OSError when Windows refuses."""
    ctypes, wintypes, advapi, kernel = _api()
    sd = ctypes.c_void_p()
    if not advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW(
        private_sddl(current_user_sid()), SDDL_REVISION_1, ctypes.byref(sd), None
    ):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        present, defaulted = wintypes.BOOL(), wintypes.BOOL()
        dacl = ctypes.c_void_p()
        if not advapi.GetSecurityDescriptorDacl(
            sd, ctypes.byref(present), ctypes.byref(dacl), ctypes.byref(defaulted)
        ):
            raise ctypes.WinError(ctypes.get_last_error())
        err = advapi.SetNamedSecurityInfoW(
            str(path), SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            None, None, dacl, None,
        )
        if err:
            raise ctypes.WinError(err)
    finally:
        kernel.LocalFree(sd)


def _set_file_security(path: Path, sddl: str) -> None:
    ctypes, wintypes, advapi, kernel = _api()
    advapi.SetFileSecurityW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, ctypes.c_void_p]
    sd = ctypes.c_void_p()
    if not advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, ctypes.byref(sd), None
    ):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        if not advapi.SetFileSecurityW(str(path), DACL_SECURITY_INFORMATION, sd):
            raise ctypes.WinError(ctypes.get_last_error())
    finally:
        kernel.LocalFree(sd)


def restrict_tree(path: Path, user_sid: str) -> None:
    """The same DACL set object by object (SetFileSecurityW does not propagate): where
    SetNamedSecurityInfoW has no effect, as under Wine."""
    folder = private_sddl(user_sid)
    file = folder.replace("(A;OICI;", "(A;;")
    _set_file_security(path, folder)
    for item in Path(path).rglob("*"):
        _set_file_security(item, folder if item.is_dir() else file)


def folder_sddl(path: Path) -> str:
    """The folder's DACL in SDDL (``D:P(A;OICI;FA;;;S-1-5-…)…``)."""
    ctypes, wintypes, advapi, kernel = _api()
    sd = ctypes.c_void_p()
    err = advapi.GetNamedSecurityInfoW(
        str(path), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, None, None, None, None, ctypes.byref(sd)
    )
    if err:
        raise ctypes.WinError(err)
    try:
        text = wintypes.LPWSTR()
        if not advapi.ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, ctypes.byref(text), None
        ):
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            return text.value
        finally:
            kernel.LocalFree(text)
    finally:
        kernel.LocalFree(sd)


def is_private(sddl: str, user_sid: str) -> bool:
    """Every allow entry (inherited ones included) is for the user, SYSTEM or the Administrators,
    and the user has one."""
    import re

    trustees = re.findall(r"\(A;[^;]*;[^;]*;[^;]*;[^;]*;([^)]+)\)", sddl)
    allowed = {user_sid, SYSTEM_SID, ADMINISTRATORS_SID, "SY", "BA"}
    return bool(trustees) and set(trustees) <= allowed and user_sid in trustees


def secure_data_dir(path: Path) -> None:
    """On Windows, make the data folder private unless it already is; a refusal (FAT32 USB drive,
    network share) is logged, not fatal."""
    if sys.platform != "win32":
        return
    try:
        sid = current_user_sid()
        if not is_private(folder_sddl(path), sid):
            restrict_to_user(path)
            if not is_private(folder_sddl(path), sid):
                restrict_tree(path, sid)
    except OSError as exc:
        log.warning("could not restrict the data folder's permissions: %s", type(exc).__name__)
