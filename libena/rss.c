/* SPDX-License-Identifier: MIT */
/* RSS hash functions (Toeplitz, CRC32) and indirection table helpers, shared
 * by the driver and the emulator so both compute the same steering. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/ena.h>

uint32_t ena_rss_toeplitz(const uint8_t key[ENA_RSS_KEY_SIZE], const uint8_t *data, size_t len)
{
	uint32_t hash = 0;
	/* The 32-bit window of the key that lines up with the current input
	 * bit; it slides left one bit per input bit. */
	uint32_t window = ((uint32_t)key[0] << 24) | ((uint32_t)key[1] << 16) |
			  ((uint32_t)key[2] << 8) | key[3];
	size_t next = 4; /* next key byte to shift in */

	/* A 40-byte key covers 36 bytes of input (IPv6 + ports). */
	if (len > ENA_RSS_KEY_SIZE - 4)
		len = ENA_RSS_KEY_SIZE - 4;
	for (size_t i = 0; i < len; i++) {
		uint8_t in = data[i];
		uint8_t kb = next < ENA_RSS_KEY_SIZE ? key[next] : 0;

		for (int bit = 7; bit >= 0; bit--) {
			if (in & (1u << bit))
				hash ^= window;
			window = (window << 1) | ((kb >> bit) & 1u);
		}
		next++;
	}
	return hash;
}

/* CRC-32C (Castagnoli), reflected, seeded with the device's init_val. The
 * sources do not say which CRC the device uses; this is our model (NOTE in
 * README): what matters is that driver and emulator agree. */
uint32_t ena_rss_crc32(uint32_t init_val, const uint8_t *data, size_t len)
{
	uint32_t crc = init_val;

	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return crc;
}

void ena_rss_indir_fill_default(uint16_t *table, size_t entries, unsigned int nqueues)
{
	for (size_t i = 0; i < entries; i++)
		table[i] = (uint16_t)(nqueues ? i % nqueues : 0);
}
