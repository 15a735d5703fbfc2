/* SPDX-License-Identifier: MIT */
/* enasim device model: config space, BAR layout, register file, readless
 * MMIO, device reset and interrupts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "aenq.h"
#include "device.h"
#include "ena/io.h"
#include "io.h"

/* PCI config space offsets (pci_regs.h facts). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_2 0x18
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_COMMAND_MASTER 0x4u
#define PCI_STATUS_CAP_LIST 0x10u
#define PCI_CAP_ID_MSIX 0x11
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_MSIX_FLAGS 2        /* within the capability */
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_FLAGS_ENABLE 0x8000u
#define PCI_MSIX_FLAGS_MASKALL 0x4000u
#define PCI_CLASS_NETWORK_ETHERNET 0x0200

static void doorbells_snapshot(struct sim_device *dev);

void sim_profile_init_default(struct sim_profile *p)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xee, 0x00, 0x01 };

	memset(p, 0, sizeof(*p));
	p->device_id = ENA_PCI_DEVICE_VF;
	p->readless = true;
	p->admin_cmd_to = 0;
	p->queues = 8;
	memcpy(p->mac, mac, sizeof(mac));
	p->max_mtu = 9216;
	p->llq = true;
	p->llq_entry_sizes = ENA_LLQ_ENTRY_SIZE_128B | ENA_LLQ_ENTRY_SIZE_256B;
	p->llq_entry_recommended = ENA_LLQ_ENTRY_SIZE_128B;
	p->rx_depth = 16384;
	p->tx_depth = 1024;
	p->tx_offloads = 0xFF;
	p->rx_offloads = 0xF;
	p->eni_stats = true;
	p->keepalive_ms = 1000;
	p->supported_features = SIM_DEFAULT_SUPPORTED_FEATURES;
	p->capabilities = SIM_DEFAULT_CAPABILITIES;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Writable config bits: PCI_COMMAND memory + bus master, MSI-X enable/mask. */
