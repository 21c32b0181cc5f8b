/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What is likely wrong at a libconfig syntax error. libconfig says only
 * "syntax error" at the line of the token it could not take, which is
 * often a line after the mistake; these read the text around that line
 * for the mistakes a hand-written hyperflow.conf makes most:
 *
 *  - an address or MAC without quotes (ip = 192.0.2.1; mac = 02:00:...),
 *  - a missing comma between two groups of a list ("} {" or a line
 *    starting with "{" after one ending with "}").
 *
 * Pure text, no libconfig, no EAL.
 *
 * Thread-safety: none needed; no state.
 */
#ifndef HF_CFGHINT_H
#define HF_CFGHINT_H

#include <stddef.h>

/*
 * The likely cause of a syntax error reported at line (1-based) of text,
 * written into buf as one phrase (no trailing period). Returns buf, or
 * NULL when none can be told (or line is not in text).
 */
const char *hf_cfghint_text(const char *text, int line, char *buf, size_t len);

/* The same for the file at path (read up to its first HF_CFGHINT_MAX bytes). */
#define HF_CFGHINT_MAX (1u << 20)
const char *hf_cfghint_file(const char *path, int line, char *buf, size_t len);

#endif /* HF_CFGHINT_H */
