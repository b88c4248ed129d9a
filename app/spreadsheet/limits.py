"""The memory limit a reader child puts on itself before it touches a file.

POSIX: ``RLIMIT_AS`` (address space): an allocation past it fails at once (Rust's allocator then
aborts the child, Python raises MemoryError), the machine never swaps. Windows: a Job Object
with ``JOB_OBJECT_LIMIT_PROCESS_MEMORY`` (committed memory), the child assigning itself to it
(nested jobs, Windows 8 and later). Either way only the child dies; its parent sees the pipe
close and says so in Chinese.
"""

from __future__ import annotations

import sys

#: the reader child's memory ceiling: a 200,000-row roster needs about a third of it
DEFAULT_LIMIT_BYTES = 1024 * 1024 * 1024

_job_handle = None  # keeps the Windows job (and so the limit) alive as long as the process


def limit_memory(limit: int) -> str:
    """Limit this process to ``limit`` bytes; returns how (for the log), raises OSError."""
    if sys.platform == "win32":
        return _limit_windows(limit)
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return f"RLIMIT_AS {limit // (1024 * 1024)} MiB"


def _limit_windows(limit: int) -> str:
    import ctypes
    from ctypes import wintypes

    class IO_COUNTERS(ctypes.Structure):
        _fields_ = [(name, ctypes.c_ulonglong) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]  # fmt: skip

    class JOBOBJECT_BASIC_LIMIT_INFORMATION(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class JOBOBJECT_EXTENDED_LIMIT_INFORMATION(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", JOBOBJECT_BASIC_LIMIT_INFORMATION),
            ("IoInfo", IO_COUNTERS),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    job_object_limit_process_memory = 0x00000100
    job_object_extended_limit_information = 9
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, wintypes.LPCWSTR)
    kernel32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p,
                                                 wintypes.DWORD)  # fmt: skip
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        raise ctypes.WinError(ctypes.get_last_error())
    info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
    info.BasicLimitInformation.LimitFlags = job_object_limit_process_memory
    info.ProcessMemoryLimit = limit
    if not kernel32.SetInformationJobObject(job, job_object_extended_limit_information,
                                            ctypes.byref(info), ctypes.sizeof(info)):  # fmt: skip
        raise ctypes.WinError(ctypes.get_last_error())
    if not kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()):
        raise ctypes.WinError(ctypes.get_last_error())
    global _job_handle
    _job_handle = job
    return f"Job Object {limit // (1024 * 1024)} MiB"
