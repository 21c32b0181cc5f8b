/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded list of "file:line: reason" errors. Validation code adds every
 * problem it finds instead of stopping at the first; callers print the list.
 *
 * Thread-safety: owned by one thread at a time; no sharing.
 */
#ifndef HF_ERR_H
#define HF_ERR_H

#include <stdio.h>

#define HF_ERR_MAX     64
#define HF_ERR_MSG_MAX 256
#define HF_ERR_FILE_MAX 256

struct hf_err {
	char file[HF_ERR_FILE_MAX];
	int line;                 /* 0 when no line applies */
	char msg[HF_ERR_MSG_MAX];
};

struct hf_errlist {
	unsigned int n;           /* entries stored in e[] */
	unsigned int dropped;     /* errors beyond HF_ERR_MAX, counted only */
	struct hf_err e[HF_ERR_MAX];
};

void hf_errlist_init(struct hf_errlist *el);

/* Append one error. file may be NULL; line 0 means "no line". */
void hf_errlist_add(struct hf_errlist *el, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Total errors seen, including dropped ones. */
unsigned int hf_errlist_count(const struct hf_errlist *el);

/* Write one error per line: "file:line: msg" (or "file: msg" when line 0). */
void hf_errlist_print(const struct hf_errlist *el, FILE *f);

/* Format error i like hf_errlist_print into buf; returns buf. */
const char *hf_err_format(const struct hf_err *e, char *buf, size_t len);

#endif /* HF_ERR_H */
