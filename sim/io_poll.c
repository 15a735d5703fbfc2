/* SPDX-License-Identifier: MIT */
/* The IO engine's poll window. Hardware sees a doorbell at once; a thread
 * asleep in epoll needs a wakeup, tens of µs on a VM's idle vCPU. Polling
 * for a while after activity takes that out of sparse, latency-bound
 * traffic (a ping, a request and its response). Under load the wakeups are
 * amortised over bursts and a polling thread only takes a CPU the workload
 * needs (measured: UDP 64-byte rate fell by a third), so, as adaptive
 * interrupt moderation does, the window is used only while the frame rate
 * stays low. */
#include "io_poll.h"

bool io_poller_keep_polling(struct io_poller *p, uint32_t window_us, uint64_t now_us,
			    bool active, uint64_t frames)
{
	if (!window_us)
		return false;
	p->period_frames += frames;
	if (now_us - p->period_start >= IO_POLL_RATE_PERIOD_US) {
		p->rate_high = p->period_frames > IO_POLL_RATE_MAX_FRAMES;
		p->period_start = now_us;
		p->period_frames = 0;
	}
	if (active)
		p->last_active = now_us;
	return !p->rate_high && now_us - p->last_active < window_us;
}
