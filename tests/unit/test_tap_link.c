/* SPDX-License-Identifier: MIT */
/* TAP queues, offloads, carrier and persistence, link settings and events, in a private netns; software GSO. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "../../daemon/link.h"
#include "../../daemon/tap.h"

/* RFC 2863 operstates, from <linux/if.h> (which clashes with <net/if.h>) */
#define OPER_DOWN 2
#define OPER_UP 6

static bool netns_ok;
static char netns_why[128] = "not set up";

#define REQUIRE_NETNS() \
	do { \
		if (!netns_ok) { \
			print_message("skipped: %s\n", netns_why); \
			skip(); \
		} \
	} while (0)

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t tap_mac[6] = { 0x02, 0xe0, 0xa0, 0x00, 0x00, 0x01 };

/* Every TAP lives in a namespace of our own that vanishes with the process. */
static int netns_setup(void **state)
{
	if (geteuid() != 0) {
		snprintf(netns_why, sizeof(netns_why), "needs root for a network namespace");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(netns_why, sizeof(netns_why), "unshare(CLONE_NEWNET): %s", strerror(errno));
		return 0;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		snprintf(netns_why, sizeof(netns_why), "no /dev/net/tun");
		return 0;
	}
	netns_ok = true;
	return 0;
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("'%s' exited with %d", cmd, rc);
}

/* Whether the output of `ip -d link show dev IFNAME` contains @needle. */
static bool ip_link_shows(const char *ifname, const char *needle)
{
	char cmd[128], out[8192];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -d link show dev %s", ifname);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return strstr(out, needle) != NULL;
}

static bool has_ipv4(const char *ifname, const char *addr)
{
	struct ifaddrs *ifa, *i;
	char buf[INET_ADDRSTRLEN];
	bool found = false;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, ifname))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
		if (strcmp(buf, addr) == 0)
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

/* An ethtool feature by its name ("tx-tcp-segmentation"): 1 active, 0 not, -1 unknown. */
static int ethtool_feature(const char *ifname, const char *name)
{
	struct { struct ethtool_sset_info hdr; uint32_t len; } sset = {
		.hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_FEATURES },
	};
	struct ethtool_gstrings *strings = NULL;
	struct ethtool_gfeatures *feat = NULL;
	struct ifreq ifr = { 0 };
	int fd, idx = -1, ret = -1;
	uint32_t n, blocks;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		goto out;
	n = sset.len;
	strings = calloc(1, sizeof(*strings) + (size_t)n * ETH_GSTRING_LEN);
	strings->cmd = ETHTOOL_GSTRINGS;
	strings->string_set = ETH_SS_FEATURES;
	strings->len = n;
	ifr.ifr_data = (void *)strings;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		if (strncmp((char *)strings->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN) == 0)
			idx = (int)i;
	if (idx < 0)
		goto out;
	blocks = (n + 31) / 32;
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	ifr.ifr_data = (void *)feat;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		goto out;
	ret = !!(feat->features[idx / 32].active & (1u << (idx % 32)));
out:
	free(strings);
	free(feat);
	close(fd);
	return ret;
}

/* ---- independent checksum: byte at a time, big-endian words ---- */

static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the TCP/UDP pseudo header for the IP header at @ip. */
static uint32_t ref_pseudo(const uint8_t *ip, bool v6, uint8_t proto, size_t l4len)
{
	uint8_t ph[40] = { 0 };
	size_t n;

	if (v6) {
		memcpy(ph, ip + 8, 32);
		ph[34] = (uint8_t)(l4len >> 8);
		ph[35] = (uint8_t)l4len;
		ph[39] = proto;
		n = 40;
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		n = 12;
	}
	return ref_sum(0, ph, n);
}

