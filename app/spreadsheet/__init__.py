"""Reading spreadsheet files that may be hostile, in a child process with a memory limit.

Nothing a file contains can take the calling process down: the file is opened, checked and
parsed (python-calamine) in a child process started with the ``spawn`` method (as on Windows,
also in the PyInstaller bundle), whose memory the operating system limits (``RLIMIT_AS`` on
POSIX, a Job Object on Windows). The caller gets sheets and columns back, or a
:class:`~app.spreadsheet.probe.FileProblem` whose message says in Chinese what is wrong and
where. This package imports neither Qt nor the store, so the child starts quickly.

* :mod:`probe`: what a file is (by content), the checks made before parsing, the diagnosis of
  a file that made the reader run out of memory.
* :mod:`limits`: the memory limit a child puts on itself.
* :mod:`worker`: the child's side; :mod:`client`: the caller's side.
* :mod:`codec`: columns of cells packed for the pipe (joined strings, not one pickle per cell).
"""
