/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Likely causes of a libconfig syntax error, told from the text around the
 * line libconfig names (see cfghint.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/cfghint.h>

#define HF_CFGHINT_LINE 512   /* longer lines are looked at in part */

/*
 * Line n (1-based) of text into out, with comments (#, //, one-line
 * slash-star) and the contents of quoted strings blanked, so that only
 * what libconfig parses as tokens is left. Returns false past the end.
 */
static bool
hf_cfghint_line(const char *text, int n, char *out, size_t len)
{
	const char *p = text, *end;
	bool quoted = false;
	size_t i, k = 0;

	for (int l = 1; l < n; l++) {
		p = strchr(p, '\n');
		if (p == NULL)
			return false;
		p++;
	}
	if (n < 1 || (*p == '\0' && p != text))
		return false;
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	for (i = 0; p + i < end && k + 1 < len; i++) {
		char c = p[i];

		if (quoted) {
			if (c == '\\' && p + i + 1 < end) {
				i++;
			} else if (c == '"') {
				quoted = false;
				out[k++] = '"';
			}
			continue;
		}
		if (c == '"') {
			quoted = true;
			out[k++] = '"';
		} else if (c == '#' || (c == '/' && p + i + 1 < end && p[i + 1] == '/')) {
			break;
		} else if (c == '/' && p + i + 1 < end && p[i + 1] == '*') {
			const char *close = strstr(p + i + 2, "*/");

			if (close == NULL || close >= end)
				break;
			i = (size_t)(close - p) + 1;
			out[k++] = ' ';
		} else {
			out[k++] = c;
		}
	}
	/* drop trailing blanks */
	while (k > 0 && isspace((unsigned char)out[k - 1]))
		k--;
	out[k] = '\0';
	return true;
}

static const char *
hf_cfghint_first(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The previous line with a token on it, before line n, and its number (0: none). */
static int
hf_cfghint_prev(const char *text, int n, char *out, size_t len)
{
	for (int l = n - 1; l >= 1; l--)
		if (hf_cfghint_line(text, l, out, len) && *hf_cfghint_first(out) != '\0')
			return l;
	return 0;
}

/*
 * An unquoted IPv4 address (two dots or more, digits) or IPv6 address or
 * MAC (two colons or more, hex digits) in line, as a token of its own;
 * copied into tok. libconfig reads "192.0.2.1" as a float and stops at
 * the second dot, "2001:db8::1" and "02:00:..." at the first colon.
 */
static bool
hf_cfghint_bare_addr(const char *line, char *tok, size_t len)
{
	for (const char *p = line; *p != '\0'; p++) {
		size_t n = 0, dots = 0, colons = 0;
		bool hex = false;

		if (!isxdigit((unsigned char)*p) ||
		    (p > line && strchr(" \t=[(,", p[-1]) == NULL))
			continue;
		while (isxdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == ':' || p[n] == '/') {
			dots += p[n] == '.';
			colons += p[n] == ':';
			hex |= isalpha((unsigned char)p[n]) != 0;
			n++;
		}
		if ((dots >= 2 && colons == 0 && !hex) || (colons >= 2 && dots == 0)) {
			snprintf(tok, len, "%.*s", (int)n, p);
			return true;
		}
		p += n - 1;
	}
	return false;
}

const char *
hf_cfghint_text(const char *text, int line, char *buf, size_t len)
{
	char cur[HF_CFGHINT_LINE], prev[HF_CFGHINT_LINE], tok[64];
	const char *first, *gap;
	int pl;

	if (text == NULL || buf == NULL || len == 0 || !hf_cfghint_line(text, line, cur, sizeof(cur)))
		return NULL;
	pl = hf_cfghint_prev(text, line, prev, sizeof(prev));
	if (hf_cfghint_bare_addr(cur, tok, sizeof(tok))) {
		snprintf(buf, len, "likely an address without quotes: addresses and MACs are "
			 "strings, write \"%s\"", tok);
		return buf;
	}
	/* "} {" on the line itself */
	for (gap = strchr(cur, '}'); gap != NULL; gap = strchr(gap + 1, '}'))
		if (*hf_cfghint_first(gap + 1) == '{') {
			snprintf(buf, len, "likely a missing comma between two groups of a list: "
				 "write \"}, {\"");
			return buf;
		}
	/* a group opens where the previous line closed one */
	first = hf_cfghint_first(cur);
	if (pl > 0 && (*first == '{' || *first == '(') && prev[0] != '\0' &&
	    strchr("})", prev[strlen(prev) - 1]) != NULL) {
		snprintf(buf, len, "likely a missing comma between two groups of a list: "
			 "add ',' after the '%c' on line %d", prev[strlen(prev) - 1], pl);
		return buf;
	}
	return NULL;
}

const char *
hf_cfghint_file(const char *path, int line, char *buf, size_t len)
{
	FILE *f;
	char *text;
	size_t n;
	const char *hint;

	if (path == NULL)
		return NULL;
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	text = malloc(HF_CFGHINT_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(text, 1, HF_CFGHINT_MAX, f);
	fclose(f);
	text[n] = '\0';
	hint = hf_cfghint_text(text, line, buf, len);
	free(text);
	return hint;
}