/* True if the L4 checksum of @l4 (with the pseudo header of @ip) verifies. */
static bool ref_l4_ok(const uint8_t *ip, bool v6, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	return ref_fold(ref_sum(ref_pseudo(ip, v6, proto, l4len), l4, l4len)) == 0xffff;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- frames through the TAP ---- */

typedef bool (*frame_match_fn)(const uint8_t *frame, size_t len, void *arg);

/*
 * Read frames from every queue of @tap until one (after the vnet header)
 * matches, for up to @timeout_ms. Returns its length including the header, 0 if none.
 */
static size_t tap_read_match(struct tap *tap, uint8_t *buf, size_t size, frame_match_fn match,
			     void *arg, int timeout_ms)
{
	struct pollfd pfd[TAP_MAX_QUEUES];
	unsigned int nq = tap_num_queues(tap);
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int elapsed;

		for (unsigned int q = 0; q < nq; q++)
			pfd[q] = (struct pollfd) { .fd = tap_queue_fd(tap, q), .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (elapsed >= timeout_ms)
			return 0;
		if (poll(pfd, nq, timeout_ms - elapsed) <= 0)
			continue;
		for (unsigned int q = 0; q < nq; q++) {
			ssize_t n;

			if (!(pfd[q].revents & POLLIN))
				continue;
			while ((n = read(pfd[q].fd, buf, size)) > 0)
				if ((size_t)n > TAP_VNET_HDR_LEN &&
				    match(buf + TAP_VNET_HDR_LEN, (size_t)n - TAP_VNET_HDR_LEN, arg))
					return (size_t)n;
		}
	}
}

/* Bring @ifname up with 10.99.0.1/24, a known MAC and a permanent neighbour 10.99.0.2. */
static void iface_prepare(struct link_sock *ls, struct tap *tap)
{
	assert_int_equal(link_set_mac(ls, tap_ifindex(tap), tap_mac), 0);
	assert_int_equal(link_set_up(ls, tap_ifindex(tap), true), 0);
	run("ip addr add 10.99.0.1/24 dev %s", tap_ifname(tap));
	run("ip neigh replace 10.99.0.2 lladdr 02:00:00:00:00:02 nud permanent dev %s",
	    tap_ifname(tap));
}

static void assert_fd_flags(int fd)
{
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

/* ---- tests: TAP ---- */

static void test_tap_create(void **state)
{
	unsigned int offl = tap_offload_flags(true, true, true, false);
	struct link_sock *ls;
	struct link_info info;
	struct ifreq ifr;
	struct tap *tap;
	int sz = 0;

	REQUIRE_NETNS();
	assert_int_equal(offl, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	assert_int_equal(tap_offload_flags(false, true, true, true), 0);
	assert_int_equal(tap_offload_flags(true, false, false, true), TUN_F_CSUM);

	assert_int_equal(tap_open("enat0", 4, offl, &tap), 0);
	assert_string_equal(tap_ifname(tap), "enat0");
	assert_false(tap_reopened(tap));
	assert_int_equal(tap_num_queues(tap), 4);
	assert_int_equal(tap_get_offload(tap), offl);
	for (unsigned int q = 0; q < 4; q++) {
		int fd = tap_queue_fd(tap, q);

		assert_true(fd >= 0);
		assert_fd_flags(fd);
		assert_true(tap_queue_attached(tap, q));
		memset(&ifr, 0, sizeof(ifr));
		assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, "enat0");
		assert_int_equal(ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE),
				 IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE);
	}
	assert_int_equal(tap_queue_fd(tap, 4), -EINVAL);
	assert_false(tap_queue_attached(tap, 4));
	assert_int_equal(ioctl(tap_queue_fd(tap, 0), TUNGETVNETHDRSZ, &sz), 0);
	assert_int_equal(sz, TAP_VNET_HDR_LEN);

	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(link_get_info(ls, 0, "enat0", &info), 0);
	assert_int_equal(info.ifindex, tap_ifindex(tap));
	assert_string_equal(info.ifname, "enat0");
	assert_true(ip_link_shows("enat0", "tun type tap pi off vnet_hdr on multi_queue"));
	assert_true(ip_link_shows("enat0", "numqueues 4 "));

	/* offloads as the kernel shows them to ethtool */
	assert_int_equal(ethtool_feature("enat0", "tx-checksum-ip-generic"), 1);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp-segmentation"), 1);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp6-segmentation"), 1);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp-ecn-segmentation"), 0);
	assert_int_equal(tap_set_offload(tap, 0), 0);
	assert_int_equal(ethtool_feature("enat0", "tx-checksum-ip-generic"), 0);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp-segmentation"), 0);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp6-segmentation"), 0);
	assert_int_equal(tap_set_offload(tap, tap_offload_flags(true, true, true, true)), 0);
	assert_int_equal(ethtool_feature("enat0", "tx-tcp-ecn-segmentation"), 1);

	/* closing a non-persistent TAP removes it */
	tap_close(tap);
	assert_int_equal(link_get_info(ls, 0, "enat0", &info), -ENODEV);
	link_sock_close(ls);
	tap_close(NULL);
}

static void test_tap_open_errors(void **state)
{
	struct tap *tap = (struct tap *)0x1;

	REQUIRE_NETNS();
	assert_int_equal(tap_open("", 1, 0, &tap), -EINVAL);
	assert_int_equal(tap_open("a/b", 1, 0, &tap), -EINVAL);
	assert_int_equal(tap_open("a b", 1, 0, &tap), -EINVAL);
	assert_int_equal(tap_open("0123456789abcdef", 1, 0, &tap), -EINVAL);
	assert_int_equal(tap_open("enae0", 0, 0, &tap), -EINVAL);
	assert_int_equal(tap_open("enae0", TAP_MAX_QUEUES + 1, 0, &tap), -EINVAL);
	/* a name taken by something that is not a TAP */
	assert_true(tap_open("lo", 1, 0, &tap) < 0);
	assert_ptr_equal(tap, (struct tap *)0x1);	/* untouched on failure */
	assert_int_equal(if_nametoindex("enae0"), 0);

	/* NULL means ena0; a pattern lets the kernel pick */
	assert_int_equal(tap_open(NULL, 1, 0, &tap), 0);
	assert_string_equal(tap_ifname(tap), "ena0");
	tap_close(tap);
	assert_int_equal(tap_open("enax%d", 1, 0, &tap), 0);
	assert_string_equal(tap_ifname(tap), "enax0");
	tap_close(tap);
}

