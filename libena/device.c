/* SPDX-License-Identifier: MIT */
/* Device lifecycle: open, bring-up in the reference drivers' order, reset,
 * close; validation of every attribute the device reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "ena_dev.h"
#include "error.h"
#include "plat.h"

#define CTRL_BUF_MIN 4096
#define MAX_SANE_DEPTH 65536u
#define MAX_SANE_MTU 65535u

int ena_dev_open(const char *devstr, struct ena_dev **ret)
{
	struct ena_dev *dev;
	uint16_t vendor = 0;
	uint8_t revision = 0;
	int r;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	pthread_mutex_init(&dev->admin_lock, NULL);
	dev->admin_irq_fd = -1;
	dev->numa_node = -1;

	r = ena_bus_open(devstr, &dev->bus);
	if (r < 0)
		goto free_dev;
	r = ena_bus_config_read(dev->bus, PCI_VENDOR_ID, &vendor, sizeof(vendor));
	if (r == 0)
		r = ena_bus_config_read(dev->bus, PCI_REVISION_ID, &revision, sizeof(revision));
	if (r < 0) {
		ena_error_set(r, "%s: read PCI config: %s", devstr, strerror(-r));
		goto close_bus;
	}
	if (vendor != ENA_PCI_VENDOR_AMAZON) {
		r = ena_error_set(-ENODEV, "%s: PCI vendor %#06x is not Amazon (%#06x)", devstr, vendor,
				  ENA_PCI_VENDOR_AMAZON);
		goto close_bus;
	}
	dev->readless = !(revision & ENA_PCI_REVISION_MMIO_READ_DISABLED);
	r = ena_bus_enable_bus_master(dev->bus);
	if (r < 0)
		goto close_bus;
	r = ena_bus_map_region(dev->bus, ENA_REG_BAR, false);
	if (r < 0) {
		ena_error_set(r, "%s: map register BAR: %s", devstr, strerror(-r));
		goto close_bus;
	}
	r = ena_bus_irq_count(dev->bus, &dev->attrs.msix_vectors);
	if (r < 0) {
		ena_error_set(r, "%s: MSI-X info: %s", devstr, strerror(-r));
		goto close_bus;
	}
	*ret = dev;
	return 0;

close_bus:
	ena_bus_close(dev->bus);
free_dev:
	pthread_mutex_destroy(&dev->admin_lock);
	free(dev);
	return r;
}

static void host_info_fill(struct ena_host_info *hi, const struct ena_host_params *p)
{
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(hi, 0, sizeof(*hi));
	hi->os_type = p->os_type ? p->os_type : ENA_OS_LINUX;
	if (uname(&u) == 0) {
		/* Fixed-size device fields: truncation is the protocol's limit. */
		snprintf((char *)hi->kernel_ver_str, sizeof(hi->kernel_ver_str), "%.31s", u.release);
		snprintf((char *)hi->os_dist_str, sizeof(hi->os_dist_str), "%.40s %.64s",
			 p->driver_name ? p->driver_name : "enad", u.release);
	}
	hi->driver_version = p->drv_major | ((uint32_t)p->drv_minor << ENA_HOST_INFO_MINOR_SHIFT) |
			     ((uint32_t)p->drv_sub << ENA_HOST_INFO_SUB_MINOR_SHIFT) |
			     ((uint32_t)p->drv_module_type << ENA_HOST_INFO_MODULE_TYPE_SHIFT);
	hi->ena_spec_version = ENA_SPEC_VERSION;
	hi->num_cpus = p->num_cpus ? p->num_cpus : (uint16_t)(cpus > 0 && cpus < 65536 ? cpus : 1);
	hi->driver_supported_features = p->driver_supported_features;
}

