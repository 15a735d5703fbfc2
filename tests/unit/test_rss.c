/* SPDX-License-Identifier: MIT */
/* RSS hashes against the Microsoft RSS verification suite (the published key
 * and its IPv4/IPv6 tuples, with and without ports). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <ena/ena.h>

#include "pkt.h"

struct vector {
	int family;
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t hash_l3, hash_l4;
};

/* "Verifying the RSS Hash Calculation", Microsoft NDIS documentation. */
static const struct vector vectors[] = {
	{ AF_INET, "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ AF_INET, "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ AF_INET, "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ AF_INET, "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
	{ AF_INET, "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2 },
	{ AF_INET6, "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d },
	{ AF_INET6, "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf },
	{ AF_INET6, "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251,
	  0x4b61e985, 0x02d1feef },
};

/* source address, destination address, source port, destination port */
static size_t build_tuple(const struct vector *v, uint8_t *buf, int with_ports)
{
	size_t alen = v->family == AF_INET ? 4 : 16;
	uint16_t sp = htons(v->sport), dp = htons(v->dport);

	assert_int_equal(inet_pton(v->family, v->src, buf), 1);
	assert_int_equal(inet_pton(v->family, v->dst, buf + alen), 1);
	if (!with_ports)
		return 2 * alen;
	memcpy(buf + 2 * alen, &sp, 2);
	memcpy(buf + 2 * alen + 2, &dp, 2);
	return 2 * alen + 4;
}

static void test_toeplitz_ms_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t buf[36];
		size_t n;

		n = build_tuple(&vectors[i], buf, 0);
		if (ena_rss_toeplitz(ms_rss_key, buf, n) != vectors[i].hash_l3)
			fail_msg("vector %zu (%s) L3: got %#x want %#x", i, vectors[i].src,
				 ena_rss_toeplitz(ms_rss_key, buf, n), vectors[i].hash_l3);
		n = build_tuple(&vectors[i], buf, 1);
		if (ena_rss_toeplitz(ms_rss_key, buf, n) != vectors[i].hash_l4)
			fail_msg("vector %zu (%s) L4: got %#x want %#x", i, vectors[i].src,
				 ena_rss_toeplitz(ms_rss_key, buf, n), vectors[i].hash_l4);
	}
}

static void test_toeplitz_is_key_sensitive(void **state)
{
	uint8_t key[ENA_RSS_KEY_SIZE], buf[36];
	size_t n = build_tuple(&vectors[0], buf, 1);

	memcpy(key, ms_rss_key, sizeof(key));
	key[10] ^= 0x01; /* the first bit only meets the first input bit */
	assert_int_not_equal(ena_rss_toeplitz(key, buf, n), vectors[0].hash_l4);
	/* A reversed key (what the device stores) is a different key. */
	for (int i = 0; i < ENA_RSS_KEY_SIZE; i++)
		key[i] = ms_rss_key[ENA_RSS_KEY_SIZE - 1 - i];
	assert_int_not_equal(ena_rss_toeplitz(key, buf, n), vectors[0].hash_l4);
}

static void test_crc32c(void **state)
{
	/* CRC-32C check value: "123456789" -> 0xe3069283 (with ~ in and out). */
	const uint8_t check[] = "123456789";

	assert_int_equal(~ena_rss_crc32(0xffffffffu, check, 9), 0xe3069283u);
	assert_int_not_equal(ena_rss_crc32(0, check, 9), ena_rss_crc32(1, check, 9));
}

static void test_indir_default(void **state)
{
	uint16_t t[128];

	ena_rss_indir_fill_default(t, 128, 3);
	for (int i = 0; i < 128; i++)
		assert_int_equal(t[i], i % 3);
	ena_rss_indir_fill_default(t, 128, 0);
	assert_int_equal(t[5], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_ms_vectors),
		cmocka_unit_test(test_toeplitz_is_key_sensitive),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_indir_default),
	};

	return cmocka_run_group_tests_name("rss", tests, NULL, NULL);
}
