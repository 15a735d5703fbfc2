/* SPDX-License-Identifier: MIT */
/* The few platform services the ENA protocol code uses: a monotonic clock,
 * short sleeps and memory barriers. */
#ifndef ENA_PLAT_H
#define ENA_PLAT_H

#include <stdint.h>
#include <time.h>

static inline uint64_t ena_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline void ena_sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Device-visible ordering of stores to DMA memory before a doorbell, and of
 * the phase read before the rest of an entry. */
#define ena_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define ena_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)

#define ENA_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define ENA_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif /* ENA_PLAT_H */