static int set_host_info(struct ena_dev *dev, const struct ena_host_params *p)
{
	struct ena_feat_host_attr ha;
	int r;

	if (!dev->host_info.va) {
		r = ena_dma_alloc(dev->bus, ENA_HOST_INFO_PAGE_SIZE, dev->numa_node, &dev->host_info);
		if (r < 0)
			return r;
	}
	host_info_fill(dev->host_info.va, p);
	memset(&ha, 0, sizeof(ha));
	ena_mem_addr_set(&ha.os_info_ba, dev->host_info.iova);
	return ena_set_feature(dev, ENA_FEAT_HOST_ATTR_CONFIG, 0, &ha, sizeof(ha), 0, 0);
}

/* Device values are untrusted: anything a later allocation or index depends
 * on is checked here once, with the field named. */
static int check_range(const char *what, uint64_t v, uint64_t lo, uint64_t hi)
{
	if (v < lo || v > hi)
		return ena_error_set(-EPROTO, "device reports %s = %llu, allowed [%llu, %llu]", what,
				     (unsigned long long)v, (unsigned long long)lo,
				     (unsigned long long)hi);
	return 0;
}

static int get_dev_attr(struct ena_dev *dev)
{
	struct ena_acq_get_feature_resp resp;
	const struct ena_feat_dev_attr *a = &resp.u.dev_attr;
	int r;

	r = ena_get_feature(dev, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, 0, &resp);
	if (r < 0)
		return r;
	r = check_range("max_mtu", a->max_mtu, ENA_MIN_MTU, MAX_SANE_MTU);
	if (r < 0)
		return r;
	dev->attrs.impl_id = a->impl_id;
	dev->attrs.device_version = a->device_version;
	dev->attrs.supported_features = a->supported_features;
	dev->attrs.capabilities = a->capabilities;
	memcpy(dev->attrs.mac, a->mac_addr, sizeof(dev->attrs.mac));
	dev->attrs.max_mtu = a->max_mtu;
	if (!ena_feature_supported(dev, ENA_FEAT_AENQ_CONFIG) ||
	    !ena_feature_supported(dev, ENA_FEAT_STATELESS_OFFLOAD_CONFIG) ||
	    (!ena_feature_supported(dev, ENA_FEAT_MAX_QUEUES_EXT) &&
	     !ena_feature_supported(dev, ENA_FEAT_MAX_QUEUES_NUM)))
		return ena_error_set(-EPROTO, "device lacks a mandatory feature (supported %#x)",
				     a->supported_features);
	return 0;
}

static int check_queue_limits(struct ena_dev_attrs *q)
{
	static const struct { const char *name; size_t off; uint32_t lo, hi; } limits[] = {
#define L(f, lo, hi) { #f, offsetof(struct ena_dev_attrs, f), lo, hi }
		L(max_tx_sq_num, 1, 1024), L(max_tx_cq_num, 1, 1024),
		L(max_rx_sq_num, 1, 1024), L(max_rx_cq_num, 1, 1024),
		L(max_tx_sq_depth, 1, MAX_SANE_DEPTH), L(max_tx_cq_depth, 1, MAX_SANE_DEPTH),
		L(max_rx_sq_depth, 1, MAX_SANE_DEPTH), L(max_rx_cq_depth, 1, MAX_SANE_DEPTH),
#undef L
	};
	int r;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		uint32_t v = *(const uint32_t *)((const char *)q + limits[i].off);

		r = check_range(limits[i].name, v, limits[i].lo, limits[i].hi);
		if (r < 0)
			return r;
	}
	r = check_range("max_per_packet_tx_descs", q->max_per_packet_tx_descs, 1, 256);
	if (r == 0)
		r = check_range("max_per_packet_rx_descs", q->max_per_packet_rx_descs, 1, 256);
	return r;
}