static void test_tap_queues(void **state)
{
	struct link_sock *ls;
	struct link_info info;
	struct tap *tap;
	int ifindex;
	char buf[64];

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enaq0", 4, 0, &tap), 0);
	ifindex = tap_ifindex(tap);
	iface_prepare(ls, tap);
	assert_true(has_ipv4("enaq0", "10.99.0.1"));

	/* detach two: the interface and its address stay */
	assert_int_equal(tap_detach_queue(tap, 2), 0);
	assert_int_equal(tap_detach_queue(tap, 3), 0);
	assert_int_equal(tap_detach_queue(tap, 3), 0);	/* again: no-op */
	assert_false(tap_queue_attached(tap, 2));
	assert_false(tap_queue_attached(tap, 3));
	assert_true(ip_link_shows("enaq0", "numqueues 2 numdisabled 2"));
	/* a detached queue gets nothing */
	assert_int_equal(read(tap_queue_fd(tap, 2), buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_true(info.flags & IFF_UP);
	assert_true(has_ipv4("enaq0", "10.99.0.1"));

	/* re-attach */
	assert_int_equal(tap_attach_queue(tap, 2), 0);
	assert_int_equal(tap_attach_queue(tap, 3), 0);
	assert_true(ip_link_shows("enaq0", "numqueues 4 numdisabled 0"));
	assert_true(has_ipv4("enaq0", "10.99.0.1"));
	assert_int_equal(tap_detach_queue(tap, 4), -EINVAL);
	assert_int_equal(tap_attach_queue(tap, 99), -EINVAL);

	/* fewer and more queues, same interface */
	assert_int_equal(tap_set_num_queues(tap, 1), 0);
	assert_int_equal(tap_num_queues(tap), 1);
	assert_true(ip_link_shows("enaq0", "numqueues 1 "));
	assert_true(has_ipv4("enaq0", "10.99.0.1"));
	assert_int_equal(tap_set_num_queues(tap, 6), 0);
	assert_int_equal(tap_num_queues(tap), 6);
	assert_true(ip_link_shows("enaq0", "numqueues 6 "));
	for (unsigned int q = 0; q < 6; q++)
		assert_fd_flags(tap_queue_fd(tap, q));
	assert_int_equal(tap_set_num_queues(tap, 0), -EINVAL);
	assert_int_equal(tap_set_num_queues(tap, TAP_MAX_QUEUES + 1), -EINVAL);
	assert_int_equal(tap_num_queues(tap), 6);
	assert_int_equal(link_get_info(ls, 0, "enaq0", &info), 0);
	assert_int_equal(info.ifindex, ifindex);
	assert_true(has_ipv4("enaq0", "10.99.0.1"));

	tap_close(tap);
	link_sock_close(ls);
}

static void test_link_settings(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct link_info info, untouched;
	struct link_sock *ls;
	struct tap *tap;
	int ifindex;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enal0", 2, 0, &tap), 0);
	ifindex = tap_ifindex(tap);

	assert_int_equal(link_set_mtu(ls, ifindex, 9001), 0);
	assert_int_equal(link_set_mac(ls, ifindex, mac), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_int_equal(info.mtu, 9001);
	assert_true(info.has_mac);
	assert_memory_equal(info.mac, mac, 6);
	assert_false(info.flags & IFF_UP);

	assert_int_equal(link_set_up(ls, ifindex, true), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_true(info.flags & IFF_UP);
	/* a TAP takes a new MAC while up */
	assert_int_equal(link_set_mac(ls, ifindex, tap_mac), 0);
	assert_int_equal(link_set_mtu(ls, ifindex, 1500), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_memory_equal(info.mac, tap_mac, 6);
	assert_int_equal(info.mtu, 1500);
	assert_int_equal(link_set_up(ls, ifindex, false), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_false(info.flags & IFF_UP);

	/* errors: negative errno, a sentence, out-parameter untouched */
	assert_true(link_set_mtu(ls, ifindex, 70000) < 0);
	assert_non_null(strstr(link_error_last(), "set mtu 70000"));
	assert_true(link_set_mtu(ls, ifindex, 20) < 0);
	assert_int_equal(link_set_mtu(ls, 0, 1500), -EINVAL);
	memset(&untouched, 0xa5, sizeof(untouched));
	info = untouched;
	assert_int_equal(link_get_info(ls, 0, "nosuchif0", &info), -ENODEV);
	assert_memory_equal(&info, &untouched, sizeof(info));
	assert_non_null(strstr(link_error_last(), "nosuchif0"));
	assert_int_equal(link_get_info(ls, 0, NULL, &info), -EINVAL);
	assert_int_equal(link_set_up(ls, 999999, true), -ENODEV);

	tap_close(tap);
	link_sock_close(ls);
	link_sock_close(NULL);
}

static bool wait_operstate(struct link_sock *ls, int ifindex, uint8_t want)
{
	struct link_info info;

	for (int i = 0; i < 60; i++) {
		if (link_get_info(ls, ifindex, NULL, &info) == 0 && info.operstate == want)
			return true;
		usleep(50000);
	}
	return false;
}

static void test_tap_carrier(void **state)
{
	struct link_sock *ls;
	struct link_info info;
	struct tap *tap;
	int ifindex;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enac0", 2, 0, &tap), 0);
	ifindex = tap_ifindex(tap);
	assert_int_equal(link_set_up(ls, ifindex, true), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_true(info.flags & IFF_LOWER_UP);	/* operstate is "unknown" until a carrier event */

	assert_int_equal(tap_set_carrier(tap, false), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_false(info.flags & IFF_LOWER_UP);
	assert_true(wait_operstate(ls, ifindex, OPER_DOWN));

	assert_int_equal(tap_set_carrier(tap, true), 0);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_true(info.flags & IFF_LOWER_UP);
	assert_true(wait_operstate(ls, ifindex, OPER_UP));

	tap_close(tap);
	link_sock_close(ls);
}

static void test_tap_persist(void **state)
{
	struct link_sock *ls;
	struct link_info info;
	struct tap *tap;
	int ifindex;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enap0", 2, 0, &tap), 0);
	ifindex = tap_ifindex(tap);
	assert_int_equal(tap_set_persist(tap, true), 0);
	assert_int_equal(link_set_mtu(ls, ifindex, 4000), 0);
	run("ip addr add 10.99.1.1/24 dev enap0");
	tap_close(tap);

	/* the daemon went away: the interface, its MTU and address stay */
	assert_int_equal(link_get_info(ls, 0, "enap0", &info), 0);
	assert_int_equal(info.ifindex, ifindex);
	assert_int_equal(info.mtu, 4000);
	assert_true(has_ipv4("enap0", "10.99.1.1"));
	assert_true(ip_link_shows("enap0", "persist on"));

	/* and comes back */
	assert_int_equal(tap_open("enap0", 3, TUN_F_CSUM, &tap), 0);
	assert_true(tap_reopened(tap));
	assert_int_equal(tap_ifindex(tap), ifindex);
	assert_true(ip_link_shows("enap0", "numqueues 3 "));
	assert_int_equal(ethtool_feature("enap0", "tx-checksum-ip-generic"), 1);
	assert_true(has_ipv4("enap0", "10.99.1.1"));

	/* not persistent any more: gone with the last fd */
	assert_int_equal(tap_set_persist(tap, false), 0);
	tap_close(tap);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), -ENODEV);
	link_sock_close(ls);
}

/* ---- real bytes through the TAP ---- */

struct udp_match {
	uint16_t dport;
};

static bool match_udp(const uint8_t *f, size_t len, void *arg)
{
	const struct udp_match *m = arg;

	return len >= 42 && be16(f + 12) == 0x0800 && f[23] == 17 && be16(f + 36) == m->dport;
}

static void check_udp_frame(const uint8_t *buf, size_t n, const char *payload, uint16_t dport,
			    bool expect_partial)
{
	uint8_t frame[2048];
	struct tap_vnet vh;
	size_t len = n - TAP_VNET_HDR_LEN, plen = strlen(payload);
	const uint8_t *ip = frame + 14, *udp = frame + 34;

	assert_true(len <= sizeof(frame));
	memcpy(frame, buf + TAP_VNET_HDR_LEN, len);
	assert_int_equal(tap_vnet_parse(buf, n, &vh), 0);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(vh.needs_csum, expect_partial);
	if (expect_partial) {
		assert_int_equal(vh.csum_start, 34);
		assert_int_equal(vh.csum_offset, 6);
		assert_false(ref_l4_ok(ip, false, 17, udp, len - 34));
		assert_int_equal(tap_csum_complete(&vh, frame, len), 0);
	}
	assert_memory_equal(frame, peer_mac, 6);
	assert_memory_equal(frame + 6, tap_mac, 6);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(be16(ip + 2), 20 + 8 + plen);
	assert_int_equal(ref_fold(ref_sum(0, ip, 20)), 0xffff);
	assert_int_equal(be32(ip + 12), 0x0a630001);
	assert_int_equal(be32(ip + 16), 0x0a630002);
	assert_int_equal(be16(udp + 2), dport);
	assert_int_equal(be16(udp + 4), 8 + plen);
	assert_memory_equal(udp + 8, payload, plen);
	assert_true(ref_l4_ok(ip, false, 17, udp, 8 + plen));
}

/* The kernel sends through the TAP: a UDP datagram to a neighbour comes out as its frame. */
static void test_tap_kernel_sends(void **state)
{
	static uint8_t buf[70000];
	const char *payload = "enad: bytes from the kernel, odd length";
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct udp_match m = { .dport = 7777 };
	struct link_sock *ls;
	struct tap *tap;
	size_t n;
	int s;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enau0", 4, tap_offload_flags(true, true, true, false), &tap), 0);
	iface_prepare(ls, tap);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET, "10.99.0.1", &src.sin_addr);
	inet_pton(AF_INET, "10.99.0.2", &dst.sin_addr);
	dst.sin_port = htons(m.dport);
	assert_int_equal(bind(s, (struct sockaddr *)&src, sizeof(src)), 0);

	/* with checksum offload the kernel leaves the UDP checksum to us */
	assert_int_equal(sendto(s, payload, strlen(payload), 0, (struct sockaddr *)&dst, sizeof(dst)),
			 (ssize_t)strlen(payload));
	n = tap_read_match(tap, buf, sizeof(buf), match_udp, &m, 3000);
	assert_true(n > 0);
	check_udp_frame(buf, n, payload, m.dport, true);

	/* without it, the frame comes finished */
	assert_int_equal(tap_set_offload(tap, 0), 0);
	m.dport = 7778;
	dst.sin_port = htons(m.dport);
	assert_int_equal(sendto(s, payload, strlen(payload), 0, (struct sockaddr *)&dst, sizeof(dst)),
			 (ssize_t)strlen(payload));
	n = tap_read_match(tap, buf, sizeof(buf), match_udp, &m, 3000);
	assert_true(n > 0);
	check_udp_frame(buf, n, payload, m.dport, false);

	close(s);
	tap_close(tap);
	link_sock_close(ls);
}

static bool match_echo_reply(const uint8_t *f, size_t len, void *arg)
{
	const uint16_t *id = arg;

	return len >= 42 && be16(f + 12) == 0x0800 && f[23] == 1 && f[34] == 0 &&
	       be16(f + 38) == *id;
}

/* We write a frame into a TAP queue: the kernel takes it and answers the ping. */
static void test_tap_kernel_receives(void **state)
{
	static uint8_t buf[70000];
	uint8_t out[TAP_VNET_HDR_LEN + 14 + 20 + 8 + 32];
	uint8_t *f = out + TAP_VNET_HDR_LEN, *ip = f + 14, *icmp = ip + 20;
	uint16_t id = 0x4e4d;
	struct link_sock *ls;
	struct tap *tap;
	size_t n;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enar0", 2, 0, &tap), 0);
	iface_prepare(ls, tap);

	memset(out, 0, sizeof(out));
	tap_vnet_build_rx(out, true);
	assert_int_equal(out[0], VIRTIO_NET_HDR_F_DATA_VALID);
	memcpy(f, tap_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 32);
	put16(ip + 4, 0x1111);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 1;
	put32(ip + 12, 0x0a630002);
	put32(ip + 16, 0x0a630001);
	put16(ip + 10, (uint16_t)~ref_fold(ref_sum(0, ip, 20)));
	icmp[0] = 8;
	put16(icmp + 4, id);
	put16(icmp + 6, 1);
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)(0xa0 + i);
	put16(icmp + 2, (uint16_t)~ref_fold(ref_sum(0, icmp, 40)));

	/* queue 1, to show any queue feeds the same interface */
	assert_int_equal(write(tap_queue_fd(tap, 1), out, sizeof(out)), (ssize_t)sizeof(out));
	n = tap_read_match(tap, buf, sizeof(buf), match_echo_reply, &id, 3000);
	assert_true(n > 0);
	f = buf + TAP_VNET_HDR_LEN;
	ip = f + 14;
	icmp = ip + 20;
	assert_memory_equal(f, peer_mac, 6);
	assert_memory_equal(f + 6, tap_mac, 6);
	assert_int_equal(be32(ip + 12), 0x0a630001);
	assert_int_equal(be32(ip + 16), 0x0a630002);
	assert_int_equal(ref_fold(ref_sum(0, ip, 20)), 0xffff);
	assert_int_equal(be16(icmp + 6), 1);
	for (int i = 0; i < 32; i++)
		assert_int_equal(icmp[8 + i], 0xa0 + i);
	assert_int_equal(ref_fold(ref_sum(0, icmp, 40)), 0xffff);

	tap_close(tap);
	link_sock_close(ls);
}

struct tcp_match {
	uint16_t cport;		/* 0: any, learnt from the SYN */
	bool syn;		/* want the SYN, else a segment with data */
};

static bool match_tcp(const uint8_t *f, size_t len, void *arg)
{
	struct tcp_match *m = arg;
	const uint8_t *th = f + 34;

	if (len < 54 || be16(f + 12) != 0x0800 || f[14] != 0x45 || f[23] != 6 ||
	    be16(th + 2) != 5201 || (m->cport && be16(th) != m->cport))
		return false;
	if (m->syn)
		return th[13] & 0x02;
	return len > 34 + (size_t)(th[12] >> 4) * 4;
}

/*
 * A real TCP connection from the kernel to a peer we play through the TAP:
 * with TSO offered, the kernel's first flight crosses the TAP as one GSO
 * frame, and the software segmenter cuts it into valid MSS-sized frames.
 */
static void test_tap_kernel_tso(void **state)
{
	static uint8_t buf[70000], data[65536], out[64][2048];
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	uint8_t synack[TAP_VNET_HDR_LEN + 14 + 20 + 28];
	uint8_t *f = synack + TAP_VNET_HDR_LEN, *ip = f + 14, *th = ip + 20;
	struct tcp_match m = { .syn = true };
	struct iovec segs[64];
	struct link_sock *ls;
	struct tap_vnet vh;
	struct tap *tap;
	uint32_t isn, seq;
	size_t n, hdr, payload, done = 0;
	int s, nseg;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enas0", 1, tap_offload_flags(true, true, true, false), &tap), 0);
	iface_prepare(ls, tap);

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET, "10.99.0.1", &src.sin_addr);
	inet_pton(AF_INET, "10.99.0.2", &dst.sin_addr);
	dst.sin_port = htons(5201);
	assert_int_equal(bind(s, (struct sockaddr *)&src, sizeof(src)), 0);
	assert_int_equal(connect(s, (struct sockaddr *)&dst, sizeof(dst)), -1);
	assert_int_equal(errno, EINPROGRESS);

	/* SYN out, SYN-ACK in (MSS 1460, window scaling, no timestamps) */
	n = tap_read_match(tap, buf, sizeof(buf), match_tcp, &m, 3000);
	assert_true(n > 0);
	m.cport = be16(buf + TAP_VNET_HDR_LEN + 34);
	isn = be32(buf + TAP_VNET_HDR_LEN + 38);
	memset(synack, 0, sizeof(synack));
	tap_vnet_build_rx(synack, false);
	memcpy(f, tap_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 28);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, 0x0a630002);
	put32(ip + 16, 0x0a630001);
	put16(ip + 10, (uint16_t)~ref_fold(ref_sum(0, ip, 20)));
	put16(th, 5201);
	put16(th + 2, m.cport);
	put32(th + 4, 7000);
	put32(th + 8, isn + 1);
	th[12] = 7 << 4;
	th[13] = 0x12;
	put16(th + 14, 65535);
	memcpy(th + 20, (const uint8_t[]) { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 }, 8);
	put16(th + 16, (uint16_t)~ref_fold(ref_sum(ref_pseudo(ip, false, 6, 28), th, 28)));
	assert_int_equal(write(tap_queue_fd(tap, 0), synack, sizeof(synack)), (ssize_t)sizeof(synack));

	/* 64 KB from the application; the first flight arrives as one GSO frame */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	struct pollfd pfd = { .fd = s, .events = POLLOUT };
	assert_int_equal(poll(&pfd, 1, 3000), 1);
	assert_true(send(s, data, sizeof(data), 0) > 0);
	m.syn = false;
	n = tap_read_match(tap, buf, sizeof(buf), match_tcp, &m, 3000);
	assert_true(n > 0);
	assert_int_equal(tap_vnet_parse(buf, n, &vh), 0);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1460);
	assert_true(vh.needs_csum);
	assert_int_equal(vh.csum_start, 34);
	assert_int_equal(vh.csum_offset, 16);
	n -= TAP_VNET_HDR_LEN;
	hdr = 34 + (size_t)(buf[TAP_VNET_HDR_LEN + 34 + 12] >> 4) * 4;
	payload = n - hdr;
	assert_true(payload > 2 * 1460);	/* crossed the TAP whole */
	seq = be32(buf + TAP_VNET_HDR_LEN + 38);
	assert_int_equal(seq, isn + 1);

	for (int i = 0; i < 64; i++)
		segs[i] = (struct iovec) { out[i], sizeof(out[i]) };
	nseg = tap_gso_segment(&vh, buf + TAP_VNET_HDR_LEN, n, segs, 64);
	assert_int_equal(nseg, (int)((payload + 1459) / 1460));
	for (int i = 0; i < nseg; i++) {
		const uint8_t *sg = segs[i].iov_base, *sip = sg + 14, *sth = sg + 34;
		size_t chunk = segs[i].iov_len - hdr;

		assert_true(chunk <= 1460 && chunk > 0);
		assert_int_equal(be16(sip + 2), segs[i].iov_len - 14);
		assert_int_equal(ref_fold(ref_sum(0, sip, 20)), 0xffff);
		assert_int_equal(be32(sth + 4), seq + done);
		assert_true(ref_l4_ok(sip, false, 6, sth, segs[i].iov_len - 34));
		assert_memory_equal(sg + hdr, data + done, chunk);
		done += chunk;
	}
	assert_int_equal(done, payload);
	print_message("kernel GSO frame: %zu payload bytes, cut into %d segments\n", payload, nseg);

	close(s);
	tap_close(tap);
	link_sock_close(ls);
}

/* ---- link events ---- */

struct watch_log {
	unsigned int seen;		/* union of change bits */
	unsigned int events;
	struct link_event last;
	struct link_sock *revert;	/* refuse MTU changes above 9000 */
};

static void watch_cb(const struct link_event *ev, void *userdata)
{
	struct watch_log *wl = userdata;

	wl->seen |= ev->changes;
	wl->events++;
	wl->last = *ev;
	if (wl->revert && (ev->changes & LINK_CHANGE_MTU) && ev->cur.mtu > 9000)
		assert_int_equal(link_set_mtu(wl->revert, ev->cur.ifindex, ev->old.mtu), 0);
}

/*
 * Dispatch until every bit of @want was seen, up to 3 s; then forget what
 * was seen (an up event also brings IFF_LOWER_UP), so the next wait needs a new event.
 */
static bool watch_wait(struct link_watch *w, struct watch_log *wl, unsigned int want)
{
	for (int i = 0; i < 60 && (wl->seen & want) != want; i++) {
		struct pollfd pfd = { .fd = link_watch_fd(w), .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			assert_int_equal(link_watch_dispatch(w), 0);
	}
	if ((wl->seen & want) != want)
		return false;
	wl->seen = 0;
	return true;
}

static void test_link_watch(void **state)
{
	struct watch_log wl = { 0 };
	struct link_watch *w = NULL;
	struct link_sock *ls;
	struct link_info info;
	struct tap *tap;
	int ifindex;

	REQUIRE_NETNS();
	assert_int_equal(link_sock_open(&ls), 0);
	assert_int_equal(tap_open("enaw0", 2, 0, &tap), 0);
	ifindex = tap_ifindex(tap);
	assert_int_equal(link_watch_open(999999, watch_cb, &wl, &w), -ENODEV);
	assert_null(w);
	assert_int_equal(link_watch_open(ifindex, watch_cb, &wl, &w), 0);
	assert_fd_flags(link_watch_fd(w));
	assert_int_equal(link_watch_dispatch(w), 0);	/* nothing pending: returns at once */
	assert_int_equal(wl.events, 0);

	/* an administrator's `ip link set mtu` */
	run("ip link set dev enaw0 mtu 1400");
	assert_true(watch_wait(w, &wl, LINK_CHANGE_MTU));
	assert_int_equal(wl.last.old.mtu, 1500);
	assert_int_equal(wl.last.cur.mtu, 1400);
	assert_int_equal(wl.last.cur.ifindex, ifindex);

	/* a change through netlink directly */
	assert_int_equal(link_set_mtu(ls, ifindex, 1300), 0);
	assert_true(watch_wait(w, &wl, LINK_CHANGE_MTU));
	assert_int_equal(wl.last.old.mtu, 1400);
	assert_int_equal(wl.last.cur.mtu, 1300);

	/* refuse and revert: the callback puts the old MTU back */
	wl.revert = ls;
	wl.events = 0;
	run("ip link set dev enaw0 mtu 9100");
	for (int i = 0; i < 60 && wl.events < 2; i++)
		watch_wait(w, &wl, LINK_CHANGE_MTU);
	assert_int_equal(wl.events, 2);		/* the change, and our own revert */
	assert_int_equal(wl.last.old.mtu, 9100);
	assert_int_equal(wl.last.cur.mtu, 1300);
	assert_int_equal(link_get_info(ls, ifindex, NULL, &info), 0);
	assert_int_equal(info.mtu, 1300);
	wl.revert = NULL;

	/* admin state and carrier */
	run("ip link set dev enaw0 up");
	assert_true(watch_wait(w, &wl, LINK_CHANGE_ADMIN));
	assert_true(wl.last.cur.flags & IFF_UP);
	assert_int_equal(tap_set_carrier(tap, false), 0);
	assert_true(watch_wait(w, &wl, LINK_CHANGE_CARRIER));
	assert_false(wl.last.cur.flags & IFF_LOWER_UP);
	assert_int_equal(tap_set_carrier(tap, true), 0);
	assert_true(watch_wait(w, &wl, LINK_CHANGE_CARRIER));
	run("ip link set dev enaw0 down");
	assert_true(watch_wait(w, &wl, LINK_CHANGE_ADMIN));
	assert_false(wl.last.cur.flags & IFF_UP);

	/* rename; new queues then attach by the new name */
	run("ip link set dev enaw0 name enaw1");
	assert_true(watch_wait(w, &wl, LINK_CHANGE_NAME));
	assert_string_equal(wl.last.old.ifname, "enaw0");
	assert_string_equal(wl.last.cur.ifname, "enaw1");
	assert_int_equal(tap_set_num_queues(tap, 4), 0);
	assert_string_equal(tap_ifname(tap), "enaw1");
	assert_true(ip_link_shows("enaw1", "numqueues 4 "));
	assert_int_equal(if_nametoindex("enaw0"), 0);

	/* removal */
	tap_close(tap);
	assert_true(watch_wait(w, &wl, LINK_CHANGE_REMOVED));
	assert_int_equal(wl.last.cur.ifindex, ifindex);
	wl.events = 0;
	assert_int_equal(link_watch_dispatch(w), 0);
	assert_int_equal(wl.events, 0);

	link_watch_close(w);
	link_watch_close(NULL);
	link_sock_close(ls);
}

/* ---- virtio-net header ---- */

static void test_vnet_header(void **state)
{
	struct tap_vnet vh = {
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV6, .gso_ecn = true, .needs_csum = true,
		.hdr_len = 0x1234, .gso_size = 1440, .csum_start = 54, .csum_offset = 16,
	};
	struct tap_vnet got, untouched;
	uint8_t buf[TAP_VNET_HDR_LEN + 100] = { 0 };
	static const uint8_t want[TAP_VNET_HDR_LEN] = {
		VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN,
		0x34, 0x12, 0xa0, 0x05, 54, 0, 16, 0,
	};

	tap_vnet_build(buf, &vh);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tap_vnet_parse(buf, sizeof(buf), &got), 0);
	assert_memory_equal(&got, &vh, sizeof(vh));

	tap_vnet_build_rx(buf, true);
	assert_int_equal(tap_vnet_parse(buf, sizeof(buf), &got), 0);
	assert_true(got.data_valid);
	assert_false(got.needs_csum);
	assert_int_equal(got.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	tap_vnet_build_rx(buf, false);
	for (int i = 0; i < TAP_VNET_HDR_LEN; i++)
		assert_int_equal(buf[i], 0);

	/* malformed headers: errors, out-parameter untouched */
	memset(&untouched, 0x5a, sizeof(untouched));
	got = untouched;
	assert_int_equal(tap_vnet_parse(buf, TAP_VNET_HDR_LEN - 1, &got), -EINVAL);
	vh.gso_size = 0;
	tap_vnet_build(buf, &vh);
	assert_int_equal(tap_vnet_parse(buf, sizeof(buf), &got), -EINVAL);
	vh.gso_size = 1440;
	vh.csum_start = 90;	/* 90 + 16 + 2 > 100 */
	tap_vnet_build(buf, &vh);
	assert_int_equal(tap_vnet_parse(buf, sizeof(buf), &got), -EINVAL);
	vh.csum_start = 54;
	vh.gso_type = 0x42;
	tap_vnet_build(buf, &vh);
	assert_int_equal(tap_vnet_parse(buf, sizeof(buf), &got), -EOPNOTSUPP);
	assert_memory_equal(&got, &untouched, sizeof(got));
}

/* ---- software GSO and checksum completion ---- */

#define GSO_PAYLOAD 64000
#define GSO_MSS 1448
#define GSO_SEQ 0xffffd000u	/* wraps within the frame */
#define GSO_IP_ID 0xfffe	/* wraps too */

/* A TCP frame carrying @payload bytes (IPv4 or IPv6, @vlan: one 802.1Q tag). */
static size_t build_tcp_frame(uint8_t *f, bool v6, bool vlan, size_t payload, uint8_t flags,
			      struct tap_vnet *vh)
{
	size_t l3 = vlan ? 18 : 14, l4, len;
	uint8_t *ip = f + l3, *th;

	memcpy(f, peer_mac, 6);
	memcpy(f + 6, tap_mac, 6);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, 42);
	}
	put16(f + l3 - 2, v6 ? 0x86dd : 0x0800);
	if (v6) {
		l4 = l3 + 40;
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		l4 = l3 + 20;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 4, GSO_IP_ID);
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, 0x0a630001);
		put32(ip + 16, 0x0a630002);
	}
	th = f + l4;
	memset(th, 0, 32);
	put16(th, 40000);
	put16(th + 2, 5201);
	put32(th + 4, GSO_SEQ);
	put32(th + 8, 0x01020304);
	th[12] = 8 << 4;	/* 32 bytes: timestamps */
	th[13] = flags;
	put16(th + 14, 512);
	th[20] = 1;
	th[21] = 1;
	th[22] = 8;
	th[23] = 10;
	put32(th + 24, 0x11223344);
	put32(th + 28, 0x55667788);
	for (size_t i = 0; i < payload; i++)
		th[32 + i] = (uint8_t)(i * 7 + 3);
	len = l4 + 32 + payload;
	if (v6)
		put16(ip + 4, (uint16_t)(len - l3 - 40));
	else
		put16(ip + 2, (uint16_t)(len - l3 > 0xffff ? 0 : len - l3));
	/* what the kernel leaves in the TCP checksum: the pseudo-header sum */
	put16(th + 16, ref_fold(ref_pseudo(ip, v6, 6, len - l4)));
	*vh = (struct tap_vnet) {
		.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		.needs_csum = true, .hdr_len = (uint16_t)(l4 + 32), .gso_size = GSO_MSS,
		.csum_start = (uint16_t)l4, .csum_offset = 16,
	};
	return len;
}

