/* Test-only stand-in for Windows' own ICU (icuuc.dll, Windows 10 1703+), which Wine 8.0 lacks.
   Qt6Core imports 20 ucnv_* functions for legacy code pages; a converter never opens, so Qt falls
   back to its own codecs. */
#include <stddef.h>
#include <stdint.h>

#define API __declspec(dllexport)
#define U_FILE_ACCESS_ERROR 4
typedef int UErrorCode;

API void *ucnv_open(const char *name, UErrorCode *status)
{
    if (status && *status <= 0)
        *status = U_FILE_ACCESS_ERROR;
    return NULL;
}
API int32_t ucnv_countAvailable(void) { return 0; }
API const char *ucnv_getAvailableName(int32_t n) { return NULL; }
API const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *status)
{
    if (status && *status <= 0)
        *status = U_FILE_ACCESS_ERROR;
    return NULL;
}
/* The rest act on a converter, which never exists: no-ops that report failure. */
#define FAIL(fn) API intptr_t fn(void *a, void *b, void *c, void *d, void *e, void *f, void *g, void *h) { return 0; }
FAIL(ucnv_close)
FAIL(ucnv_reset)
FAIL(ucnv_getMaxCharSize)
FAIL(ucnv_getName)
FAIL(ucnv_getToUCallBack)
FAIL(ucnv_getFromUCallBack)
FAIL(ucnv_setToUCallBack)
FAIL(ucnv_setFromUCallBack)
FAIL(ucnv_cbToUWriteUChars)
FAIL(ucnv_cbFromUWriteUChars)
FAIL(ucnv_toUnicode)
FAIL(ucnv_fromUnicode)
FAIL(ucnv_toUCountPending)
FAIL(ucnv_fromUCountPending)
FAIL(UCNV_FROM_U_CALLBACK_SUBSTITUTE)
FAIL(UCNV_TO_U_CALLBACK_SUBSTITUTE)