static int get_queue_limits(struct ena_dev *dev)
{
	struct ena_acq_get_feature_resp resp;
	struct ena_dev_attrs *q = &dev->attrs;
	int r;

	if (ena_feature_supported(dev, ENA_FEAT_MAX_QUEUES_EXT)) {
		const struct ena_feat_max_queues_ext *e = &resp.u.max_queues_ext;

		r = ena_get_feature(dev, ENA_FEAT_MAX_QUEUES_EXT, ENA_MAX_QUEUES_EXT_VERSION, 0, 0, &resp);
		if (r < 0)
			return r;
		if (e->version != ENA_MAX_QUEUES_EXT_VERSION)
			return ena_error_set(-EPROTO, "device reports MAX_QUEUES_EXT version %u, expected %u",
					     e->version, ENA_MAX_QUEUES_EXT_VERSION);
		q->max_tx_sq_num = e->max_tx_sq_num;
		q->max_tx_cq_num = e->max_tx_cq_num;
		q->max_rx_sq_num = e->max_rx_sq_num;
		q->max_rx_cq_num = e->max_rx_cq_num;
		q->max_tx_sq_depth = e->max_tx_sq_depth;
		q->max_tx_cq_depth = e->max_tx_cq_depth;
		q->max_rx_sq_depth = e->max_rx_sq_depth;
		q->max_rx_cq_depth = e->max_rx_cq_depth;
		q->max_tx_header_size = e->max_tx_header_size;
		q->max_per_packet_tx_descs = e->max_per_packet_tx_descs;
		q->max_per_packet_rx_descs = e->max_per_packet_rx_descs;
	} else {
		const struct ena_feat_max_queues *m = &resp.u.max_queues;

		r = ena_get_feature(dev, ENA_FEAT_MAX_QUEUES_NUM, 0, 0, 0, &resp);
		if (r < 0)
			return r;
		q->max_tx_sq_num = q->max_rx_sq_num = m->max_sq_num;
		q->max_tx_cq_num = q->max_rx_cq_num = m->max_cq_num;
		q->max_tx_sq_depth = q->max_rx_sq_depth = m->max_sq_depth;
		q->max_tx_cq_depth = q->max_rx_cq_depth = m->max_cq_depth;
		q->max_tx_header_size = m->max_header_size;
		q->max_per_packet_tx_descs = m->max_packet_tx_descs;
		q->max_per_packet_rx_descs = m->max_packet_rx_descs;
	}
	return check_queue_limits(q);
}

static int get_llq_caps(struct ena_dev *dev)
{
	struct ena_acq_get_feature_resp resp;
	const struct ena_feat_llq *l = &resp.u.llq;
	int r;

	dev->attrs.has_llq = false;
	if (!ena_feature_supported(dev, ENA_FEAT_LLQ))
		return 0;
	r = ena_get_feature(dev, ENA_FEAT_LLQ, ENA_LLQ_FEATURE_VERSION_1, 0, 0, &resp);
	if (r < 0)
		return r;
	if (l->max_llq_num > 1024 || l->max_llq_depth > MAX_SANE_DEPTH)
		return ena_error_set(-EPROTO, "device LLQ limits num %u depth %u wide %u out of range",
				     l->max_llq_num, l->max_llq_depth, l->max_wide_llq_depth);
	dev->attrs.llq = *l;
	dev->attrs.has_llq = true;
	return 0;
}

static int get_rss_caps(struct ena_dev *dev)
{
	struct ena_acq_get_feature_resp resp;
	const struct ena_feat_rss_ind_table *t = &resp.u.ind_table;
	size_t need;
	int r;

	dev->attrs.rss_ind_table_min_log = dev->attrs.rss_ind_table_max_log = 0;
	if (!ena_feature_supported(dev, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG))
		return 0;
	r = ena_get_feature(dev, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, ENA_RSS_FEATURE_VERSION_1, 0,
			    0, &resp);
	if (r < 0)
		return r;
	/* The Linux driver disables RSS rather than trust a table above 2^16. */
	if (t->max_size > ENA_RSS_IND_TABLE_LOG_MAX || t->min_size > t->max_size)
		return ena_error_set(-EPROTO, "device RSS table sizes 2^%u..2^%u out of range",
				     t->min_size, t->max_size);
	dev->attrs.rss_ind_table_min_log = t->min_size;
	dev->attrs.rss_ind_table_max_log = t->max_size;
	need = ((size_t)1 << t->max_size) * sizeof(struct ena_rss_ind_entry);
	if (need > dev->ctrl.size) {
		ena_dma_free(&dev->ctrl);
		r = ena_dma_alloc(dev->bus, need, dev->numa_node, &dev->ctrl);
		if (r < 0)
			return r;
	}
	return 0;
}

