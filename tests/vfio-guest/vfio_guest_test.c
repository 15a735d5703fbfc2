/* SPDX-License-Identifier: MIT */
/* vfio_guest_test: drives libena's kernel-VFIO backend against a real
 * vfio-pci device - QEMU's e1000e (Intel 82574) in a guest - through config
 * space, BAR0 (read/write and mmap), DMA memory, MSI-X eventfds and a real
 * descriptor round trip (TX fetch and write-back, RX through PHY loopback).
 * Runs as the guest's test program (see init.sh); prints one line per step
 * and "SUMMARY <passed> <run>" last. Exit 0 when every step passed. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "dma.h"
#include "error.h"
#include "pagemap.h"

/* ---- Intel 82574 facts ----
 * Intel 82574 GbE Controller Family Datasheet (rev 3.4), chapter 10
 * "Programming Interface", section 10.2 register descriptions (all in BAR0,
 * the 128 KiB memory BAR). Offsets cross-checked with the names Linux's
 * e1000e driver (regs.h, defines.h) and QEMU's e1000e model use. */
#define E1000_BAR0_SIZE 0x20000u
#define E1000_CTRL 0x00000    /* 10.2.2: device control */
#define E1000_STATUS 0x00008  /* 10.2.2: device status */
#define E1000_MDIC 0x00020    /* 10.2.2: MDI control (PHY registers) */
#define E1000_ICR 0x000c0     /* 10.2.4: interrupt cause read (write 1 clears) */
#define E1000_ICS 0x000c8     /* 10.2.4: interrupt cause set */
#define E1000_IMS 0x000d0     /* 10.2.4: interrupt mask set/read */
#define E1000_IMC 0x000d8     /* 10.2.4: interrupt mask clear */
#define E1000_IVAR 0x000e4    /* 10.2.4: interrupt vector allocation (MSI-X) */
#define E1000_RCTL 0x00100    /* 10.2.5: receive control */
#define E1000_TCTL 0x00400    /* 10.2.6: transmit control */
#define E1000_RDBAL 0x02800   /* receive descriptor ring 0: base low/high, */
#define E1000_RDBAH 0x02804   /* length (bytes, multiple of 128), head, tail */
#define E1000_RDLEN 0x02808
#define E1000_RDH 0x02810
#define E1000_RDT 0x02818
#define E1000_TDBAL 0x03800   /* transmit descriptor ring 0, same layout */
#define E1000_TDBAH 0x03804
#define E1000_TDLEN 0x03808
#define E1000_TDH 0x03810
#define E1000_TDT 0x03818

#define E1000_STATUS_LU (1u << 1)  /* link up */
#define E1000_CTRL_SLU (1u << 6)   /* set link up */

/* ICR/ICS/IMS bits of the queue causes in MSI-X mode (section 7.4, the
 * 82574's five-vector MSI-X scheme). */
#define E1000_ICR_RXQ0 (1u << 20)
#define E1000_ICR_TXQ0 (1u << 22)
#define E1000_ICR_OTHER (1u << 24)

/* IVAR: four bits per cause - a 3-bit MSI-X vector and a valid bit -
 * RxQ0 at bits 3:0, RxQ1 7:4, TxQ0 11:8, TxQ1 15:12, other 19:16. */
#define IVAR_ENTRY(vec) (0x8u | ((vec) & 0x7u))
#define IVAR_RXQ0_SHIFT 0
#define IVAR_TXQ0_SHIFT 8
#define IVAR_OTHER_SHIFT 16

#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_UPE (1u << 3)   /* unicast promiscuous */
#define E1000_RCTL_MPE (1u << 4)   /* multicast promiscuous */
#define E1000_RCTL_BAM (1u << 15)  /* accept broadcast */
#define E1000_RCTL_SECRC (1u << 26) /* strip the CRC */
#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)

/* MDIC (section 10.2.2): data 15:0, PHY register 20:16, PHY address 25:21,
 * opcode 27:26 (01 write, 10 read), ready 28, error 30. The 82574's PHY
 * answers at address 1; its register 0 is the IEEE control register, bit
 * 14 loopback, bit 8 full duplex, bits 6/13 speed (10b = 1000 Mb/s). */
