/* SPDX-License-Identifier: MIT */
/* Does io_uring win for a worker's TAP reads (issue 7)? In a private
 * network namespace, a UDP socket queues small frames on a TAP (vnet
 * header on, as enad opens it); the queue is then drained by one read()
 * per frame, or by io_uring with up to BATCH reads per submission on the
 * same fd (RWF_NOWAIT: an empty queue completes a read with -EAGAIN at
 * once, as a polling worker needs). The two alternate; ns per frame is
 * printed for each, and the ratio uring/read. Then the cost of one idle
 * busy-poll pass (an empty queue) each way. Never asserts a number. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAMES 512   /* queued per round: under the TAP queue length */
#define ROUNDS 400
#define BATCH 32     /* enad's WORKER_BURST */
#define BUF_LEN 2048
#define PAYLOAD 18   /* 64-byte Ethernet frame */
#define IDLE_PASSES 20000

static uint8_t bufs[BATCH][BUF_LEN];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "tap_read_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Up, 10.79.0.1/24, a permanent neighbour for 10.79.0.2: sends need no ARP. */
static void if_setup(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	struct arpreq arp = { 0 };
	struct sockaddr_in *pa = (struct sockaddr_in *)&arp.arp_pa;

	if (s < 0)
		die("socket");
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.79.0.1", &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		die("SIOCSIFADDR");
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		die("SIOCSIFNETMASK");
	ifr.ifr_qlen = 4096;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		die("SIOCSIFTXQLEN");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
	pa->sin_family = AF_INET;
	inet_pton(AF_INET, "10.79.0.2", &pa->sin_addr);
	arp.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(arp.arp_ha.sa_data, "\x02\x00\x00\x00\x00\x02", 6);
	arp.arp_flags = ATF_COM | ATF_PERM;
	snprintf(arp.arp_dev, sizeof(arp.arp_dev), "%s", name);
	if (ioctl(s, SIOCSARP, &arp) < 0)
		die("SIOCSARP");
	close(s);
}

static int tap_open(char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = 12, fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die("/dev/net/tun");
	snprintf(ifr.ifr_name, IFNAMSIZ, "trb0");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		die("TUNSETVNETHDRSZ");
	snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

static void fill(int s, const struct sockaddr_in *to)
{
	static const char payload[PAYLOAD];

	for (int i = 0; i < FRAMES; i++)
		if (sendto(s, payload, sizeof(payload), 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
			die("sendto");
}

/* Return: frames read. */
static unsigned int drain_read(int fd)
{
	unsigned int n = 0;
	ssize_t r;

	while ((r = read(fd, bufs[n % BATCH], BUF_LEN)) > 0)
		n++;
	if (r < 0 && errno != EAGAIN)
		die("read");
	return n;
}

static unsigned int drain_uring(struct io_uring *ring, int fd)
{
	unsigned int n = 0;
	bool more = true;

	while (more) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		for (int i = 0; i < BATCH; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			io_uring_prep_read(sqe, fd, bufs[i], BUF_LEN, 0);
			/* O_NONBLOCK alone does not stop io_uring from arming a
			 * poll on an empty TAP (seen on 6.18): ask for -EAGAIN. */
			sqe->rw_flags = RWF_NOWAIT;
		}
		if (io_uring_submit_and_wait(ring, BATCH) < 0)
			die("io_uring_submit_and_wait");
		io_uring_for_each_cqe(ring, head, cqe) {
			if (cqe->res > 0) {
				n++;
			} else if (cqe->res == -EAGAIN) {
				more = false;
			} else {
				errno = cqe->res < 0 ? -cqe->res : EIO;
				die("io_uring read");
			}
			seen++;
		}
		io_uring_cq_advance(ring, seen);
	}
	return n;
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct io_uring ring;
	uint64_t t_read = 0, t_uring = 0, n_read = 0, n_uring = 0;
	char name[IFNAMSIZ];
	int fd, s;

	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET) (needs root)");
	fd = tap_open(name);
	if_setup(name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	inet_pton(AF_INET, "10.79.0.2", &to.sin_addr);
	if (io_uring_queue_init(BATCH * 2, &ring, 0) < 0)
		die("io_uring_queue_init");
	drain_read(fd);
	alarm(60); /* a read that waits after all fails the run, not hangs it */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0;
		unsigned int got;

		fill(s, &to);
		t0 = now_ns();
		got = (r & 1) ? drain_uring(&ring, fd) : drain_read(fd);
		if (r & 1) {
			t_uring += now_ns() - t0;
			n_uring += got;
		} else {
			t_read += now_ns() - t0;
			n_read += got;
		}
	}
	if (!n_read || !n_uring) {
		fprintf(stderr, "tap_read_bench: no frames arrived (read %llu, io_uring %llu)\n",
			(unsigned long long)n_read, (unsigned long long)n_uring);
		return 1;
	}
	printf("read() per frame:          %6.0f ns/frame (%llu frames)\n", (double)t_read / n_read,
	       (unsigned long long)n_read);
	printf("io_uring, %d per submit:   %6.0f ns/frame (%llu frames)\n", BATCH,
	       (double)t_uring / n_uring, (unsigned long long)n_uring);
	printf("ratio io_uring/read:       %6.2f\n", ((double)t_uring / n_uring) / ((double)t_read / n_read));
	{
		uint64_t t0 = now_ns(), t1;

		for (int i = 0; i < IDLE_PASSES; i++)
			drain_read(fd);
		t1 = now_ns();
		for (int i = 0; i < IDLE_PASSES; i++)
			drain_uring(&ring, fd);
		printf("idle pass, read():         %6.0f ns\n", (double)(t1 - t0) / IDLE_PASSES);
		printf("idle pass, io_uring:       %6.0f ns\n", (double)(now_ns() - t1) / IDLE_PASSES);
	}
	io_uring_queue_exit(&ring);
	close(s);
	close(fd);
	return 0;
}
