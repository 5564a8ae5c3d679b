/* A stand-in for Windows' bcryptprimitives.dll, for running Go's Windows
 * test binaries under Wine 8 (Debian 12), which lacks the DLL that Go 1.24+
 * loads at start-up for ProcessPrng. It forwards to RtlGenRandom
 * (SystemFunction036). Used only by scripts/wine-test.sh; never shipped. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n; len -= n;
	}
	return TRUE;
}
