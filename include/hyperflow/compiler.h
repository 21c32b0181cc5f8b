/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiler hints for the worker's per-packet code.
 *
 * HF_HOT_INLINE: a header function on the per-packet path. GCC inlines a
 * small static inline function on its own judgement and stops once a
 * function grows past its budget; the worker's burst loop does, and the
 * calls that remain pass the parsed packet through memory. These are
 * inlined always, in the worker and in hf-microbench alike, so the
 * benchmark measures the code the worker runs.
 */
#ifndef HF_COMPILER_H
#define HF_COMPILER_H

#define HF_HOT_INLINE static inline __attribute__((always_inline))

/* Cold, out of line: keeps rare paths out of the hot loop's code. */
#define HF_COLD static __attribute__((noinline, cold, unused))

#endif /* HF_COMPILER_H */
