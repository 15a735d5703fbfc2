/* SPDX-License-Identifier: MIT */
/* enasim's cables with a real driver on the end: two instances cabled by
 * pair: carry frames byte-exact between two libena devices, and the tap:
 * wire puts a device on a network namespace's link, where the kernel
 * answers our ARP request. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <ena/eth.h>

#include "pkt.h"
#include "sim_harness.h"

#define DEPTH 256
#define BUF 2048

struct end {
	struct sim sim;
	struct ena_dev *dev;
	struct ena_qpair *qp;
	struct ena_dma_mem mem; /* DEPTH RX buffers, then one TX buffer */
};

static int end_up(struct end *e, const char *const *args)
{
	static const struct ena_dev_params params = { .numa_node = -1 };
	struct ena_qpair_params p = { .index = 0, .tx_depth = DEPTH, .rx_depth = DEPTH,
				      .numa_node = -1, .irq_fd = -1 };
	struct ena_rx_buf bufs[DEPTH];
	unsigned int n;

	if (sim_start(&e->sim, args) < 0 || ena_dev_open(e->sim.devstr, &e->dev) < 0 ||
	    ena_dev_init(e->dev, &params) < 0 || ena_qpair_create(e->dev, &p, &e->qp) < 0 ||
	    ena_dev_dma_alloc(e->dev, (size_t)(DEPTH + 1) * BUF, -1, &e->mem) < 0) {
		fprintf(stderr, "bring-up: %s\n", ena_error_last());
		return -1;
	}
	n = ena_rxq_free_slots(ena_qpair_rxq(e->qp));
	for (unsigned int i = 0; i < n; i++)
		bufs[i] = (struct ena_rx_buf){ .iova = e->mem.iova + (uint64_t)i * BUF, .len = BUF, .cookie = i };
	return ena_rxq_refill(ena_qpair_rxq(e->qp), bufs, n) == (int)n ? 0 : -1;
}

static void end_down(struct end *e)
{
	if (e->qp)
		ena_qpair_destroy(e->qp);
	ena_dev_dma_free(&e->mem);
	ena_dev_close(e->dev);
	sim_stop(&e->sim);
}

static void send_frame(struct end *e, const uint8_t *frame, size_t len)
{
	uint8_t *tx = (uint8_t *)e->mem.va + (size_t)DEPTH * BUF;
	struct ena_tx_buf b = { .iova = e->mem.iova + (uint64_t)DEPTH * BUF, .va = tx, .len = (uint32_t)len };
	struct ena_tx_pkt p = { .bufs = &b, .nr_bufs = 1, .cookie = 1 };

	memcpy(tx, frame, len);
	assert_int_equal(ena_txq_post(ena_qpair_txq(e->qp), &p, 1), 1);
}

/* Next frame received that @want accepts (bounded wait); its length, or 0. */
static size_t recv_frame(struct end *e, uint8_t *out, int (*want)(const uint8_t *, size_t))
{
	for (int tries = 0; tries < 2500; tries++) {
		struct ena_rx_pkt pkt;
		struct ena_rx_seg seg[8];
		int n = ena_rxq_poll(ena_qpair_rxq(e->qp), &pkt, 1, seg, 8);

		assert_true(n >= 0);
		if (n == 0) {
			usleep(2000);
			continue;
		}
		assert_int_equal(pkt.nr_segs, 1);
		memcpy(out, (uint8_t *)e->mem.va + seg[0].cookie * BUF + pkt.offset, pkt.len);
		{
			struct ena_rx_buf b = { .iova = e->mem.iova + seg[0].cookie * BUF, .len = BUF,
						.cookie = seg[0].cookie };

			assert_int_equal(ena_rxq_refill(ena_qpair_rxq(e->qp), &b, 1), 1);
		}
		if (!want || want(out, pkt.len))
			return pkt.len;
	}
	return 0;
}