static void check_segments(const uint8_t *orig, bool v6, bool vlan, struct iovec *segs, int n,
			   size_t payload)
{
	uint8_t orig_flags = orig[(vlan ? 18 : 14) + (v6 ? 40 : 20) + 13];
	size_t l3 = vlan ? 18 : 14, l4 = l3 + (v6 ? 40 : 20), hdr = l4 + 32, done = 0;

	assert_int_equal(n, (int)((payload + GSO_MSS - 1) / GSO_MSS));
	for (int i = 0; i < n; i++) {
		const uint8_t *s = segs[i].iov_base, *ip = s + l3, *th = s + l4;
		size_t chunk = payload - done < GSO_MSS ? payload - done : GSO_MSS;
		uint8_t fl = th[13];

		assert_int_equal(segs[i].iov_len, hdr + chunk);
		assert_memory_equal(s, orig, l3);			/* Ethernet (+ VLAN) */
		if (v6) {
			assert_int_equal(be16(ip + 4), 32 + chunk);
			assert_memory_equal(ip + 6, orig + l3 + 6, 34);
		} else {
			assert_int_equal(be16(ip + 2), 20 + 32 + chunk);
			assert_int_equal(be16(ip + 4), (uint16_t)(GSO_IP_ID + i));
			assert_int_equal(ref_fold(ref_sum(0, ip, 20)), 0xffff);
		}
		assert_int_equal(be32(th + 4), (uint32_t)(GSO_SEQ + done));
		assert_memory_equal(th + 8, orig + l4 + 8, 5);		/* ack, data offset */
		assert_memory_equal(th + 14, orig + l4 + 14, 2);	/* window */
		assert_memory_equal(th + 20, orig + l4 + 20, 12);	/* options */
		assert_int_equal(fl & 0x76, orig_flags & 0x76);	/* ACK etc. everywhere */
		assert_int_equal(fl & 0x01, i == n - 1 ? orig_flags & 0x01 : 0);	/* FIN last */
		assert_int_equal(fl & 0x08, i == n - 1 ? orig_flags & 0x08 : 0);	/* PSH last */
		assert_int_equal(fl & 0x80, i == 0 ? orig_flags & 0x80 : 0);	/* CWR first */
		assert_memory_equal(th + 32, orig + hdr + done, chunk);
		assert_true(ref_l4_ok(ip, v6, 6, th, 32 + chunk));
		done += chunk;
	}
	assert_int_equal(done, payload);
}

