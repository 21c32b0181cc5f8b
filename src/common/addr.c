/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hyperflow/addr.h>

int
hf_ip4_parse(const char *s, uint32_t *ip_be)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip_be = a.s_addr;
	return 0;
}

const char *
hf_ip4_str(uint32_t ip_be, char buf[HF_IP4_STRLEN])
{
	const uint8_t *b = (const uint8_t *)&ip_be;

	snprintf(buf, HF_IP4_STRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
hf_mac_parse(const char *s, struct hf_mac *mac)
{
	int i;

	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[i * 3]);
		int lo = hexval((unsigned char)s[i * 3 + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && s[i * 3 + 2] != ':')
			return -EINVAL;
		mac->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *
hf_mac_str(const struct hf_mac *mac, char buf[HF_MAC_STRLEN])
{
	snprintf(buf, HF_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0], mac->b[1],
		 mac->b[2], mac->b[3], mac->b[4], mac->b[5]);
	return buf;
}
