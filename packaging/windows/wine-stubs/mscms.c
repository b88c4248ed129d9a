/* Test-only stand-in for Wine 8.0's mscms.dll, whose WcsCreateIccProfile aborts the process:
   every function fails, so Qt's windows platform plugin assumes sRGB. */
#include <windows.h>

__declspec(dllexport) HANDLE WINAPI OpenColorProfileW(void *profile, DWORD access, DWORD share, DWORD creation)
{
    SetLastError(ERROR_NOT_SUPPORTED);
    return NULL;
}
__declspec(dllexport) BOOL WINAPI CloseColorProfile(HANDLE profile) { return FALSE; }
__declspec(dllexport) BOOL WINAPI GetColorProfileFromHandle(HANDLE profile, BYTE *buffer, DWORD *size)
{
    SetLastError(ERROR_NOT_SUPPORTED);
    return FALSE;
}
__declspec(dllexport) HANDLE WINAPI WcsCreateIccProfile(HANDLE profile, DWORD options)
{
    SetLastError(ERROR_NOT_SUPPORTED);
    return NULL;
}