static void gso_case(bool v6, bool vlan)
{
	static uint8_t frame[70000], out[64][2048];
	struct iovec segs[64];
	struct tap_vnet vh;
	size_t len;
	int n;

	len = build_tcp_frame(frame, v6, vlan, GSO_PAYLOAD, 0x10 | 0x08 | 0x01 | 0x80, &vh);
	for (int i = 0; i < 64; i++)
		segs[i] = (struct iovec) { out[i], sizeof(out[i]) };
	n = tap_gso_segment(&vh, frame, len, segs, 64);
	assert_true(n > 0);
	check_segments(frame, v6, vlan, segs, n, GSO_PAYLOAD);
}

static void test_gso_ipv4(void **state)
{
	gso_case(false, false);
	gso_case(false, true);
}

static void test_gso_ipv6(void **state)
{
	gso_case(true, false);
	gso_case(true, true);
}

static void test_gso_errors(void **state)
{
	static uint8_t frame[70000], out[64][2048];
	struct iovec segs[64];
	struct tap_vnet vh, bad;
	size_t len;

	len = build_tcp_frame(frame, false, false, GSO_PAYLOAD, 0x10, &vh);
	for (int i = 0; i < 64; i++)
		segs[i] = (struct iovec) { out[i], sizeof(out[i]) };
	/* too few buffers, a buffer too small: nothing written */
	assert_int_equal(tap_gso_segment(&vh, frame, len, segs, 44), -ENOBUFS);
	segs[44].iov_len = 100;
	assert_int_equal(tap_gso_segment(&vh, frame, len, segs, 64), -ENOBUFS);
	assert_int_equal(segs[0].iov_len, sizeof(out[0]));
	segs[44].iov_len = sizeof(out[44]);
	/* one that fits exactly: 45 segments */
	assert_int_equal(tap_gso_segment(&vh, frame, len, segs, 45), 45);

	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	assert_int_equal(tap_gso_segment(&bad, frame, len, segs, 64), -EINVAL);
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(tap_gso_segment(&bad, frame, len, segs, 64), -EOPNOTSUPP);
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;	/* on an IPv4 frame */
	assert_int_equal(tap_gso_segment(&bad, frame, len, segs, 64), -EINVAL);
	bad = vh;
	bad.gso_size = 0;
	assert_int_equal(tap_gso_segment(&bad, frame, len, segs, 64), -EINVAL);
	bad = vh;
	bad.csum_start = 30;
	assert_int_equal(tap_gso_segment(&bad, frame, len, segs, 64), -EINVAL);
	assert_int_equal(tap_gso_segment(&vh, frame, 14 + 20 + 10, segs, 64), -EINVAL);
	frame[23] = 17;	/* UDP in the IP header */
	assert_int_equal(tap_gso_segment(&vh, frame, len, segs, 64), -EINVAL);

	/* a short frame under one MSS is one segment */
	len = build_tcp_frame(frame, true, false, 100, 0x18, &vh);
	assert_int_equal(tap_gso_segment(&vh, frame, len, segs, 1), 1);
	check_segments(frame, true, false, segs, 1, 100);
}

