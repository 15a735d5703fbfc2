/* SPDX-License-Identifier: MIT */
/* IO interrupts: CQ unmask register writes, static moderation and a small
 * adaptive RX moderation state machine (net_dim's profiles). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "eth_queue.h"
#include "plat.h"

/* Linux defaults (ena_com.h ENA_INTR_INITIAL_{TX,RX}_INTERVAL_USECS). */
#define INTR_DEFAULT_TX_USECS 64u
#define INTR_DEFAULT_RX_USECS 20u
#define INTR_DELAY_MAX 0x7fffu /* 15-bit fields */

const uint16_t ena_dim_profile_usecs[ENA_DIM_LEVELS] = { 1, 8, 64, 128, 256 };

/* Rates per millisecond that call for level i + 1: packets (8k, 64k, 256k,
 * 512k pps) and bytes (~128 Mb/s, 1 Gb/s, 4 Gb/s, 8 Gb/s). The busier
 * measure wins. */
static const uint64_t dim_pkts_per_ms[ENA_DIM_LEVELS - 1] = { 8, 64, 256, 512 };
static const uint64_t dim_bytes_per_ms[ENA_DIM_LEVELS - 1] = { 16384, 131072, 524288, 1048576 };

static unsigned int dim_level_for(uint64_t rate, const uint64_t *thresh)
{
	unsigned int l = 0;

	while (l < ENA_DIM_LEVELS - 1 && rate >= thresh[l])
		l++;
	return l;
}

void ena_dim_init(struct ena_dim *d, unsigned int level)
{
	memset(d, 0, sizeof(*d));
	d->level = (uint8_t)(level < ENA_DIM_LEVELS ? level : ENA_DIM_LEVELS - 1);
}

static void dim_open_window(struct ena_dim *d, uint64_t now_us, uint64_t pkts, uint64_t bytes)
{
	d->started = true;
	d->win_start_us = now_us;
	d->win_pkts = pkts;
	d->win_bytes = bytes;
}

bool ena_dim_update(struct ena_dim *d, uint64_t now_us, uint64_t pkts, uint64_t bytes)
{
	uint64_t elapsed, ppms, bpms;
	unsigned int target, old = d->level;

	if (!d->started || now_us < d->win_start_us || pkts < d->win_pkts || bytes < d->win_bytes) {
		dim_open_window(d, now_us, pkts, bytes);
		return false;
	}
	elapsed = now_us - d->win_start_us;
	if (elapsed < ENA_DIM_WINDOW_US)
		return false;
	ppms = (pkts - d->win_pkts) * 1000u / elapsed;
	bpms = (bytes - d->win_bytes) * 1000u / elapsed;
	target = dim_level_for(ppms, dim_pkts_per_ms);
	if (dim_level_for(bpms, dim_bytes_per_ms) > target)
		target = dim_level_for(bpms, dim_bytes_per_ms);
	dim_open_window(d, now_us, pkts, bytes);
	d->decisions++;

	if (target > d->level) {
		d->level++;
		d->down_votes = 0;
	} else if (target < d->level) {
		if (++d->down_votes >= 2) {
			d->level--;
			d->down_votes = 0;
		}
	} else {
		d->down_votes = 0;
	}
	return d->level != old;
}

void ena_eth_ring_doorbell(volatile uint32_t *reg, int kick_fd, uint32_t val)
{
	/* descriptors (or the last register write) before the doorbell */
	ena_wmb();
	*reg = val;
	if (kick_fd >= 0) {
		const uint64_t one = 1;

		ena_wmb();
		/* an eventfd write fails only when its counter would overflow,
		 * and then the device has a kick pending anyway */
		(void)!write(kick_fd, &one, sizeof(one));
	}
}

static uint32_t usecs_to_units(const struct ena_intr *in, uint32_t usecs)
{
	return usecs / in->resolution;
}

void ena_intr_init(struct ena_intr *in, const struct ena_intr_cfg *cfg)
{
	memset(in, 0, sizeof(*in));
	in->unmask_reg = cfg->unmask_reg;
	in->kick_fd = cfg->kick_fd;
	in->resolution = cfg->resolution ? cfg->resolution : 1;
	in->supported = cfg->supported;
	ena_dim_init(&in->dim, 0);
	if (in->supported) {
		in->tx_usecs = INTR_DEFAULT_TX_USECS;
		in->rx_usecs = INTR_DEFAULT_RX_USECS;
		in->adaptive_rx = true;
	}
	in->tx_interval = usecs_to_units(in, in->tx_usecs);
	in->rx_interval = usecs_to_units(in, in->rx_usecs);
	/* Linux: the first unmask finds nothing changed (no_moderation_update) */
	in->prev_tx_interval = in->tx_interval;
	in->prev_rx_interval = in->rx_interval;
}