static int get_optional_features(struct ena_dev *dev)
{
	struct ena_acq_get_feature_resp resp;
	int r;

	r = ena_get_feature(dev, ENA_FEAT_AENQ_CONFIG, 0, 0, 0, &resp);
	if (r < 0)
		return r;
	dev->attrs.aenq = resp.u.aenq;

	r = ena_get_feature(dev, ENA_FEAT_STATELESS_OFFLOAD_CONFIG, 0, 0, 0, &resp);
	if (r < 0)
		return r;
	dev->attrs.offload = resp.u.offload;

	dev->attrs.has_hw_hints = false;
	if (ena_feature_supported(dev, ENA_FEAT_HW_HINTS)) {
		r = ena_get_feature(dev, ENA_FEAT_HW_HINTS, 0, 0, 0, &resp);
		if (r == 0)
			ena_apply_hints(dev, &resp.u.hw_hints);
		else if (r != -EOPNOTSUPP)
			return r;
	}
	r = get_llq_caps(dev);
	if (r < 0)
		return r;
	r = ena_stats_query_customer_metrics(dev, &dev->attrs.customer_metrics_mask);
	if (r < 0)
		return r;

	dev->attrs.intr_delay_resolution = 1;
	if (ena_feature_supported(dev, ENA_FEAT_INTERRUPT_MODERATION)) {
		r = ena_get_feature(dev, ENA_FEAT_INTERRUPT_MODERATION, 0, 0, 0, &resp);
		if (r < 0)
			return r;
		if (resp.u.intr_moder.intr_delay_resolution)
			dev->attrs.intr_delay_resolution = resp.u.intr_moder.intr_delay_resolution;
	}
	dev->attrs.has_link_config = false;
	if (ena_feature_supported(dev, ENA_FEAT_LINK_CONFIG)) {
		r = ena_get_feature(dev, ENA_FEAT_LINK_CONFIG, 0, 0, 0, &resp);
		if (r < 0)
			return r;
		dev->attrs.link = resp.u.link;
		dev->attrs.has_link_config = true;
	}
	return get_rss_caps(dev);
}

static int read_caps(struct ena_dev *dev)
{
	uint32_t sts, caps, ver, ctrl;
	int r;

	r = ena_reg_read(dev, ENA_REG_DEV_STS, &sts);
	if (r < 0)
		return r;
	if (!(sts & ENA_DEV_STS_READY))
		return ena_error_set(-EBUSY, "device isn't ready (DEV_STS %#x), can't reset", sts);
	r = ena_reg_read(dev, ENA_REG_CAPS, &caps);
	if (r < 0)
		return r;
	dev->attrs.reset_timeout_ms =
		((caps & ENA_CAPS_RESET_TIMEOUT_MASK) >> ENA_CAPS_RESET_TIMEOUT_SHIFT) * 100;
	if (!dev->attrs.reset_timeout_ms)
		return ena_error_set(-EPROTO, "device CAPS %#x has reset timeout 0", caps);
	dev->attrs.dma_width = (caps & ENA_CAPS_DMA_ADDR_WIDTH_MASK) >> ENA_CAPS_DMA_ADDR_WIDTH_SHIFT;
	dev->admin_timeout_caps_us =
		((caps & ENA_CAPS_ADMIN_CMD_TO_MASK) >> ENA_CAPS_ADMIN_CMD_TO_SHIFT) * 100000u;
	if (!dev->admin_timeout_caps_us)
		dev->admin_timeout_caps_us = ENA_ADMIN_TIMEOUT_DEFAULT_US;

	r = ena_reg_read(dev, ENA_REG_VERSION, &ver);
	if (r == 0)
		r = ena_reg_read(dev, ENA_REG_CONTROLLER_VERSION, &ctrl);
	if (r < 0)
		return r;
	dev->attrs.version = ver;
	dev->attrs.controller_version = ctrl;
	return 0;
}