static uint8_t config_wmask(unsigned int off)
{
	if (off == PCI_COMMAND)
		return PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (off == SIM_MSIX_CAP_OFF + PCI_MSIX_FLAGS + 1)
		return (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	return 0;
}

static void config_init(struct sim_device *dev)
{
	uint8_t *c = dev->config;
	uint8_t *msix = c + SIM_MSIX_CAP_OFF;

	memset(c, 0, SIM_CONFIG_SIZE);
	put16(c + PCI_VENDOR_ID, ENA_PCI_VENDOR_AMAZON);
	put16(c + PCI_DEVICE_ID, dev->profile.device_id);
	put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = dev->profile.readless ? 0 : ENA_PCI_REVISION_MMIO_READ_DISABLED;
	c[PCI_CLASS_PROG] = 0;
	put16(c + PCI_CLASS_DEVICE, PCI_CLASS_NETWORK_ETHERNET);
	c[PCI_HEADER_TYPE] = 0;
	put32(c + PCI_BASE_ADDRESS_0, 0); /* 32-bit memory BAR */
	if (dev->bar2_size)
		put32(c + PCI_BASE_ADDRESS_2, PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH);
	put16(c + PCI_SUBSYSTEM_VENDOR_ID, ENA_PCI_VENDOR_AMAZON);
	put16(c + PCI_SUBSYSTEM_ID, dev->profile.device_id);
	c[PCI_CAPABILITY_LIST] = SIM_MSIX_CAP_OFF;
	msix[0] = PCI_CAP_ID_MSIX;
	msix[1] = 0; /* last capability */
	put16(msix + PCI_MSIX_FLAGS, (uint16_t)(dev->nr_vectors - 1));
	put32(msix + PCI_MSIX_TABLE, SIM_MSIX_TABLE_OFF | ENA_REG_BAR);
	put32(msix + PCI_MSIX_PBA, SIM_MSIX_PBA_OFF | ENA_REG_BAR);
}

static uint64_t round_up_pow2(uint64_t v)
{
	uint64_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

static int memfd_map(const char *name, uint64_t size, int *ret_fd, uint8_t **ret_map)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto err_close;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto err_close;
	*ret_fd = fd;
	*ret_map = p;
	return 0;

err_close:;
	int r = -errno;

	close(fd);
	return r;
}

static int profile_check(const struct sim_profile *p)
{
	if (p->queues < 1 || p->queues > SIM_MAX_QUEUES)
		return -EINVAL;
	if (!p->rx_depth || (p->rx_depth & (p->rx_depth - 1)) || p->rx_depth > 32768)
		return -EINVAL;
	if (!p->tx_depth || (p->tx_depth & (p->tx_depth - 1)) || p->tx_depth > 32768)
		return -EINVAL;
	if (p->admin_cmd_to > 15 || p->max_mtu < ENA_MIN_MTU)
		return -EINVAL;
	if (p->llq && !(p->llq_entry_sizes & (ENA_LLQ_ENTRY_SIZE_128B | ENA_LLQ_ENTRY_SIZE_256B)))
		return -EINVAL;
	return 0;
}

int sim_device_create(const struct sim_profile *profile, const struct sim_device_ops *ops,
		      void *ctx, struct sim_device **ret)
{
	struct sim_device *dev;
	int r;

	if (!ops || !ops->dma)
		return -EINVAL;
	r = profile_check(profile);
	if (r < 0)
		return r;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->bar0_fd = -1;
	dev->bar2_fd = -1;
	for (unsigned int i = 0; i < SIM_MAX_DB_EVENTFDS; i++)
		dev->db_eventfds[i] = -1;
	pthread_mutex_init(&dev->lock, NULL);
	dev->profile = *profile;
	dev->ops = ops;
	dev->ctx = ctx;
	dev->nr_vectors = 1 + profile->queues;
	dev->supported_features = profile->supported_features;
	dev->capabilities = profile->capabilities;
	if (!profile->llq)
		dev->supported_features &= ~ENA_FEAT_BIT(ENA_FEAT_LLQ);
	if (!profile->eni_stats)
		dev->capabilities &= ~((1u << ENA_CAP_ENI_STATS) | (1u << ENA_CAP_CUSTOMER_METRICS));

	r = memfd_map("enasim-bar0", SIM_BAR0_SIZE, &dev->bar0_fd, &dev->bar0);
	if (r < 0)
		goto err;
	if (profile->llq) {
		dev->bar2_size = round_up_pow2((uint64_t)profile->queues * profile->tx_depth *
					       SIM_LLQ_ENTRY_MAX);
		r = memfd_map("enasim-bar2", dev->bar2_size, &dev->bar2_fd, &dev->bar2);
		if (r < 0)
			goto err;
	}
	dev->nr_db_eventfds = profile->queues < SIM_MAX_DB_EVENTFDS ? profile->queues
								    : SIM_MAX_DB_EVENTFDS;
	for (unsigned int i = 0; i < dev->nr_db_eventfds; i++) {
		dev->db_eventfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->db_eventfds[i] < 0) {
			r = -errno;
			goto err;
		}
	}
	config_init(dev);
	dev->link_up = true;
	dev->aenq.keepalive = true;
	sim_device_discard_state(dev);
	*ret = dev;
	return 0;

err:
	sim_device_destroy(dev);
	return r;
}