#define MDIC_REG(r) ((uint32_t)(r) << 16)
#define MDIC_PHY(a) ((uint32_t)(a) << 21)
#define MDIC_OP_WRITE (1u << 26)
#define MDIC_OP_READ (2u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_ERROR (1u << 30)
#define PHY_ADDR 1
#define PHY_CTRL 0
#define PHY_CTRL_LOOPBACK (1u << 14)
#define PHY_CTRL_FULL_DUPLEX (1u << 8)
#define PHY_CTRL_SPEED_1000 (1u << 6)

/* Legacy descriptors (chapter 7: 7.1 receive, 7.2 transmit), 16 bytes. */
struct e1000_tx_desc {
	uint64_t buffer_addr;
	uint32_t lower; /* length 15:0, CSO 23:16, command 31:24 */
	uint32_t upper; /* status 3:0 (DD bit 0), CSS 15:8, special 31:16 */
};
#define TXD_CMD_EOP (1u << 24)
#define TXD_CMD_IFCS (1u << 25)
#define TXD_CMD_RS (1u << 27)
#define TXD_STAT_DD 0x1u

struct e1000_rx_desc {
	uint64_t buffer_addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status; /* DD bit 0, EOP bit 1 */
	uint8_t errors;
	uint16_t special;
};
#define RXD_STAT_DD 0x1u
#define RXD_STAT_EOP 0x2u

#define RING_ENTRIES 8 /* 128 bytes: the smallest ring length allowed */
#define RX_BUF_SIZE 2048 /* RCTL.BSIZE 00b */
#define PKT_LEN 60
#define WAIT_MS 3000 /* every wait for the device is bounded by this */

#define VEC_RX 0
#define VEC_TX 1
#define VEC_OTHER 2
#define NR_VECS 3

/* ---- reporting ---- */

static unsigned int steps_run, steps_passed;

static void step_ok(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void step_ok(const char *what, const char *fmt, ...)
{
	va_list ap;

	steps_run++;
	steps_passed++;
	printf("ok %u - %s", steps_run, what);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

static void step_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	steps_run++;
	printf("FAIL %u - %s: ", steps_run, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void step_skip(const char *what, const char *why)
{
	printf("skip - %s: %s\n", what, why);
	fflush(stdout);
}

/* "<call>: <strerror> (<libena's sentence>)" for a failed libena call. */
static const char *why(const char *call, int r)
{
	static char buf[1024];
	const char *detail = ena_error_last();

	snprintf(buf, sizeof(buf), "%s returned %d (%s)%s%s%s", call, r, strerror(r < 0 ? -r : r),
		 detail[0] ? " [" : "", detail, detail[0] ? "]" : "");
	ena_error_clear();
	return buf;
}

/* ---- helpers ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Register access that remembers the first failure, so a sequence of
 * writes can be checked once. */
struct regs {
	struct ena_bus *bus;
	int err;
	uint64_t err_off;
	char err_detail[512];
};

static uint32_t rd(struct regs *r, uint64_t off)
{
	uint32_t v = 0;
	int e = ena_bus_read32(r->bus, 0, off, &v);

	if (e < 0 && !r->err) {
		r->err = e;
		r->err_off = off;
		snprintf(r->err_detail, sizeof(r->err_detail), "read of BAR0+%#" PRIx64 ": %s", off,
			 why("ena_bus_read32", e));
	}
	return v;
}

static void wr(struct regs *r, uint64_t off, uint32_t val)
{
	int e = ena_bus_write32(r->bus, 0, off, val);

	if (e < 0 && !r->err) {
		r->err = e;
		r->err_off = off;
		snprintf(r->err_detail, sizeof(r->err_detail), "write of BAR0+%#" PRIx64 ": %s", off,
			 why("ena_bus_write32", e));
	}
}

/* Wait up to @ms for an eventfd to fire; returns its count, 0 on timeout,
 * -errno on error. */
static int64_t eventfd_wait(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t count;
	int n;

	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return -errno;
	return (int64_t)count;
}

/* Drain an eventfd without waiting; returns what was pending. */
static uint64_t eventfd_drain(int fd)
{
	int64_t n = eventfd_wait(fd, 0);

	return n > 0 ? (uint64_t)n : 0;
}

/* Which /dev/vfio node this process holds open ("/dev/vfio/3",
 * "/dev/vfio/noiommu-0"), and whether it holds the container. */
static void vfio_fds(char *ret_group, size_t len, bool *ret_container, unsigned int *ret_count)
{
	char path[64], target[PATH_MAX];

	ret_group[0] = '\0';
	*ret_container = false;
	*ret_count = 0;
	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "/dev/vfio/", 10) && strcmp(target, "/dev/iommu") &&
		    !strstr(target, "vfio-device"))
			continue;
		(*ret_count)++;
		if (!strcmp(target, "/dev/vfio/vfio"))
			*ret_container = true;
		else if (!strncmp(target, "/dev/vfio/", 10))
			snprintf(ret_group, len, "%s", target);
	}
}

