/* SPDX-License-Identifier: MIT */
/* The IO engine's poll window (--poll-us): whether to poll again or sleep. */
#ifndef ENASIM_IO_POLL_H
#define ENASIM_IO_POLL_H

#include <stdbool.h>
#include <stdint.h>

/* The frame rate is judged per period; above the limit the engine sleeps. */
#define IO_POLL_RATE_PERIOD_US 10000u
#define IO_POLL_RATE_MAX_FRAMES 100u  /* per period: 10k frames/s */

struct io_poller {
	uint64_t last_active;     /* µs: last pass that did something */
	uint64_t period_start;    /* µs */
	uint64_t period_frames;
	bool rate_high;           /* the last full period went over the limit */
};

/**
 * io_poller_keep_polling() - account one engine pass, decide what follows.
 * @window_us: the poll window, 0 = never poll.
 * @now_us: monotonic µs.
 * @active: the pass did something (frames, completions, interrupts, unmasks).
 * @frames: frames the pass moved or dropped.
 * Return: true to run another pass at once, false to sleep on events.
 */
bool io_poller_keep_polling(struct io_poller *p, uint32_t window_us, uint64_t now_us,
			    bool active, uint64_t frames);

#endif /* ENASIM_IO_POLL_H */
