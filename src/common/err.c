/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hyperflow/err.h>

void
hf_errlist_init(struct hf_errlist *el)
{
	el->n = 0;
	el->dropped = 0;
}

void
hf_errlist_add(struct hf_errlist *el, const char *file, int line, const char *fmt, ...)
{
	struct hf_err *e;
	va_list ap;

	if (el->n >= HF_ERR_MAX) {
		el->dropped++;
		return;
	}
	e = &el->e[el->n++];
	snprintf(e->file, sizeof(e->file), "%s", file != NULL ? file : "");
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

unsigned int
hf_errlist_count(const struct hf_errlist *el)
{
	return el->n + el->dropped;
}

const char *
hf_err_format(const struct hf_err *e, char *buf, size_t len)
{
	if (e->file[0] != '\0' && e->line > 0)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0] != '\0')
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
	return buf;
}

void
hf_errlist_print(const struct hf_errlist *el, FILE *f)
{
	char buf[HF_ERR_FILE_MAX + HF_ERR_MSG_MAX + 16];
	unsigned int i;

	for (i = 0; i < el->n; i++)
		fprintf(f, "%s\n", hf_err_format(&el->e[i], buf, sizeof(buf)));
	if (el->dropped > 0)
		fprintf(f, "(%u more errors not shown)\n", el->dropped);
}
