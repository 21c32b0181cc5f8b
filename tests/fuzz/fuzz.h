/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the fuzz targets (fuzz_*.c) and the replay driver (replay.c).
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with clang and
 * -Dfuzz=true it is linked with libFuzzer (-fsanitize=fuzzer) into
 * fuzz_<target>; in every build it is also linked with replay.c into
 * replay_<target>, which runs it over the checked-in inputs (meson tests
 * replay-<target>, suite unit). See docs/testing.md.
 *
 * A target checks the documented contract of what it calls, not only
 * memory safety: HF_FUZZ_CHECK() aborts with the failed condition, which
 * libFuzzer reports as a crash and saves the input.
 */
#ifndef HF_FUZZ_H
#define HF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* IPv4 a.b.c.d in network order, as a constant expression (static initialisers). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IP4(a, b, c, d)                                                                            \
	((uint32_t)(d) << 24 | (uint32_t)(c) << 16 | (uint32_t)(b) << 8 | (uint32_t)(a))
#else
#define IP4(a, b, c, d)                                                                            \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HF_FUZZ_CHECK(cond)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif /* HF_FUZZ_H */
