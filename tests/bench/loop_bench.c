/* SPDX-License-Identifier: MIT */
/* libena TX+RX microbenchmark over enasim's loop wire: bursts of UDP frames
 * go out on queue 0 and are received back; prints packets per second. Run
 * under callgrind by tests/bench/loop.sh for instructions per packet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ena/eth.h>

#include "../unit/pkt.h"

#define DEPTH 1024
#define BURST 32
#define RX_BUF 2048

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "loop_bench: %s: %s\n", what, ena_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	const char *devstr = NULL;
	unsigned long packets = 100000, size = 64, llq = 0;
	struct ena_dev_params params = { .numa_node = -1 };
	struct ena_qpair_params qp_params = { .index = 0, .tx_depth = DEPTH, .rx_depth = DEPTH,
					      .numa_node = -1, .irq_fd = -1 };
	struct ena_dma_mem tx_mem, rx_mem;
	struct ena_qpair *qp;
	struct ena_dev *dev;
	struct ena_txq *txq;
	struct ena_rxq *rxq;
	unsigned long sent = 0, received = 0;
	struct pkt_flow flow = { 0x0a000001, 0x0a000002, 1000, 2000 };
	double t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "d:n:s:l:")) != -1) {
		switch (opt) {
		case 'd': devstr = optarg; break;
		case 'n': packets = strtoul(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'l': llq = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: loop_bench -d vfio-user:PATH [-n packets] [-s frame size] [-l 0|128|256]\n");
			return 2;
		}
	}
	if (!devstr || size < 60 || size > RX_BUF || packets == 0 || (llq && llq != 128 && llq != 256)) {
		fprintf(stderr, "loop_bench: need -d, 60 <= size <= %d, packets > 0, llq 0/128/256\n", RX_BUF);
		return 2;
	}
	if (ena_dev_open(devstr, &dev) < 0 || ena_dev_init(dev, &params) < 0)
		return die("bring-up");
	if (llq && ena_dev_set_llq(dev, (unsigned int)llq) < 0)
		return die("llq");
	qp_params.llq_entry_size = (unsigned int)llq;
	if (ena_qpair_create(dev, &qp_params, &qp) < 0)
		return die("queue pair");
	txq = ena_qpair_txq(qp);
	rxq = ena_qpair_rxq(qp);
	if (ena_dev_dma_alloc(dev, (size_t)DEPTH * RX_BUF, -1, &tx_mem) < 0 ||
	    ena_dev_dma_alloc(dev, (size_t)DEPTH * RX_BUF, -1, &rx_mem) < 0)
		return die("buffers");

	/* One frame image per TX slot, built once: the benchmark measures the
	 * queues, not packet construction. */
	for (unsigned int i = 0; i < DEPTH; i++)
		pkt_udp4((uint8_t *)tx_mem.va + (size_t)i * RX_BUF, &flow,
			 size - PKT_ETH_LEN - PKT_IP4_LEN - PKT_UDP_LEN, i, 0);
	{
		struct ena_rx_buf bufs[DEPTH];
		unsigned int n = ena_rxq_free_slots(rxq);

		for (unsigned int i = 0; i < n; i++)
			bufs[i] = (struct ena_rx_buf){ .iova = rx_mem.iova + (uint64_t)i * RX_BUF,
						       .len = RX_BUF, .cookie = i };
		if (ena_rxq_refill(rxq, bufs, n) != (int)n)
			return die("refill");
	}

	t0 = now_s();
	while (received < packets) {
		struct ena_tx_buf tb[BURST];
		struct ena_tx_pkt tp[BURST];
		uint64_t cookies[BURST * 2];
		struct ena_rx_pkt rp[BURST];
		struct ena_rx_seg rs[BURST * 2];
		struct ena_rx_buf rb[BURST * 2];
		unsigned int burst = 0;
		int n;

		while (burst < BURST && sent + burst < packets && ena_txq_free_entries(txq) > burst + 2) {
			unsigned int slot = (unsigned int)((sent + burst) % DEPTH);

			tb[burst] = (struct ena_tx_buf){ .iova = tx_mem.iova + (uint64_t)slot * RX_BUF,
							 .va = (uint8_t *)tx_mem.va + (size_t)slot * RX_BUF,
							 .len = (uint32_t)size };
			tp[burst] = (struct ena_tx_pkt){ .bufs = &tb[burst], .nr_bufs = 1, .cookie = slot };
			burst++;
		}
		if (burst) {
			n = ena_txq_post(txq, tp, burst);
			if (n < 0)
				return die("post");
			sent += (unsigned long)n;
		}
		if (ena_txq_poll(txq, cookies, BURST * 2) < 0)
			return die("tx completions");
		n = ena_rxq_poll(rxq, rp, BURST, rs, BURST * 2);
		if (n < 0)
			return die("rx");
		for (int i = 0; i < n; i++) {
			for (unsigned int s = 0; s < rp[i].nr_segs; s++) {
				uint64_t c = rs[rp[i].seg + s].cookie;

				rb[s] = (struct ena_rx_buf){ .iova = rx_mem.iova + c * RX_BUF, .len = RX_BUF,
							     .cookie = c };
			}
			if (ena_rxq_refill(rxq, rb, rp[i].nr_segs) < 0)
				return die("refill");
		}
		received += (unsigned long)n;
	}
	t1 = now_s();
	printf("packets %lu size %lu llq %lu seconds %.3f pps %.0f\n", received, size, llq, t1 - t0,
	       (double)received / (t1 - t0));
	ena_qpair_destroy(qp);
	ena_dev_dma_free(&tx_mem);
	ena_dev_dma_free(&rx_mem);
	ena_dev_close(dev);
	return 0;
}