static void test_csum_complete(void **state)
{
	static uint8_t frame[70000];
	uint8_t udp_frame[14 + 20 + 8 + 33], *ip = udp_frame + 14, *udp = ip + 20;
	struct tap_vnet vh;
	size_t len;

	/* TCP over IPv6 with an odd payload length, as the kernel leaves it */
	len = build_tcp_frame(frame, true, false, 1001, 0x18, &vh);
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	assert_false(ref_l4_ok(frame + 14, true, 6, frame + 54, len - 54));
	assert_int_equal(tap_csum_complete(&vh, frame, len), 0);
	assert_true(ref_l4_ok(frame + 14, true, 6, frame + 54, len - 54));

	/* UDP over IPv4 */
	memset(udp_frame, 0, sizeof(udp_frame));
	put16(udp_frame + 12, 0x0800);
	ip[0] = 0x45;
	ip[9] = 17;
	put32(ip + 12, 0xc0a80001);
	put32(ip + 16, 0xc0a800fe);
	put16(udp, 53);
	put16(udp + 2, 40000);
	put16(udp + 4, 8 + 33);
	for (int i = 0; i < 33; i++)
		udp[8 + i] = (uint8_t)(0xff - i);
	put16(udp + 6, ref_fold(ref_pseudo(ip, false, 17, 8 + 33)));
	vh = (struct tap_vnet) { .needs_csum = true, .csum_start = 34, .csum_offset = 6 };
	assert_int_equal(tap_csum_complete(&vh, udp_frame, sizeof(udp_frame)), 0);
	assert_true(ref_l4_ok(ip, false, 17, udp, 8 + 33));
	assert_true(be16(udp + 6) != 0);

	/* nothing to do, or offsets outside the frame */
	vh.needs_csum = false;
	assert_int_equal(tap_csum_complete(&vh, udp_frame, sizeof(udp_frame)), 0);
	vh = (struct tap_vnet) { .needs_csum = true, .csum_start = 70, .csum_offset = 6 };
	assert_int_equal(tap_csum_complete(&vh, udp_frame, sizeof(udp_frame)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest netns_tests[] = {
		cmocka_unit_test(test_tap_create),
		cmocka_unit_test(test_tap_open_errors),
		cmocka_unit_test(test_tap_queues),
		cmocka_unit_test(test_link_settings),
		cmocka_unit_test(test_tap_carrier),
		cmocka_unit_test(test_tap_persist),
		cmocka_unit_test(test_tap_kernel_sends),
		cmocka_unit_test(test_tap_kernel_receives),
		cmocka_unit_test(test_tap_kernel_tso),
		cmocka_unit_test(test_link_watch),
	};
	const struct CMUnitTest offload_tests[] = {
		cmocka_unit_test(test_vnet_header),
		cmocka_unit_test(test_gso_ipv4),
		cmocka_unit_test(test_gso_ipv6),
		cmocka_unit_test(test_gso_errors),
		cmocka_unit_test(test_csum_complete),
	};
	int r;

	r = cmocka_run_group_tests_name("tap_link", netns_tests, netns_setup, NULL);
	r += cmocka_run_group_tests_name("tap_offload", offload_tests, NULL, NULL);
	return r;
}