void sim_device_destroy(struct sim_device *dev)
{
	if (!dev)
		return;
	sim_admin_reset(dev);
	for (unsigned int i = 0; i < SIM_MAX_DB_EVENTFDS; i++)
		if (dev->db_eventfds[i] >= 0)
			close(dev->db_eventfds[i]);
	if (dev->bar0)
		munmap(dev->bar0, SIM_BAR0_SIZE);
	if (dev->bar0_fd >= 0)
		close(dev->bar0_fd);
	if (dev->bar2)
		munmap(dev->bar2, dev->bar2_size);
	if (dev->bar2_fd >= 0)
		close(dev->bar2_fd);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

int sim_device_region(const struct sim_device *dev, unsigned int index, struct vfu_region *ret)
{
	struct vfu_region r = { .fd = -1 };

	if (index >= VFU_MAX_REGIONS)
		return -EINVAL;
	if (index == VFU_CONFIG_REGION) {
		r.size = SIM_CONFIG_SIZE;
		r.flags = VFU_REGION_READ | VFU_REGION_WRITE;
	} else if (index == ENA_REG_BAR) {
		r.size = SIM_BAR0_SIZE;
		r.flags = VFU_REGION_READ | VFU_REGION_WRITE | VFU_REGION_MMAP;
		r.fd = dev->bar0_fd;
		r.nr_areas = 1;
		r.areas[0].offset = SIM_DB_AREA_OFF;
		r.areas[0].size = SIM_DB_AREA_SIZE;
	} else if (index == ENA_MEM_BAR && dev->bar2_size) {
		r.size = dev->bar2_size;
		r.flags = VFU_REGION_READ | VFU_REGION_WRITE | VFU_REGION_MMAP;
		r.fd = dev->bar2_fd;
		r.nr_areas = 1;
		r.areas[0].offset = 0;
		r.areas[0].size = dev->bar2_size;
	}
	*ret = r;
	return 0;
}

unsigned int sim_device_ioeventfds(const struct sim_device *dev, struct vfu_ioeventfd *ret,
				   unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < dev->nr_db_eventfds && n + 2 <= max; i++) {
		ret[n++] = (struct vfu_ioeventfd){ SIM_SQ_DB_OFF + 8 * i, 8, dev->db_eventfds[i] };
		ret[n++] = (struct vfu_ioeventfd){ SIM_CQ_UNMASK_OFF + 8 * i, 8, dev->db_eventfds[i] };
	}
	return n;
}

/* ---- helpers ---- */