static int check_versions(struct ena_dev *dev)
{
	uint32_t ctrl = dev->attrs.controller_version & ~ENA_CTRL_VERSION_IMPL_ID_MASK;
	int r;

	if (ctrl < ENA_CTRL_VERSION_MIN)
		return ena_error_set(-EPROTO, "controller version %#x is older than 0.0.1", ctrl);
	r = check_range("DMA address width", dev->attrs.dma_width, ENA_DMA_ADDR_WIDTH_MIN,
			ENA_DMA_ADDR_WIDTH_MAX);
	return r;
}

static int setup_admin_irq(struct ena_dev *dev)
{
	int r;

	if (dev->admin_polling)
		return 0;
	if (dev->attrs.msix_vectors < 1)
		return ena_error_set(-ENODEV, "device has no MSI-X vector for the admin queue");
	if (dev->admin_irq_fd < 0) {
		dev->admin_irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->admin_irq_fd < 0)
			return ena_error_set(-errno, "admin eventfd: %m");
	}
	r = ena_bus_irq_set(dev->bus, 0, 1, &dev->admin_irq_fd);
	if (r < 0)
		return ena_error_set(r, "assign MSI-X vector 0: %s", strerror(-r));
	r = ena_reg_write(dev, ENA_REG_INTR_MASK, 0);
	if (r == 0)
		dev->admin_irq_enabled = true;
	return r;
}

int ena_dev_init(struct ena_dev *dev, const struct ena_dev_params *params)
{
	static const struct ena_dev_params defaults = { .numa_node = -1 };
	const struct ena_dev_params *p = params ? params : &defaults;
	uint32_t groups;
	int r;

	if (dev->initialized)
		return -EALREADY;
	dev->numa_node = p->numa_node;
	dev->admin_polling = p->admin_polling;
	dev->admin_irq_enabled = false; /* bring-up polls */
	dev->mmio_timeout_us = ENA_MMIO_READ_TIMEOUT_DEFAULT_US;

	r = ena_mmio_setup(dev);
	if (r < 0)
		return r;
	r = read_caps(dev);
	if (r < 0)
		return r;
	/* capabilities are unknown before DEVICE_ATTRIBUTES: 4-bit reason only */
	r = ena_mmio_reset(dev, ENA_RESET_NORMAL, dev->attrs.reset_timeout_ms, false);
	if (r < 0)
		return r;
	r = check_versions(dev);
	if (r < 0)
		return r;
	dev->admin_timeout_us = dev->admin_timeout_caps_us;

	if (!dev->ctrl.va) {
		r = ena_dma_alloc(dev->bus, CTRL_BUF_MIN, dev->numa_node, &dev->ctrl);
		if (r < 0)
			return ena_error_set(r, "control buffer: %s", strerror(-r));
	}
	r = ena_admin_setup(dev);
	if (r < 0)
		return r;
	r = ena_aenq_setup(dev);
	if (r < 0)
		return r;
	/* Poll during bring-up, as the reference drivers do. */
	r = ena_reg_write(dev, ENA_REG_INTR_MASK, ENA_INTR_MASK_ADMIN);
	if (r < 0)
		return r;

	/* Host info goes first and its failure is tolerated (older devices). */
	set_host_info(dev, &p->host);
	r = get_dev_attr(dev);
	if (r < 0)
		return r;
	r = get_queue_limits(dev);
	if (r < 0)
		return r;
	r = get_optional_features(dev);
	if (r < 0)
		return r;

	groups = (p->aenq_groups ? p->aenq_groups : ENA_AENQ_GROUPS_DEFAULT) &
		 dev->attrs.aenq.supported_groups;
	r = ena_dev_set_aenq_groups(dev, groups);
	if (r < 0)
		return r;

	r = setup_admin_irq(dev);
	if (r < 0)
		return r;
	/* All AENQ entries are free: the device may now post events. */
	r = ena_reg_write(dev, ENA_REG_AENQ_HEAD_DB, dev->aenq_head);
	if (r < 0)
		return r;
	dev->initialized = true;
	return 0;
}