static void test_pair(void **state)
{
	char path[128];
	const char *args_a[] = { "--queues", "1", "--wire", path, NULL };
	const char *args_b[] = { "--queues", "1", "--wire", path, "--mac", "02:00:00:ee:00:02", NULL };
	struct end a = { 0 }, b = { 0 };
	uint8_t frame[1600], got[BUF];
	struct pkt_flow flow = { 0x0a000001, 0x0a000002, 7, 9 };
	size_t len;

	snprintf(path, sizeof(path), "pair:/tmp/enad-pair-%d.sock", getpid());
	assert_int_equal(end_up(&a, args_a), 0);
	assert_int_equal(end_up(&b, args_b), 0);

	len = pkt_udp4(frame, &flow, 1000, 5, 0);
	send_frame(&a, frame, len);
	assert_int_equal(recv_frame(&b, got, NULL), len);
	assert_memory_equal(got, frame, len);
	/* And back the other way. */
	len = pkt_udp4(frame, &flow, 300, 6, 0);
	send_frame(&b, frame, len);
	assert_int_equal(recv_frame(&a, got, NULL), len);
	assert_memory_equal(got, frame, len);
	end_down(&b);
	end_down(&a);
	unlink(path + 5);
}

static int is_arp_reply(const uint8_t *f, size_t len)
{
	return len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* The namespace of test_tap, removed by the group teardown even when an
 * assertion stops the test half way. */
static char ns[64];

static int remove_ns(void **state)
{
	char cmd[128];

	if (ns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns);
		(void)!system(cmd);
	}
	return 0;
}

static void test_tap(void **state)
{
	char cmd[512], wire[128], mac_text[32] = "";
	const char *args[] = { "--queues", "1", "--wire", wire, NULL };
	static const uint8_t our_mac[6] = { 0x02, 0, 0, 0xee, 0, 1 };
	uint8_t frame[64] = { 0 }, got[BUF], tap_mac[6];
	struct end e = { 0 };
	FILE *f;

	if (geteuid() != 0)
		skip();
	snprintf(ns, sizeof(ns), "enadwt%d", getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	assert_int_equal(sh(cmd), 0);
	snprintf(wire, sizeof(wire), "tap:wt0,netns=%s", ns);
	assert_int_equal(end_up(&e, args), 0);
	/* The far end of the cable is the kernel in our namespace. */
	snprintf(cmd, sizeof(cmd),
		 "ip -n %1$s addr add 10.77.0.2/24 dev wt0 && ip -n %1$s link set wt0 up", ns);
	assert_int_equal(sh(cmd), 0);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/wt0/address", ns);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(mac_text, sizeof(mac_text), f));
	pclose(f);
	assert_int_equal(sscanf(mac_text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &tap_mac[0], &tap_mac[1],
				&tap_mac[2], &tap_mac[3], &tap_mac[4], &tap_mac[5]), 6);

	/* Who has 10.77.0.2? Tell 10.77.0.1 */
	memset(frame, 0xff, 6);
	memcpy(frame + 6, our_mac, 6);
	frame[12] = 0x08; frame[13] = 0x06;
	frame[14] = 0; frame[15] = 1; frame[16] = 0x08; frame[17] = 0; frame[18] = 6; frame[19] = 4;
	frame[20] = 0; frame[21] = 1;
	memcpy(frame + 22, our_mac, 6);
	frame[28] = 10; frame[29] = 77; frame[30] = 0; frame[31] = 1;
	frame[38] = 10; frame[39] = 77; frame[40] = 0; frame[41] = 2;
	send_frame(&e, frame, 60);
	assert_true(recv_frame(&e, got, is_arp_reply) >= 42);
	assert_memory_equal(got, our_mac, 6);          /* to us */
	assert_memory_equal(got + 22, tap_mac, 6);     /* sender: the namespace's interface */
	assert_int_equal(got[28], 10);
	assert_int_equal(got[31], 2);                  /* 10.77.0.2 is at tap_mac */
	end_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_tap),
	};

	return cmocka_run_group_tests_name("wires", tests, NULL, remove_ns);
}