uint64_t sim_now_ms(struct sim_device *dev)
{
	struct timespec ts;

	if (dev->ops->now_ms)
		return dev->ops->now_ms(dev->ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sim_log(struct sim_device *dev, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!dev->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dev->ops->log(dev->ctx, msg);
}

void *sim_dma_ptr(struct sim_device *dev, uint64_t iova, size_t len, bool write)
{
	if (!iova || len == 0 || iova + len < iova || iova + len > (1ull << SIM_DMA_WIDTH))
		return NULL;
	return dev->ops->dma(dev->ctx, iova, len, write);
}

int sim_dma_read(struct sim_device *dev, uint64_t iova, void *buf, size_t len)
{
	void *p = sim_dma_ptr(dev, iova, len, false);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int sim_dma_write(struct sim_device *dev, uint64_t iova, const void *buf, size_t len)
{
	void *p = sim_dma_ptr(dev, iova, len, true);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

void sim_irq_admin(struct sim_device *dev)
{
	if ((dev->intr_mask & ENA_INTR_MASK_ADMIN) || dev->admin.no_irq || !dev->ops->irq)
		return;
	dev->ops->irq(dev->ctx, 0);
}

uint32_t sim_device_dev_sts(const struct sim_device *dev)
{
	uint32_t sts = ENA_DEV_STS_READY;

	if (dev->resetting)
		sts |= ENA_DEV_STS_RESET_IN_PROGRESS;
	if (dev->fatal)
		sts |= ENA_DEV_STS_FATAL_ERROR;
	return sts;
}

/* ---- register file ---- */

uint32_t sim_reg_read(struct sim_device *dev, uint32_t off)
{
	switch (off) {
	case ENA_REG_VERSION:
		return SIM_VERSION;
	case ENA_REG_CONTROLLER_VERSION:
		return SIM_CONTROLLER_VERSION;
	case ENA_REG_CAPS:
		return (SIM_RESET_TIMEOUT << ENA_CAPS_RESET_TIMEOUT_SHIFT) |
		       (SIM_DMA_WIDTH << ENA_CAPS_DMA_ADDR_WIDTH_SHIFT) |
		       (dev->profile.admin_cmd_to << ENA_CAPS_ADMIN_CMD_TO_SHIFT);
	case ENA_REG_AQ_BASE_LO:
		return (uint32_t)dev->admin.aq_base;
	case ENA_REG_AQ_BASE_HI:
		return (uint32_t)(dev->admin.aq_base >> 32);
	case ENA_REG_AQ_CAPS:
		return dev->admin.aq_caps;
	case ENA_REG_ACQ_BASE_LO:
		return (uint32_t)dev->admin.acq_base;
	case ENA_REG_ACQ_BASE_HI:
		return (uint32_t)(dev->admin.acq_base >> 32);
	case ENA_REG_ACQ_CAPS:
		return dev->admin.acq_caps;
	case ENA_REG_AQ_DB:
		return dev->admin.aq_db;
	case ENA_REG_ACQ_TAIL:
		return dev->admin.acq_tail;
	case ENA_REG_AENQ_CAPS:
		return dev->aenq.caps;
	case ENA_REG_AENQ_BASE_LO:
		return (uint32_t)dev->aenq.base;
	case ENA_REG_AENQ_BASE_HI:
		return (uint32_t)(dev->aenq.base >> 32);
	case ENA_REG_AENQ_HEAD_DB:
		return dev->aenq.head;
	case ENA_REG_AENQ_TAIL:
		return dev->aenq.tail;
	case ENA_REG_INTR_MASK:
		return dev->intr_mask;
	case ENA_REG_DEV_CTL:
		return dev->dev_ctl;
	case ENA_REG_DEV_STS:
		return sim_device_dev_sts(dev);
	case ENA_REG_MMIO_REG_READ:
		return dev->mmio_reg_read;
	case ENA_REG_MMIO_RESP_LO:
		return dev->mmio_resp_lo;
	case ENA_REG_MMIO_RESP_HI:
		return dev->mmio_resp_hi;
	default:
		return 0;
	}
}

/* Readless read: DMA reg_val and reg_off, then req_id last. */
static void readless_read(struct sim_device *dev, uint32_t req)
{
	uint64_t addr = ((uint64_t)dev->mmio_resp_hi << 32) | dev->mmio_resp_lo;
	uint16_t req_id = (uint16_t)(req & ENA_MMIO_REG_READ_REQ_ID_MASK);
	uint16_t reg_off = (uint16_t)(req >> ENA_MMIO_REG_READ_REG_OFF_SHIFT);
	uint32_t val;
	uint8_t *p;

	dev->mmio_reg_read = req;
	if (!addr)
		return;
	p = sim_dma_ptr(dev, addr, sizeof(struct ena_mmio_read_resp), true);
	if (!p) {
		sim_log(dev, "readless response address 0x%llx is not mapped",
			(unsigned long long)addr);
		return;
	}
	val = sim_reg_read(dev, reg_off);
	dev->readless_reads++;
	memcpy(p + offsetof(struct ena_mmio_read_resp, reg_val), &val, sizeof(val));
	memcpy(p + offsetof(struct ena_mmio_read_resp, reg_off), &reg_off, sizeof(reg_off));
	/* req_id last, with release order, so a driver that sees it sees the
	 * value too. An odd address (no driver does that) gets two byte stores. */
	if ((addr & 1) == 0) {
		__atomic_store_n((uint16_t *)p, req_id, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(p, (uint8_t)req_id, __ATOMIC_RELEASE);
		__atomic_store_n(p + 1, (uint8_t)(req_id >> 8), __ATOMIC_RELEASE);
	}
}

static void reset_record(struct sim_device *dev, unsigned int reason)
{
	if (dev->nr_reset_reasons == SIM_RESET_HISTORY) {
		memmove(dev->reset_reasons, dev->reset_reasons + 1, SIM_RESET_HISTORY - 1);
		dev->nr_reset_reasons--;
	}
	dev->reset_reasons[dev->nr_reset_reasons++] = (uint8_t)reason;
	dev->resets++;
}

static void dev_ctl_write(struct sim_device *dev, uint32_t val)
{
	dev->dev_ctl = val;
	if ((val & ENA_DEV_CTL_DEV_RESET) && !dev->resetting) {
		unsigned int reason = (val & ENA_DEV_CTL_RESET_REASON_MASK) >>
				      ENA_DEV_CTL_RESET_REASON_SHIFT;

		if (dev->capabilities & (1u << ENA_CAP_EXTENDED_RESET_REASONS))
			reason |= ((val & ENA_DEV_CTL_RESET_REASON_EXT_MASK) >>
				   ENA_DEV_CTL_RESET_REASON_EXT_SHIFT) << 4;
		reset_record(dev, reason);
		sim_device_discard_state(dev);
		dev->resetting = true;
		sim_log(dev, "device reset, reason %u", reason);
	} else if (!(val & ENA_DEV_CTL_DEV_RESET) && dev->resetting) {
		dev->resetting = false;
		sim_log(dev, "device reset released");
	}
}

static void reg_write(struct sim_device *dev, uint32_t off, uint32_t val)
{
	struct sim_admin *a = &dev->admin;

	switch (off) {
	case ENA_REG_AQ_BASE_LO:
		a->aq_base = (a->aq_base & ~0xffffffffull) | val;
		a->aq_head = a->aq_db = 0;
		break;
	case ENA_REG_AQ_BASE_HI:
		a->aq_base = (a->aq_base & 0xffffffffull) | ((uint64_t)val << 32);
		a->aq_head = a->aq_db = 0;
		break;
	case ENA_REG_AQ_CAPS:
		a->aq_caps = val;
		a->aq_head = a->aq_db = 0;
		break;
	case ENA_REG_ACQ_BASE_LO:
		a->acq_base = (a->acq_base & ~0xffffffffull) | val;
		a->acq_tail = 0;
		break;
	case ENA_REG_ACQ_BASE_HI:
		a->acq_base = (a->acq_base & 0xffffffffull) | ((uint64_t)val << 32);
		a->acq_tail = 0;
		break;
	case ENA_REG_ACQ_CAPS:
		a->acq_caps = val;
		a->acq_tail = 0;
		break;
	case ENA_REG_AQ_DB:
		sim_admin_doorbell(dev, (uint16_t)val);
		break;
	case ENA_REG_AENQ_CAPS:
		dev->aenq.caps = val;
		break;
	case ENA_REG_AENQ_BASE_LO:
		dev->aenq.base = (dev->aenq.base & ~0xffffffffull) | val;
		break;
	case ENA_REG_AENQ_BASE_HI:
		dev->aenq.base = (dev->aenq.base & 0xffffffffull) | ((uint64_t)val << 32);
		break;
	case ENA_REG_AENQ_HEAD_DB:
		sim_aenq_head_write(dev, (uint16_t)val);
		break;
	case ENA_REG_INTR_MASK:
		dev->intr_mask = val;
		break;
	case ENA_REG_DEV_CTL:
		dev_ctl_write(dev, val);
		break;
	case ENA_REG_MMIO_REG_READ:
		readless_read(dev, val);
		break;
	case ENA_REG_MMIO_RESP_LO:
		dev->mmio_resp_lo = val;
		break;
	case ENA_REG_MMIO_RESP_HI:
		dev->mmio_resp_hi = val;
		break;
	default:
		break; /* read-only or unused: ignored */
	}
}

void sim_device_discard_state(struct sim_device *dev)
{
	sim_io_device_reset(dev);
	sim_admin_reset(dev);
	sim_aenq_reset(dev);
	memset(dev->tx_sq, 0, sizeof(dev->tx_sq));
	memset(dev->rx_sq, 0, sizeof(dev->rx_sq));
	memset(dev->cq, 0, sizeof(dev->cq));
	memset(dev->bar0 + SIM_DB_AREA_OFF, 0, SIM_DB_AREA_SIZE);
	memset(&dev->llq, 0, sizeof(dev->llq));
	memset(&dev->host, 0, sizeof(dev->host));
	sim_admin_rss_defaults(dev);
	dev->mtu = dev->profile.max_mtu < 1500 ? dev->profile.max_mtu : 1500;
	dev->frag_bypass = false;
	dev->intr_mask = 0;
	dev->dev_ctl = 0;
	dev->fatal = false;
	dev->mmio_reg_read = 0;
	dev->mmio_resp_lo = dev->mmio_resp_hi = 0;
	dev->stats.tx_bytes = dev->stats.tx_pkts = 0;
	dev->stats.rx_bytes = dev->stats.rx_pkts = 0;
	dev->stats.rx_drops = dev->stats.tx_drops = dev->stats.rx_overruns = 0;
}

void sim_device_reset_power_on(struct sim_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	sim_device_discard_state(dev);
	dev->resetting = false;
	dev->config[PCI_COMMAND] &= (uint8_t)~(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	dev->config[SIM_MSIX_CAP_OFF + PCI_MSIX_FLAGS + 1] &=
		(uint8_t)~((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
	memset(dev->msix_table, 0, sizeof(dev->msix_table));
	sim_log(dev, "power-on reset");
	pthread_mutex_unlock(&dev->lock);
}

/* ---- region access ---- */

static int bar0_access(struct sim_device *dev, uint64_t off, void *buf, size_t len, bool write)
{
	uint64_t page = off & ~0xfffull;
	uint64_t table_end = SIM_MSIX_TABLE_OFF + 16ull * dev->nr_vectors;

	if (off + len > SIM_BAR0_SIZE || ((off + len - 1) & ~0xfffull) != page)
		return -EINVAL;
	if (page == 0) {
		if ((off & 3) || (len & 3))
			return -EINVAL;
		for (size_t i = 0; i < len; i += 4) {
			uint32_t v;

			if (write) {
				memcpy(&v, (const uint8_t *)buf + i, 4);
				reg_write(dev, (uint32_t)(off + i), v);
			} else {
				v = sim_reg_read(dev, (uint32_t)(off + i));
				memcpy((uint8_t *)buf + i, &v, 4);
			}
		}
		return 0;
	}
	if (off >= SIM_DB_AREA_OFF) {
		if (write) {
			/* A trapped doorbell write publishes the ring the driver
			 * filled, like a store to the mapped page: release it. */
			if (len == 4 && (off & 3) == 0) {
				uint32_t v;

				memcpy(&v, buf, 4);
				__atomic_store_n((uint32_t *)(dev->bar0 + off), v, __ATOMIC_RELEASE);
			} else {
				memcpy(dev->bar0 + off, buf, len);
			}
			doorbells_snapshot(dev);
		} else {
			memcpy(buf, dev->bar0 + off, len);
		}
		return 0;
	}
	if (off >= SIM_MSIX_TABLE_OFF && off + len <= table_end) {
		uint8_t *t = (uint8_t *)dev->msix_table + (off - SIM_MSIX_TABLE_OFF);

		if (write)
			memcpy(t, buf, len);
		else
			memcpy(buf, t, len);
		return 0;
	}
	if (!write)
		memset(buf, 0, len); /* PBA and holes read 0 */
	return 0;
}

static int bar2_access(struct sim_device *dev, uint64_t off, void *buf, size_t len, bool write)
{
	if (!dev->bar2_size || off + len > dev->bar2_size || off + len < off)
		return -EINVAL;
	if (write)
		memcpy(dev->bar2 + off, buf, len);
	else
		memcpy(buf, dev->bar2 + off, len);
	return 0;
}

static int config_access(struct sim_device *dev, uint64_t off, void *buf, size_t len, bool write)
{
	if (off + len > SIM_CONFIG_SIZE || off + len < off)
		return -EINVAL;
	if (!write) {
		memcpy(buf, dev->config + off, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned int o = (unsigned int)(off + i);
		uint8_t m = config_wmask(o);
		uint8_t v = ((const uint8_t *)buf)[i];

		dev->config[o] = (uint8_t)((dev->config[o] & ~m) | (v & m));
	}
	return 0;
}

static int region_access(struct sim_device *dev, unsigned int region, uint64_t off, void *buf,
			 size_t len, bool write)
{
	int r;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&dev->lock);
	if (region == VFU_CONFIG_REGION)
		r = config_access(dev, off, buf, len, write);
	else if (region == ENA_REG_BAR)
		r = bar0_access(dev, off, buf, len, write);
	else if (region == ENA_MEM_BAR)
		r = bar2_access(dev, off, buf, len, write);
	else
		r = -EINVAL;
	pthread_mutex_unlock(&dev->lock);
	return r;
}

int sim_device_region_read(struct sim_device *dev, unsigned int region, uint64_t off, void *buf,
			   size_t len)
{
	return region_access(dev, region, off, buf, len, false);
}

int sim_device_region_write(struct sim_device *dev, unsigned int region, uint64_t off,
			    const void *buf, size_t len)
{
	return region_access(dev, region, off, (void *)buf, len, true);
}

/* ---- doorbells and timers ---- */

static uint32_t bar0_load32(const struct sim_device *dev, uint32_t off)
{
	return __atomic_load_n((const uint32_t *)(dev->bar0 + off), __ATOMIC_ACQUIRE);
}

static void doorbells_snapshot(struct sim_device *dev)
{
	uint64_t v;

	/* With an IO engine the eventfds are its wakeups: kick it instead. */
	if (dev->io)
		sim_io_kick(dev);
	for (unsigned int i = 0; !dev->io && i < dev->nr_db_eventfds; i++)
		while (read(dev->db_eventfds[i], &v, sizeof(v)) == sizeof(v))
			;
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		if (dev->tx_sq[i].used)
			dev->tx_sq[i].db_tail = (uint16_t)bar0_load32(dev, dev->tx_sq[i].db_offset);
		if (dev->rx_sq[i].used)
			dev->rx_sq[i].db_tail = (uint16_t)bar0_load32(dev, dev->rx_sq[i].db_offset);
	}
	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++) {
		if (!dev->cq[c].used)
			continue;
		v = bar0_load32(dev, dev->cq[c].unmask_offset);
		if (v != SIM_IO_INTR_CONSUMED) /* the engine marks writes it consumed */
			dev->cq[c].intr_reg = (uint32_t)v;
		dev->cq[c].numa_cfg = bar0_load32(dev, dev->cq[c].numa_offset);
	}
}

void sim_device_dma_unmap(struct sim_device *dev, uint64_t iova, uint64_t size)
{
	/* Admin and AENQ access DMA under the lock through ops->dma each time,
	 * so taking the lock is their barrier; the IO engine quiesces. */
	pthread_mutex_lock(&dev->lock);
	sim_io_quiesce(dev);
	pthread_mutex_unlock(&dev->lock);
}

void sim_device_drain_doorbells(struct sim_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	doorbells_snapshot(dev);
	pthread_mutex_unlock(&dev->lock);
}

int64_t sim_device_run_timers(struct sim_device *dev)
{
	int64_t next;

	pthread_mutex_lock(&dev->lock);
	next = sim_admin_run_deferred(dev, sim_now_ms(dev));
	pthread_mutex_unlock(&dev->lock);
	return next;
}