int ena_dev_reset(struct ena_dev *dev, enum ena_reset_reason reason)
{
	bool ext = dev->attrs.capabilities & (1u << ENA_CAP_EXTENDED_RESET_REASONS);
	uint32_t timeout = dev->attrs.reset_timeout_ms ? dev->attrs.reset_timeout_ms : 1000;
	int r;

	pthread_mutex_lock(&dev->admin_lock);
	ena_admin_abort(dev);
	pthread_mutex_unlock(&dev->admin_lock);
	if (dev->admin_irq_fd >= 0)
		ena_bus_irq_set(dev->bus, 0, 1, NULL);
	dev->admin_irq_enabled = false;
	dev->initialized = false;
	r = ena_mmio_reset(dev, reason, timeout, ext);
	return r;
}

void ena_dev_close(struct ena_dev *dev)
{
	if (!dev)
		return;
	/* Stop the device's DMA before its memory goes away. */
	if (dev->initialized)
		ena_dev_reset(dev, ENA_RESET_SHUTDOWN);
	ena_mmio_teardown(dev);
	ena_admin_teardown(dev);
	ena_aenq_teardown(dev);
	ena_dma_free(&dev->host_info);
	ena_dma_free(&dev->ctrl);
	if (dev->admin_irq_fd >= 0)
		close(dev->admin_irq_fd);
	ena_bus_close(dev->bus);
	pthread_mutex_destroy(&dev->admin_lock);
	free(dev);
}

const struct ena_dev_attrs *ena_dev_attrs(const struct ena_dev *dev)
{
	return &dev->attrs;
}

void ena_dev_set_aenq_handlers(struct ena_dev *dev, const struct ena_aenq_handlers *h, void *ctx)
{
	pthread_mutex_lock(&dev->admin_lock);
	if (h)
		dev->handlers = *h;
	else
		memset(&dev->handlers, 0, sizeof(dev->handlers));
	dev->handlers_ctx = ctx;
	pthread_mutex_unlock(&dev->admin_lock);
}

int ena_dev_admin_irq_fd(const struct ena_dev *dev)
{
	return dev->admin_polling ? -1 : dev->admin_irq_fd;
}

int ena_dev_handle_admin_irq(struct ena_dev *dev)
{
	uint64_t v;
	int r;

	pthread_mutex_lock(&dev->admin_lock);
	if (dev->admin_irq_fd >= 0)
		(void)!read(dev->admin_irq_fd, &v, sizeof(v));
	/* No command is outstanding here, so any completion is a stray one. */
	r = dev->admin_running ? ena_admin_process_acq(dev) : 0;
	if (r >= 0)
		r = ena_aenq_process(dev);
	pthread_mutex_unlock(&dev->admin_lock);
	return r;
}

int ena_dev_read_status(struct ena_dev *dev, uint32_t *ret)
{
	int r;

	pthread_mutex_lock(&dev->admin_lock);
	r = ena_reg_read(dev, ENA_REG_DEV_STS, ret);
	pthread_mutex_unlock(&dev->admin_lock);
	return r;
}

bool ena_dev_admin_failed(const struct ena_dev *dev, enum ena_reset_reason *ret_reason)
{
	if (dev->admin_running || !dev->initialized)
		return false;
	if (ret_reason)
		*ret_reason = dev->admin_fail_reason;
	return true;
}

void ena_dev_admin_stats(const struct ena_dev *dev, struct ena_admin_stats *ret)
{
	*ret = dev->stats;
}

uint32_t ena_dev_admin_timeout_us(const struct ena_dev *dev)
{
	return dev->admin_timeout_us;
}

int ena_dev_dma_alloc(struct ena_dev *dev, size_t size, int numa_node, struct ena_dma_mem *ret)
{
	return ena_dma_alloc(dev->bus, size, numa_node, ret);
}

void ena_dev_dma_free(struct ena_dma_mem *mem)
{
	ena_dma_free(mem);
}
