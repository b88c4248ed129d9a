/* labor-station.exe: the GUI entry of the Windows bundle (Windows subsystem, no console).
 *
 * The Python program is built once, as the console program labor-station-cli.exe (the command
 * line: selftest, import-roster, sync ...). Two PyInstaller executables would each carry their
 * own 12 MiB copy of the Python archive; this launcher instead starts labor-station-cli.exe beside
 * it with the same arguments and CREATE_NO_WINDOW (so no console window appears: with no
 * arguments the program opens its window), waits for it and returns its exit code.
 * Built by build_installer.sh with mingw-w64; see packaging/README.md.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <wchar.h>

static const wchar_t *skip_program_name(const wchar_t *cmd)
{
    /* the same rule as CommandLineToArgvW for argv[0]: quoted or up to the first blank */
    if (*cmd == L'"') {
        for (cmd++; *cmd && *cmd != L'"'; cmd++) {}
        if (*cmd == L'"') cmd++;
    } else {
        while (*cmd && *cmd != L' ' && *cmd != L'\t') cmd++;
    }
    while (*cmd == L' ' || *cmd == L'\t') cmd++;
    return cmd;
}

int WINAPI wWinMain(HINSTANCE instance, HINSTANCE prev, PWSTR args, int show)
{
    wchar_t exe[32768];
    DWORD n = GetModuleFileNameW(NULL, exe, 32768);
    if (n == 0 || n >= 32768 - 32) return 1;
    wchar_t *slash = wcsrchr(exe, L'\\');
    if (!slash) return 1;
    wcscpy(slash + 1, L"labor-station-cli.exe");

    const wchar_t *rest = skip_program_name(GetCommandLineW());
    size_t len = wcslen(exe) + wcslen(rest) + 4;
    wchar_t *cmdline = HeapAlloc(GetProcessHeap(), 0, len * sizeof(wchar_t));
    if (!cmdline) return 1;
    wcscpy(cmdline, L"\"");
    wcscat(cmdline, exe);
    wcscat(cmdline, L"\" ");
    wcscat(cmdline, rest);

    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(exe, cmdline, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        wchar_t msg[1024];
        swprintf(msg, 1024, L"无法启动 %ls（错误 %lu）。请重新安装劳动关系服务站。\n\n"
                 L"Cannot start %ls (error %lu). Please reinstall.", exe, GetLastError(), exe, GetLastError());
        MessageBoxW(NULL, msg, L"劳动关系服务站", MB_ICONERROR | MB_OK);
        return 1;
    }
    /* let the program's window take the foreground the user gave this launcher */
    AllowSetForegroundWindow(pi.dwProcessId);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}