/* VmLck of this process in KiB (mlock and VFIO type1 pinning both count). */
static long vm_locked_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* KernelPageSize (KiB) of the mapping holding @va, from /proc/self/smaps. */
static long kernel_page_kib(const void *va)
{
	char line[512];
	bool inside = false;
	long kib = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = (uintptr_t)va >= start && (uintptr_t)va < end;
			continue;
		}
		if (inside && sscanf(line, "KernelPageSize: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

/* ---- the test ---- */

struct ctx {
	const char *bdf;
	bool noiommu;
	struct ena_bus *bus;
	struct regs regs;
	struct ena_dma_mem ring; /* TX ring at 0, RX ring at 4 KiB */
	struct ena_dma_mem bufs; /* TX buffer at 0, RX buffers from 4 KiB */
	int efd[NR_VECS];
	bool irqs_set;
	uint32_t status;
};

static bool step_open(struct ctx *c)
{
	const char *what = c->noiommu ? "open (noiommu container/group)" : "open (type1 container/group)";
	char group[PATH_MAX], expect[64];
	bool container;
	unsigned int nfds;
	int r;

	r = ena_bus_vfio_kernel_open(c->bdf, &c->bus);
	if (r < 0) {
		step_fail(what, "%s", why("ena_bus_vfio_kernel_open", r));
		return false;
	}
	c->regs.bus = c->bus;
	vfio_fds(group, sizeof(group), &container, &nfds);
	snprintf(expect, sizeof(expect), "/dev/vfio/%s", c->noiommu ? "noiommu-" : "");
	if (!container || strncmp(group, expect, strlen(expect)) ||
	    (!c->noiommu && !strncmp(group, "/dev/vfio/noiommu-", 18))) {
		step_fail(what, "expected the container and a %s* group open, have container=%d group=\"%s\"",
			  expect, container, group);
		return false;
	}
	step_ok(what, "%s holds /dev/vfio/vfio and %s", c->bus->name, group);
	return true;
}

static void step_iommufd(struct ctx *c)
{
	struct stat st;

	if (c->noiommu) {
		step_skip("open (iommufd cdev)", "not used without an IOMMU");
		return;
	}
	if (stat("/dev/iommu", &st) < 0 || stat("/dev/vfio/devices", &st) < 0) {
		step_skip("open (iommufd cdev)",
			  "this guest kernel offers no /dev/iommu + /dev/vfio/devices (needs Linux 6.6 "
			  "with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV)");
		return;
	}
	/* The backend prefers the cdev when it is there; step_open then saw
	 * the group path, so libena was built without iommufd support. */
	step_skip("open (iommufd cdev)", "the kernel offers it but libena was built without "
		  "<linux/iommufd.h> (kernel headers older than 6.6)");
}

static bool step_config(struct ctx *c)
{
	const char *what = "config space: vendor/device ids through the config region";
	uint16_t ids[2];
	int r = ena_bus_config_read(c->bus, 0, ids, sizeof(ids));

	if (r < 0) {
		step_fail(what, "%s", why("ena_bus_config_read", r));
		return false;
	}
	if (ids[0] != 0x8086 || ids[1] != 0x10d3) {
		step_fail(what, "read %04x:%04x, expected 8086:10d3", ids[0], ids[1]);
		return false;
	}
	step_ok(what, "%04x:%04x", ids[0], ids[1]);
	return true;
}

static bool step_regions(struct ctx *c)
{
	const char *what = "region info: BAR0 and config";
	const struct ena_bus_region_info *bar0 = ena_bus_region(c->bus, 0);
	const struct ena_bus_region_info *cfg = ena_bus_region(c->bus, ENA_BUS_CONFIG_REGION);
	const uint32_t rwm = ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE | ENA_BUS_REGION_MMAP;

	if (!bar0 || !cfg) {
		step_fail(what, "%s", why("ena_bus_region", -errno));
		return false;
	}
	if (bar0->size != E1000_BAR0_SIZE || (bar0->flags & rwm) != rwm) {
		step_fail(what, "BAR0 is %#" PRIx64 " bytes with flags %#x, expected %#x bytes, "
			  "read+write+mmap", bar0->size, bar0->flags, E1000_BAR0_SIZE);
		return false;
	}
	if (cfg->size < 256 || !(cfg->flags & ENA_BUS_REGION_READ)) {
		step_fail(what, "config region is %#" PRIx64 " bytes with flags %#x", cfg->size,
			  cfg->flags);
		return false;
	}
	step_ok(what, "BAR0 %#" PRIx64 " bytes, flags %#x, %u sparse areas; config %#" PRIx64 " bytes",
		bar0->size, bar0->flags, bar0->nr_areas, cfg->size);
	return true;
}

/* STATUS and CTRL through pread (BAR0 not mapped yet): an all-ones value
 * means the read went nowhere. */
static bool step_bar_read(struct ctx *c)
{
	const char *what = "BAR0 read/write path: CTRL, STATUS and a register write-back";
	uint32_t ctrl, status, back;

	c->regs.err = 0;
	ctrl = rd(&c->regs, E1000_CTRL);
	status = rd(&c->regs, E1000_STATUS);
	wr(&c->regs, E1000_RDBAL, 0x5a5a5a50);
	back = rd(&c->regs, E1000_RDBAL);
	wr(&c->regs, E1000_RDBAL, 0);
	if (c->regs.err) {
		step_fail(what, "%s", c->regs.err_detail);
		return false;
	}
	if (ctrl == UINT32_MAX || status == UINT32_MAX) {
		step_fail(what, "CTRL %#x STATUS %#x: all ones, the BAR does not answer", ctrl, status);
		return false;
	}
	if (back != 0x5a5a5a50) {
		step_fail(what, "RDBAL read back %#x after writing 0x5a5a5a50", back);
		return false;
	}
	c->status = status;
	step_ok(what, "CTRL %#010x STATUS %#010x (link %s), RDBAL write-back ok", ctrl, status,
		status & E1000_STATUS_LU ? "up" : "down");
	return true;
}

/* mmap BAR0 and check the mapping against the read/write path. */
static bool step_bar_mmap(struct ctx *c)
{
	const char *what = "BAR0 mmap: loads and stores agree with pread/pwrite";
	volatile uint32_t *ctrl_p, *rdbah_p;
	uint32_t via_pread = 0;
	int r;

	r = ena_bus_map_region(c->bus, 0, false);
	if (r < 0) {
		step_fail(what, "%s", why("ena_bus_map_region", r));
		return false;
	}
	ctrl_p = ena_bus_region_ptr(c->bus, 0, E1000_CTRL, 4);
	rdbah_p = ena_bus_region_ptr(c->bus, 0, E1000_RDBAH, 4);
	if (!ctrl_p || !rdbah_p || !ena_bus_region_ptr(c->bus, 0, E1000_BAR0_SIZE - 4, 4)) {
		step_fail(what, "ena_bus_region_ptr found no mapping for BAR0 offsets 0, %#x, %#x",
			  E1000_RDBAH, E1000_BAR0_SIZE - 4);
		return false;
	}
	/* Store through the mapping, load through the region read. */
	*rdbah_p = 0x00c0ffee;
	r = c->bus->ops->region_read(c->bus, 0, E1000_RDBAH, &via_pread, 4);
	if (r < 0) {
		step_fail(what, "%s", why("region_read of RDBAH", r));
		return false;
	}
	if (via_pread != 0x00c0ffee || *rdbah_p != 0x00c0ffee) {
		step_fail(what, "RDBAH: stored 0x00c0ffee through the mapping, pread gives %#x, "
			  "the mapping gives %#x", via_pread, *rdbah_p);
		return false;
	}
	*rdbah_p = 0;
	r = c->bus->ops->region_read(c->bus, 0, E1000_CTRL, &via_pread, 4);
	if (r < 0 || via_pread != *ctrl_p) {
		step_fail(what, "CTRL through the mapping %#x, through pread %#x (%s)", *ctrl_p, via_pread,
			  r < 0 ? why("region_read", r) : "differ");
		return false;
	}
	step_ok(what, "BAR0 mapped at %p, CTRL %#010x both ways", (void *)ctrl_p, *ctrl_p);
	return true;
}

static bool step_bus_master(struct ctx *c)
{
	const char *what = "PCI command: memory space + bus master";
	uint16_t cmd = 0;
	int r = ena_bus_enable_bus_master(c->bus);

	if (r < 0) {
		step_fail(what, "%s", why("ena_bus_enable_bus_master", r));
		return false;
	}
	r = ena_bus_config_read(c->bus, 4, &cmd, sizeof(cmd));
	if (r < 0 || (cmd & 0x6) != 0x6) {
		step_fail(what, "PCI_COMMAND %#x after enabling (%s)", cmd,
			  r < 0 ? why("ena_bus_config_read", r) : "bits 1 and 2 not set");
		return false;
	}
	step_ok(what, "PCI_COMMAND %#06x", cmd);
	return true;
}

/* Describe and check one DMA allocation: noiommu gives the physical
 * address as IOVA, which /proc/self/pagemap must confirm for the whole run. */
static bool dma_check(struct ctx *c, const struct ena_dma_mem *m, const char *name, bool want_huge,
		      char *desc, size_t len)
{
	long page_kib = kernel_page_kib(m->va);
	uint64_t pa = 0;
	int r;

	if (!m->va || m->map_size < m->size || m->iova == 0) {
		snprintf(desc, len, "%s: va %p iova %#" PRIx64 " map_size %zu: not a usable mapping", name,
			 m->va, m->iova, m->map_size);
		return false;
	}
	if (want_huge && page_kib != 2048) {
		snprintf(desc, len, "%s: backed by %ld KiB pages, expected 2 MiB hugepages", name, page_kib);
		return false;
	}
	if (c->noiommu) {
		r = ena_pagemap_range_phys(m->va, m->map_size, &pa);
		if (r < 0) {
			snprintf(desc, len, "%s: pagemap of %zu bytes at %p: %s", name, m->map_size, m->va,
				 strerror(-r));
			return false;
		}
		if (pa != m->iova) {
			snprintf(desc, len, "%s: IOVA %#" PRIx64 " but the physical address is %#" PRIx64,
				 name, m->iova, pa);
			return false;
		}
	}
	snprintf(desc, len, "%s %zu bytes, iova %#" PRIx64 "%s, %ld KiB pages", name, m->map_size,
		 m->iova, c->noiommu ? " (= physical)" : "", page_kib);
	return true;
}

static bool step_dma(struct ctx *c)
{
	const char *what = c->noiommu ? "DMA memory: ena_dma_alloc, IOVA = physical, hugepages"
				      : "DMA memory: ena_dma_alloc mapped through type1";
	char d1[256], d2[256];
	int r;

	/* 64 KiB: 4 KiB pages unless the bus needs contiguity (noiommu), when
	 * ena_dma_alloc retries on a hugepage. */
	r = ena_dma_alloc(c->bus, 64 * 1024, ENA_DMA_NUMA_ANY, &c->ring);
	if (r < 0) {
		step_fail(what, "rings: %s", why("ena_dma_alloc(64 KiB)", r));
		return false;
	}
	r = ena_dma_alloc(c->bus, 2u << 20, ENA_DMA_NUMA_ANY, &c->bufs);
	if (r < 0) {
		step_fail(what, "buffers: %s", why("ena_dma_alloc(2 MiB)", r));
		return false;
	}
	if (!dma_check(c, &c->ring, "rings", false, d1, sizeof(d1))) {
		step_fail(what, "%s", d1);
		return false;
	}
	if (!dma_check(c, &c->bufs, "buffers", true, d2, sizeof(d2))) {
		step_fail(what, "%s", d2);
		return false;
	}
	if (c->ring.iova == c->bufs.iova) {
		step_fail(what, "both allocations got IOVA %#" PRIx64, c->ring.iova);
		return false;
	}
	step_ok(what, "%s; %s", d1, d2);
	return true;
}

static bool step_msix(struct ctx *c)
{
	const char *what = "MSI-X: eventfds on 3 vectors, ICS raises RxQ0 on vector 0";
	unsigned int count = 0;
	int64_t fired;
	uint64_t other;
	int r;

	r = ena_bus_irq_count(c->bus, &count);
	if (r < 0 || count < NR_VECS) {
		step_fail(what, "%u MSI-X vectors (%s)", count,
			  r < 0 ? why("ena_bus_irq_count", r) : "need 3");
		return false;
	}
	for (int i = 0; i < NR_VECS; i++) {
		c->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->efd[i] < 0) {
			step_fail(what, "eventfd: %s", strerror(errno));
			return false;
		}
	}
	r = ena_bus_irq_set(c->bus, 0, NR_VECS, c->efd);
	if (r < 0) {
		step_fail(what, "%s", why("ena_bus_irq_set(0, 3)", r));
		return false;
	}
	c->irqs_set = true;

	c->regs.err = 0;
	wr(&c->regs, E1000_IMC, UINT32_MAX);
	wr(&c->regs, E1000_ICR, UINT32_MAX);
	wr(&c->regs, E1000_IVAR, IVAR_ENTRY(VEC_RX) << IVAR_RXQ0_SHIFT |
				 IVAR_ENTRY(VEC_TX) << IVAR_TXQ0_SHIFT |
				 IVAR_ENTRY(VEC_OTHER) << IVAR_OTHER_SHIFT);
	for (int i = 0; i < NR_VECS; i++)
		eventfd_drain(c->efd[i]);
	wr(&c->regs, E1000_IMS, E1000_ICR_RXQ0 | E1000_ICR_TXQ0);
	wr(&c->regs, E1000_ICS, E1000_ICR_RXQ0);
	if (c->regs.err) {
		step_fail(what, "%s", c->regs.err_detail);
		return false;
	}
	fired = eventfd_wait(c->efd[VEC_RX], WAIT_MS);
	other = eventfd_drain(c->efd[VEC_TX]) + eventfd_drain(c->efd[VEC_OTHER]);
	wr(&c->regs, E1000_ICR, E1000_ICR_RXQ0); /* acknowledge */
	if (fired <= 0) {
		step_fail(what, "vector 0 did not fire within %d ms (%s; ICR %#x IMS %#x IVAR %#x)",
			  WAIT_MS, fired < 0 ? strerror((int)-fired) : "timeout", rd(&c->regs, E1000_ICR),
			  rd(&c->regs, E1000_IMS), rd(&c->regs, E1000_IVAR));
		return false;
	}
	if (other) {
		step_fail(what, "vectors 1/2 fired too (%" PRIu64 " times)", other);
		return false;
	}
	step_ok(what, "%u vectors, vector 0 fired (count %" PRId64 ")", count, fired);
	return true;
}

/* PHY register write through MDIC, bounded wait for ready. */
static int phy_write(struct ctx *c, unsigned int reg, uint16_t val)
{
	uint64_t deadline = now_ms() + WAIT_MS;
	uint32_t mdic;

	wr(&c->regs, E1000_MDIC, val | MDIC_REG(reg) | MDIC_PHY(PHY_ADDR) | MDIC_OP_WRITE);
	do {
		mdic = rd(&c->regs, E1000_MDIC);
		if (c->regs.err)
			return c->regs.err;
		if (mdic & MDIC_ERROR)
			return -EIO;
		if (mdic & MDIC_READY)
			return 0;
		sleep_ms(1);
	} while (now_ms() < deadline);
	return -ETIMEDOUT;
}

static void fill_packet(uint8_t *p)
{
	static const uint8_t head[14] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* broadcast */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* locally administered source */
		0x88, 0xb5,                         /* local experimental ethertype */
	};

	memcpy(p, head, sizeof(head));
	for (unsigned int i = sizeof(head); i < PKT_LEN; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* Real DMA both ways: the device fetches a TX descriptor and its buffer
 * from our memory, loops the frame back through its PHY, writes it into
 * our RX buffer with an RX descriptor, and writes DD back into both
 * descriptors; TxQ0 and RxQ0 raise vectors 1 and 0. */
static bool step_dma_round_trip(struct ctx *c)
{
	const char *what = "DMA round trip: TX fetch + PHY loopback + RX write, DD write-backs, irqs";
	volatile struct e1000_tx_desc *txd = c->ring.va;
	volatile struct e1000_rx_desc *rxd = (void *)((uint8_t *)c->ring.va + 4096);
	uint8_t *txbuf = c->bufs.va;
	uint8_t *rxbufs = (uint8_t *)c->bufs.va + 4096;
	uint64_t tx_ring = c->ring.iova, rx_ring = c->ring.iova + 4096;
	uint64_t deadline;
	uint32_t status = 0, tdh, rdh;
	int64_t tx_irq, rx_irq;
	int r;

	c->regs.err = 0;
	/* Link: set link up, PHY in loopback at 1000 full duplex. */
	wr(&c->regs, E1000_CTRL, rd(&c->regs, E1000_CTRL) | E1000_CTRL_SLU);
	r = phy_write(c, PHY_CTRL, PHY_CTRL_LOOPBACK | PHY_CTRL_FULL_DUPLEX | PHY_CTRL_SPEED_1000);
	if (r < 0) {
		step_fail(what, "PHY loopback through MDIC: %s%s%s", strerror(-r),
			  c->regs.err ? "; " : "", c->regs.err ? c->regs.err_detail : "");
		return false;
	}
	deadline = now_ms() + WAIT_MS;
	while (!((status = rd(&c->regs, E1000_STATUS)) & E1000_STATUS_LU) && now_ms() < deadline)
		sleep_ms(5);
	if (!(status & E1000_STATUS_LU)) {
		step_fail(what, "no link within %d ms (STATUS %#x)", WAIT_MS, status);
		return false;
	}

	/* RX ring: RING_ENTRIES descriptors, all but one handed to the device. */
	for (unsigned int i = 0; i < RING_ENTRIES; i++) {
		rxd[i].buffer_addr = c->bufs.iova + 4096 + (uint64_t)i * RX_BUF_SIZE;
		rxd[i].status = 0;
	}
	memset(rxbufs, 0xee, RING_ENTRIES * RX_BUF_SIZE);
	wr(&c->regs, E1000_RDBAL, (uint32_t)rx_ring);
	wr(&c->regs, E1000_RDBAH, (uint32_t)(rx_ring >> 32));
	wr(&c->regs, E1000_RDLEN, RING_ENTRIES * sizeof(struct e1000_rx_desc));
	wr(&c->regs, E1000_RDH, 0);
	wr(&c->regs, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM |
				 E1000_RCTL_SECRC);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(&c->regs, E1000_RDT, RING_ENTRIES - 1);

	/* TX ring with one frame. */
	fill_packet(txbuf);
	txd[0].buffer_addr = c->bufs.iova;
	txd[0].lower = PKT_LEN | TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	txd[0].upper = 0;
	wr(&c->regs, E1000_TDBAL, (uint32_t)tx_ring);
	wr(&c->regs, E1000_TDBAH, (uint32_t)(tx_ring >> 32));
	wr(&c->regs, E1000_TDLEN, RING_ENTRIES * sizeof(struct e1000_tx_desc));
	wr(&c->regs, E1000_TDH, 0);
	wr(&c->regs, E1000_TDT, 0);
	wr(&c->regs, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP);
	for (int i = 0; i < NR_VECS; i++)
		eventfd_drain(c->efd[i]);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(&c->regs, E1000_TDT, 1); /* doorbell */
	if (c->regs.err) {
		step_fail(what, "%s", c->regs.err_detail);
		return false;
	}

	deadline = now_ms() + WAIT_MS;
	while ((!(txd[0].upper & TXD_STAT_DD) || !(rxd[0].status & RXD_STAT_DD)) &&
	       now_ms() < deadline)
		sleep_ms(1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tdh = rd(&c->regs, E1000_TDH);
	rdh = rd(&c->regs, E1000_RDH);
	tx_irq = eventfd_wait(c->efd[VEC_TX], 500);
	rx_irq = eventfd_wait(c->efd[VEC_RX], 500);
	wr(&c->regs, E1000_ICR, E1000_ICR_RXQ0 | E1000_ICR_TXQ0);

	if (!(txd[0].upper & TXD_STAT_DD)) {
		step_fail(what, "TX descriptor at IOVA %#" PRIx64 " not written back within %d ms "
			  "(upper %#x, TDH %u, ICR %#x)", tx_ring, WAIT_MS, txd[0].upper, tdh,
			  rd(&c->regs, E1000_ICR));
		return false;
	}
	if (tdh != 1) {
		step_fail(what, "TX write-back seen but TDH is %u, expected 1", tdh);
		return false;
	}
	if (!(rxd[0].status & RXD_STAT_DD)) {
		step_fail(what, "TX done (DD, TDH 1) but no frame received within %d ms (RX status %#x, "
			  "RDH %u, STATUS %#x, RCTL %#x)", WAIT_MS, rxd[0].status, rdh,
			  rd(&c->regs, E1000_STATUS), rd(&c->regs, E1000_RCTL));
		return false;
	}
	if (rxd[0].length != PKT_LEN || memcmp(rxbufs, txbuf, PKT_LEN) != 0) {
		step_fail(what, "received %u bytes (status %#x errors %#x), expected the %d sent; first "
			  "bytes %02x %02x %02x %02x", rxd[0].length, rxd[0].status, rxd[0].errors, PKT_LEN,
			  rxbufs[0], rxbufs[1], rxbufs[12], rxbufs[13]);
		return false;
	}
	if (tx_irq <= 0 || rx_irq <= 0) {
		step_fail(what, "frame looped back, but vector %s did not fire (tx %" PRId64 ", rx %" PRId64 ")",
			  tx_irq <= 0 ? "1 (TxQ0)" : "0 (RxQ0)", tx_irq, rx_irq);
		return false;
	}
	step_ok(what, "TX desc @%#" PRIx64 " DD, TDH 1; %u bytes back in RX buffer @%#" PRIx64
		" (status %#x); vectors 1 and 0 fired", tx_ring, rxd[0].length, c->bufs.iova + 4096,
		rxd[0].status);
	return true;
}

/* Quiesce the device, free the irqs and DMA memory, close, and check that
 * nothing stays open or pinned; then open and close once more. */
static bool step_teardown(struct ctx *c)
{
	const char *what = "release: irqs off, DMA freed, device closed, reopen works";
	char group[PATH_MAX];
	bool container;
	unsigned int nfds;
	long locked;
	int r, first_err = 0;
	char detail[1100] = "";
	char devstr[PATH_MAX];

	if (c->bus && c->regs.bus) {
		c->regs.err = 0;
		wr(&c->regs, E1000_IMC, UINT32_MAX);
		wr(&c->regs, E1000_TCTL, 0);
		wr(&c->regs, E1000_RCTL, 0);
		if (c->regs.err) {
			first_err = c->regs.err;
			snprintf(detail, sizeof(detail), "%s", c->regs.err_detail);
		}
	}
	if (c->irqs_set) {
		r = ena_bus_irq_set(c->bus, 0, 0, NULL);
		if (r < 0 && !first_err) {
			first_err = r;
			snprintf(detail, sizeof(detail), "%s", why("ena_bus_irq_set(disable)", r));
		}
		c->irqs_set = false;
	}
	ena_dma_free(&c->ring);
	ena_dma_free(&c->bufs);
	ena_bus_close(c->bus);
	c->bus = NULL;
	c->regs.bus = NULL;
	for (int i = 0; i < NR_VECS; i++)
		if (c->efd[i] >= 0) {
			close(c->efd[i]);
			c->efd[i] = -1;
		}
	if (first_err) {
		step_fail(what, "%s", detail);
		return false;
	}
	vfio_fds(group, sizeof(group), &container, &nfds);
	if (nfds) {
		step_fail(what, "%u VFIO fds still open after ena_bus_close (group \"%s\")", nfds, group);
		return false;
	}
	locked = vm_locked_kib();
	if (locked != 0) {
		step_fail(what, "VmLck is %ld KiB after freeing all DMA memory", locked);
		return false;
	}
	/* The second time through the device string, as enad opens it. */
	snprintf(devstr, sizeof(devstr), "pci:%s", c->bdf);
	r = ena_bus_open(devstr, &c->bus);
	if (r < 0) {
		step_fail(what, "second open: %s", why("ena_bus_open", r));
		return false;
	}
	ena_bus_close(c->bus);
	c->bus = NULL;
	step_ok(what, "no VFIO fds left, VmLck 0 kB, ena_bus_open(\"%s\") and close ok", devstr);
	return true;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vfio_guest_test --bdf DOMAIN:BUS:DEV.FN --mode iommu|noiommu\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ctx c = { .efd = { -1, -1, -1 } };
	const char *mode = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "b:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			c.bdf = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!c.bdf || !mode || (strcmp(mode, "iommu") && strcmp(mode, "noiommu"))) {
		usage(stderr);
		return 2;
	}
	c.noiommu = !strcmp(mode, "noiommu");

	/* Each step needs the ones before it; stop at the first failure but
	 * always release what was taken. */
	if (step_open(&c)) {
		step_iommufd(&c);
		if (step_config(&c) && step_regions(&c) && step_bar_read(&c) && step_bar_mmap(&c) &&
		    step_bus_master(&c) && step_dma(&c) && step_msix(&c))
			step_dma_round_trip(&c);
		step_teardown(&c);
	}
	printf("SUMMARY %u %u\n", steps_passed, steps_run);
	return steps_passed == steps_run && steps_run > 0 ? 0 : 1;
}
