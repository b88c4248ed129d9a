"""The Windows data-folder ACL (app/store/winacl.py). The Win32 calls themselves run under Wine in
packaging/windows/build_installer.sh (the installed selftest's 数据文件夹权限 line)."""

import sys

import pytest

from app.store import winacl

USER = "S-1-5-21-1004336348-1177238915-682003330-1001"


def test_the_private_dacl_is_protected_and_inherited_by_everything_inside():
    sddl = winacl.private_sddl(USER)
    assert sddl == f"D:P(A;OICI;FA;;;{USER})(A;OICI;FA;;;S-1-5-18)(A;OICI;FA;;;S-1-5-32-544)"
    assert winacl.is_private(sddl, USER)


@pytest.mark.parametrize(
    "sddl",
    [
        f"D:P(A;OICI;FA;;;{USER})(A;OICIID;0x1200a9;;;BU)",  # inherited: Users may read
        f"D:P(A;OICI;FA;;;{USER})(A;OICI;0x1200a9;;;BU)",  # Users may read
        f"D:P(A;OICI;FA;;;{USER})(A;OICI;FA;;;WD)",  # Everyone
        "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",  # not even the user
        "D:P",
    ],
)
def test_open_folders_are_not_private(sddl):
    assert not winacl.is_private(sddl, USER)


def test_secure_data_dir_does_nothing_off_windows(tmp_path):
    if sys.platform == "win32":
        pytest.skip("Windows applies it")
    winacl.secure_data_dir(tmp_path)  # no ctypes.WinDLL here; must not raise