int ena_intr_set_moderation(struct ena_intr *in, uint32_t rx_usecs, uint32_t tx_usecs,
			    bool adaptive_rx)
{
	if (!in->supported && (rx_usecs || tx_usecs || adaptive_rx))
		return -EOPNOTSUPP;
	if (usecs_to_units(in, rx_usecs) > INTR_DELAY_MAX || usecs_to_units(in, tx_usecs) > INTR_DELAY_MAX)
		return -ERANGE;
	in->rx_usecs = rx_usecs;
	in->tx_usecs = tx_usecs;
	in->tx_interval = usecs_to_units(in, tx_usecs);
	if (adaptive_rx && !in->adaptive_rx)
		ena_dim_init(&in->dim, 0);
	in->adaptive_rx = adaptive_rx;
	if (!adaptive_rx || !in->dim.decisions)
		in->rx_interval = usecs_to_units(in, rx_usecs);
	/* what the caller set reaches the device even when it equals the
	 * defaults, so the delays reported are the delays in force */
	in->write_delays = true;
	return 0;
}

void ena_intr_unmask(struct ena_intr *in, struct ena_txq *txq, const struct ena_rxq *rxq,
		     uint64_t now_us)
{
	bool changed;
	uint32_t val;

	if (in->adaptive_rx && rxq) {
		uint64_t cnt = __atomic_load_n(&rxq->stats[ENA_RXQ_STAT_CNT], __ATOMIC_RELAXED);
		uint64_t bytes = __atomic_load_n(&rxq->stats[ENA_RXQ_STAT_BYTES], __ATOMIC_RELAXED);

		/* like Linux, only cycles that received something feed DIM */
		if (cnt != in->rx_cnt_seen) {
			uint32_t decisions = in->dim.decisions;

			ena_dim_update(&in->dim, now_us, cnt, bytes);
			/* a window closed: apply the level it chose */
			if (in->dim.decisions != decisions)
				in->rx_interval = usecs_to_units(in, ena_dim_usecs(&in->dim));
			in->rx_cnt_seen = cnt;
		}
	}
	if (in->rx_interval > INTR_DELAY_MAX)
		in->rx_interval = INTR_DELAY_MAX;
	changed = in->rx_interval != in->prev_rx_interval || in->tx_interval != in->prev_tx_interval ||
		  in->write_delays;
	in->write_delays = false;
	in->prev_rx_interval = in->rx_interval;
	in->prev_tx_interval = in->tx_interval;

	val = (in->rx_interval & ENA_INTR_REG_RX_DELAY_MASK) |
	      (in->tx_interval << ENA_INTR_REG_TX_DELAY_SHIFT & ENA_INTR_REG_TX_DELAY_MASK) |
	      ENA_INTR_REG_UNMASK | (changed ? 0 : ENA_INTR_REG_NO_MODERATION_UPDATE);
	ena_eth_ring_doorbell(in->unmask_reg, in->kick_fd, val);
	if (txq)
		ENA_STAT_ADD(txq->stats, ENA_TXQ_STAT_UNMASK_INTERRUPT, 1);
}

int ena_qpair_set_moderation(struct ena_qpair *qp, uint32_t rx_usecs, uint32_t tx_usecs,
			     bool adaptive_rx)
{
	return ena_intr_set_moderation(&qp->intr, rx_usecs, tx_usecs, adaptive_rx);
}

void ena_qpair_get_moderation(const struct ena_qpair *qp, uint32_t *ret_rx_usecs,
			      uint32_t *ret_tx_usecs, bool *ret_adaptive_rx)
{
	const struct ena_intr *in = &qp->intr;

	if (ret_rx_usecs)
		*ret_rx_usecs = in->adaptive_rx && in->dim.decisions ? ena_dim_usecs(&in->dim)
								    : in->rx_usecs;
	if (ret_tx_usecs)
		*ret_tx_usecs = in->tx_usecs;
	if (ret_adaptive_rx)
		*ret_adaptive_rx = in->adaptive_rx;
}

void ena_qpair_unmask(struct ena_qpair *qp, uint64_t now_us)
{
	ena_intr_unmask(&qp->intr, &qp->txq, &qp->rxq, now_us);
}
