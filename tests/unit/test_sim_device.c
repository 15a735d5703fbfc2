/* SPDX-License-Identifier: MIT */
/* enasim device model tests: registers, readless, reset, admin engine,
 * AENQ, ctl verbs and options, driven directly with fake DMA memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "admin.h"
#include "aenq.h"
#include "ctl.h"
#include "device.h"
#include "ena/io.h"
#include "options.h"

/* ---- fake DMA memory and transport ---- */

#define DMA_BASE 0x12340000000ull /* above 4 GiB: exercises the high words */
#define DMA_SIZE (2u << 20)

#define OFF_RESP 0x0000u
#define OFF_AQ 0x1000u
#define OFF_ACQ 0x2000u
#define OFF_AENQ 0x3000u
#define OFF_HOST 0x4000u
#define OFF_BUF 0x6000u
#define OFF_CQ 0x10000u  /* CQ rings: 0x10000 + idx * 0x8000 */
#define OFF_SQ 0x100000u /* SQ rings: 0x100000 + idx * 0x8000 */

struct t {
	struct sim_device *dev;
	uint8_t *mem;
	unsigned int irqs[SIM_MAX_VECTORS];
	uint64_t now;
	unsigned int scheduled;
	uint16_t seq;
	uint16_t aq_tail, acq_head, cmd_id;
	uint16_t aenq_head; /* next AENQ entry the "driver" reads */
	char logbuf[256];
};

static void *fake_dma(void *ctx, uint64_t iova, size_t len, bool write)
{
	struct t *t = ctx;

	if (iova < DMA_BASE || iova + len > DMA_BASE + DMA_SIZE)
		return NULL;
	return t->mem + (iova - DMA_BASE);
}

static int fake_irq(void *ctx, unsigned int vector)
{
	struct t *t = ctx;

	t->irqs[vector]++;
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct t *)ctx)->now;
}

static void fake_schedule(void *ctx, uint64_t delay_ms)
{
	((struct t *)ctx)->scheduled++;
}

static void fake_log(void *ctx, const char *msg)
{
	struct t *t = ctx;

	snprintf(t->logbuf, sizeof(t->logbuf), "%s", msg);
}

static const struct sim_device_ops fake_ops = {
	.dma = fake_dma,
	.irq = fake_irq,
	.now_ms = fake_now,
	.schedule = fake_schedule,
	.log = fake_log,
};

static struct t *t_new(const struct sim_profile *p)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sim_profile def;

	assert_non_null(t);
	t->mem = calloc(1, DMA_SIZE);
	assert_non_null(t->mem);
	t->now = 1000;
	if (!p) {
		sim_profile_init_default(&def);
		p = &def;
	}
	assert_int_equal(sim_device_create(p, &fake_ops, t, &t->dev), 0);
	return t;
}

static void t_free(struct t *t)
{
	sim_device_destroy(t->dev);
	free(t->mem);
	free(t);
}

static int teardown(void **state)
{
	if (*state)
		t_free(*state);
	return 0;
}

static void *mem(struct t *t, uint32_t off)
{
	return t->mem + off;
}

static void wr(struct t *t, uint32_t off, uint32_t v)
{
	assert_int_equal(sim_device_region_write(t->dev, ENA_REG_BAR, off, &v, 4), 0);
}

static uint32_t rd(struct t *t, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(sim_device_region_read(t->dev, ENA_REG_BAR, off, &v, 4), 0);
	return v;
}

static void set_resp_addr(struct t *t)
{
	wr(t, ENA_REG_MMIO_RESP_LO, (uint32_t)(DMA_BASE + OFF_RESP));
	wr(t, ENA_REG_MMIO_RESP_HI, (uint32_t)((DMA_BASE + OFF_RESP) >> 32));
}

/* A readless read as ena_com does it; returns 0xFFFFFFFF on no answer. */
static uint32_t readless(struct t *t, uint16_t off)
{
	struct ena_mmio_read_resp *r = mem(t, OFF_RESP);

	t->seq++;
	r->req_id = (uint16_t)(t->seq + 0xDEAD);
	wr(t, ENA_REG_MMIO_REG_READ, ((uint32_t)off << 16) | t->seq);
	if (r->req_id != t->seq || r->reg_off != off)
		return ENA_MMIO_READ_TIMEOUT;
	return r->reg_val;
}

/* Submit one admin command (copying only @len bytes, like ena_com) and
 * collect its completion; fails the test when no completion appears. */
static uint8_t admin_n(struct t *t, const void *cmd, size_t len, void *resp, size_t resp_len)
{
	uint8_t *slot = mem(t, OFF_AQ + (t->aq_tail & 31) * 64);
	struct ena_acq_entry *c = mem(t, OFF_ACQ + (t->acq_head & 31) * 64);
	uint8_t phase = (t->aq_tail / 32) & 1 ? 0 : 1;
	uint8_t cphase = (t->acq_head / 32) & 1 ? 0 : 1;
	struct ena_aq_common *common = (struct ena_aq_common *)slot;

	memcpy(slot, cmd, len);
	common->command_id = t->cmd_id;
	common->flags = (uint8_t)((common->flags & ~ENA_AQ_FLAGS_PHASE) | phase);
	t->aq_tail++;
	wr(t, ENA_REG_AQ_DB, t->aq_tail);
	assert_int_equal(c->common.flags & ENA_ACQ_FLAGS_PHASE, cphase);
	assert_int_equal(c->common.command, t->cmd_id);
	assert_int_equal(c->common.sq_head_indx, t->aq_tail);
	if (resp)
		memcpy(resp, c, resp_len);
	t->acq_head++;
	t->cmd_id = (t->cmd_id + 1) & 31;
	return c->common.status;
}

/* Completion copied whole (64 bytes) into @resp. */
static uint8_t admin(struct t *t, const void *cmd, size_t len, void *resp)
{
	return admin_n(t, cmd, len, resp, 64);
}

static uint8_t get_feature(struct t *t, unsigned int fid, unsigned int ver, uint32_t buf_len,
			   struct ena_acq_get_feature_resp *resp)
{
	struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };

	cmd.feat_common.feature_id = (uint8_t)fid;
	cmd.feat_common.feature_version = (uint8_t)ver;
	if (buf_len) {
		cmd.common.flags = ENA_AQ_FLAGS_CTRL_DATA_INDIRECT;
		cmd.control_buffer.length = buf_len;
		ena_mem_addr_set(&cmd.control_buffer.address, DMA_BASE + OFF_BUF);
	}
	return admin(t, &cmd, sizeof(cmd), resp);
}

/* SET_FEATURE with @payload at byte 20; optional control buffer. */
static uint8_t set_feature(struct t *t, unsigned int fid, const void *payload, size_t plen,
			   uint32_t buf_len)
{
	struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_SET_FEATURE };

	cmd.feat_common.feature_id = (uint8_t)fid;
	if (plen)
		memcpy(&cmd.u, payload, plen);
	if (buf_len) {
		cmd.common.flags = ENA_AQ_FLAGS_CTRL_DATA_INDIRECT;
		cmd.control_buffer.length = buf_len;
		ena_mem_addr_set(&cmd.control_buffer.address, DMA_BASE + OFF_BUF);
	}
	return admin(t, &cmd, sizeof(cmd), NULL);
}

static uint8_t create_cq(struct t *t, unsigned int words, unsigned int depth, uint32_t vector,
			 unsigned int ring, struct ena_acq_create_cq_resp *resp)
{
	struct ena_aq_create_cq cmd = { .common.opcode = ENA_ADMIN_CREATE_CQ };

	cmd.cq_caps_1 = ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED;
	cmd.cq_caps_2 = (uint8_t)words;
	cmd.cq_depth = (uint16_t)depth;
	cmd.msix_vector = vector;
	ena_mem_addr_set(&cmd.cq_ba, DMA_BASE + OFF_CQ + ring * 0x8000u);
	return admin_n(t, &cmd, sizeof(cmd), resp, sizeof(*resp));
}

static uint8_t create_sq(struct t *t, unsigned int dir, unsigned int placement, unsigned int depth,
			 uint16_t cq_idx, unsigned int ring, struct ena_acq_create_sq_resp *resp)
{
	struct ena_aq_create_sq cmd = { .common.opcode = ENA_ADMIN_CREATE_SQ };

	cmd.sq_identity = (uint8_t)(dir << ENA_SQ_IDENTITY_DIRECTION_SHIFT);
	cmd.sq_caps_2 = (uint8_t)placement;
	cmd.sq_caps_3 = ENA_SQ_CAPS3_PHYS_CONTIGUOUS;
	cmd.cq_idx = cq_idx;
	cmd.sq_depth = (uint16_t)depth;
	if (placement == ENA_PLACEMENT_HOST)
		ena_mem_addr_set(&cmd.sq_ba, DMA_BASE + OFF_SQ + ring * 0x8000u);
	return admin_n(t, &cmd, sizeof(cmd), resp, sizeof(*resp));
}

static uint8_t destroy_sq(struct t *t, unsigned int dir, uint16_t idx)
{
	struct ena_aq_destroy_sq cmd = { .common.opcode = ENA_ADMIN_DESTROY_SQ };

	cmd.sq_idx = idx;
	cmd.sq_identity = (uint8_t)(dir << ENA_SQ_IDENTITY_DIRECTION_SHIFT);
	return admin(t, &cmd, sizeof(cmd), NULL);
}

static uint8_t destroy_cq(struct t *t, uint16_t idx)
{
	struct ena_aq_destroy_cq cmd = { .common.opcode = ENA_ADMIN_DESTROY_CQ };

	cmd.cq_idx = idx;
	return admin(t, &cmd, sizeof(cmd), NULL);
}

static void dev_reset(struct t *t, unsigned int reason, bool ext)
{
	uint32_t ctl = ENA_DEV_CTL_DEV_RESET | ((reason & 0xf) << ENA_DEV_CTL_RESET_REASON_SHIFT);

	if (ext)
		ctl |= ((reason >> 4) & 0xf) << ENA_DEV_CTL_RESET_REASON_EXT_SHIFT;
	assert_true(readless(t, ENA_REG_DEV_STS) & ENA_DEV_STS_READY);
	assert_int_not_equal((readless(t, ENA_REG_CAPS) & ENA_CAPS_RESET_TIMEOUT_MASK), 0);
	wr(t, ENA_REG_DEV_CTL, ctl);
	set_resp_addr(t);
	assert_true(readless(t, ENA_REG_DEV_STS) & ENA_DEV_STS_RESET_IN_PROGRESS);
	wr(t, ENA_REG_DEV_CTL, 0);
	assert_false(readless(t, ENA_REG_DEV_STS) & ENA_DEV_STS_RESET_IN_PROGRESS);
}

/* ENA-DEVICE.md 5.1 steps 7: admin init registers, in the driver's order. */
static void admin_init(struct t *t)
{
	assert_true(readless(t, ENA_REG_DEV_STS) & ENA_DEV_STS_READY);
	wr(t, ENA_REG_AQ_BASE_LO, (uint32_t)(DMA_BASE + OFF_AQ));
	wr(t, ENA_REG_AQ_BASE_HI, (uint32_t)((DMA_BASE + OFF_AQ) >> 32));
	wr(t, ENA_REG_ACQ_BASE_LO, (uint32_t)(DMA_BASE + OFF_ACQ));
	wr(t, ENA_REG_ACQ_BASE_HI, (uint32_t)((DMA_BASE + OFF_ACQ) >> 32));
	wr(t, ENA_REG_AQ_CAPS, 32 | (64u << 16));
	wr(t, ENA_REG_ACQ_CAPS, 32 | (64u << 16));
	wr(t, ENA_REG_AENQ_BASE_LO, (uint32_t)(DMA_BASE + OFF_AENQ));
	wr(t, ENA_REG_AENQ_BASE_HI, (uint32_t)((DMA_BASE + OFF_AENQ) >> 32));
	wr(t, ENA_REG_AENQ_CAPS, 16 | (64u << 16));
	memset(mem(t, OFF_AQ), 0, 0x3000 + 16 * 64);
	t->aq_tail = t->acq_head = t->cmd_id = t->aenq_head = 0;
}

static void fill_host_info(struct t *t)
{
	struct ena_host_info *h = mem(t, OFF_HOST);

	memset(h, 0, sizeof(*h));
	h->os_type = ENA_OS_LINUX;
	strcpy((char *)h->os_dist_str, "Debian 12");
	strcpy((char *)h->kernel_ver_str, "6.1.0-enad");
	h->driver_version = 0x00010002; /* 2.0.1 */
	h->ena_spec_version = ENA_SPEC_VERSION;
	h->bdf = (0x3 << 8) | (0x6 << 3) | 1;
	h->num_cpus = 4;
	h->driver_supported_features = 0x12;
}

static uint8_t set_host_attr(struct t *t, uint64_t os_ba)
{
	struct ena_feat_host_attr ha;

	memset(&ha, 0, sizeof(ha));
	ena_mem_addr_set(&ha.os_info_ba, os_ba);
	return set_feature(t, ENA_FEAT_HOST_ATTR_CONFIG, &ha, sizeof(ha), 0);
}

static uint8_t set_llq(struct t *t, uint16_t entry_size)
{
	struct ena_feat_llq llq;

	memset(&llq, 0, sizeof(llq));
	llq.header_location_ctrl_enabled = ENA_LLQ_HEADER_INLINE;
	llq.entry_size_ctrl_enabled = entry_size;
	llq.desc_num_before_header_enabled = ENA_LLQ_DESCS_BEFORE_HEADER_2;
	llq.descriptors_stride_ctrl_enabled = ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY;
	llq.accel_mode.set.enabled_flags = 0x3; /* what drivers always send */
	return set_feature(t, ENA_FEAT_LLQ, &llq, sizeof(llq), 0);
}

static uint8_t set_aenq_groups(struct t *t, uint32_t groups)
{
	struct ena_feat_aenq a = { .enabled_groups = groups };

	return set_feature(t, ENA_FEAT_AENQ_CONFIG, &a, sizeof(a), 0);
}

/* The next AENQ entry, or NULL when its phase says it is not there. */
static struct ena_aenq_entry *aenq_next(struct t *t)
{
	struct ena_aenq_entry *e = mem(t, OFF_AENQ + (t->aenq_head & 15) * 64);
	uint8_t phase = (t->aenq_head / 16) & 1 ? 0 : 1;

	if ((e->common.flags & ENA_AENQ_FLAGS_PHASE) != phase)
		return NULL;
	t->aenq_head++;
	return e;
}

/* The whole Linux probe (ENA-DEVICE.md 5.1 steps 2-22). */
static void probe_linux(struct t *t)
{
	struct ena_acq_get_feature_resp r;
	struct ena_acq_get_stats_resp s;
	struct ena_aq_get_stats st = { .common.opcode = ENA_ADMIN_GET_STATS };
	uint8_t cfg[SIM_CONFIG_SIZE];
	uint16_t cmd = 0x6;
	uint32_t caps;

	/* 1: PCI mem + bus master; 3: revision bit 0 */
	assert_int_equal(sim_device_region_write(t->dev, VFU_CONFIG_REGION, 4, &cmd, 2), 0);
	assert_int_equal(sim_device_region_read(t->dev, VFU_CONFIG_REGION, 0, cfg, sizeof(cfg)), 0);
	assert_int_equal(cfg[8] & 1, 0);
	/* 2 readless init, 4 reset NORMAL */
	set_resp_addr(t);
	dev_reset(t, ENA_RESET_NORMAL, false);
	/* 5 versions, 6 DMA width */
	assert_int_equal(readless(t, ENA_REG_VERSION), SIM_VERSION);
	assert_true((readless(t, ENA_REG_CONTROLLER_VERSION) & 0xffffff) >= ENA_CTRL_VERSION_MIN);
	caps = readless(t, ENA_REG_CAPS);
	assert_int_equal(caps, 0x00003014);
	/* 7 admin init, 8 polling mode */
	admin_init(t);
	wr(t, ENA_REG_INTR_MASK, ENA_INTR_MASK_ADMIN);
	/* 9 host info before DEVICE_ATTRIBUTES */
	fill_host_info(t);
	assert_int_equal(set_host_attr(t, DMA_BASE + OFF_HOST), ENA_ADMIN_SUCCESS);
	/* 10 */
	assert_int_equal(get_feature(t, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, &r), 0);
	assert_int_equal(r.u.dev_attr.supported_features, SIM_DEFAULT_SUPPORTED_FEATURES);
	assert_int_equal(r.u.dev_attr.capabilities, SIM_DEFAULT_CAPABILITIES);
	assert_int_equal(r.u.dev_attr.phys_addr_width, 48);
	assert_int_equal(r.u.dev_attr.max_mtu, 9216);
	assert_memory_equal(r.u.dev_attr.mac_addr, "\x02\x00\x00\xee\x00\x01", 6);
	/* 11 */
	assert_int_equal(get_feature(t, ENA_FEAT_MAX_QUEUES_EXT, 1, 0, &r), 0);
	assert_int_equal(r.u.max_queues_ext.version, 1);
	assert_int_equal(r.u.max_queues_ext.max_tx_sq_num, 8);
	assert_int_equal(r.u.max_queues_ext.max_rx_cq_depth, 16384);
	assert_int_equal(r.u.max_queues_ext.max_tx_sq_depth, 1024);
	assert_int_equal(r.u.max_queues_ext.max_per_packet_tx_descs, 19);
	/* 12, 13, 14, 15 */
	assert_int_equal(get_feature(t, ENA_FEAT_AENQ_CONFIG, 0, 0, &r), 0);
	assert_int_equal(r.u.aenq.supported_groups, 0xFF);
	assert_int_equal(get_feature(t, ENA_FEAT_STATELESS_OFFLOAD_CONFIG, 0, 0, &r), 0);
	assert_int_equal(r.u.offload.tx, 0xFF);
	assert_int_equal(r.u.offload.rx_supported, 0xF);
	assert_int_equal(get_feature(t, ENA_FEAT_HW_HINTS, 0, 0, &r), 0);
	assert_int_equal(get_feature(t, ENA_FEAT_LLQ, 1, 0, &r), 0);
	assert_int_equal(r.u.llq.max_llq_num, 8);
	assert_int_equal(r.u.llq.max_llq_depth, 1024);
	assert_int_equal(r.u.llq.entry_size_ctrl_supported, 0x5);
	assert_int_equal(r.u.llq.entry_size_recommended, 1);
	assert_int_equal(r.u.llq.feature_version, 1);
	/* 16 customer metrics support query, no buffer */
	st.type = ENA_STATS_CUSTOMER_METRICS;
	st.requested_metrics = 0x3F;
	assert_int_equal(admin(t, &st, sizeof(st), &s), 0);
	assert_int_equal(s.u.reported_metrics, 0x3F);
	/* 17 AENQ groups */
	assert_int_equal(get_feature(t, ENA_FEAT_AENQ_CONFIG, 0, 0, &r), 0);
	assert_int_equal(set_aenq_groups(t, 0xDF & r.u.aenq.supported_groups), 0);
	/* 18 LLQ */
	assert_int_equal(set_llq(t, ENA_LLQ_ENTRY_SIZE_128B), 0);
	/* 21 */
	assert_int_equal(get_feature(t, ENA_FEAT_INTERRUPT_MODERATION, 0, 0, &r), 0);
	assert_int_equal(r.u.intr_moder.intr_delay_resolution, 1);
	/* nothing in the AENQ before the first head write */
	assert_null(aenq_next(t));
	/* 22 */
	wr(t, ENA_REG_INTR_MASK, 0);
	wr(t, ENA_REG_AENQ_HEAD_DB, 16);
}

static struct json_object *ctl(struct t *t, const char *line)
{
	char *reply = sim_ctl_execute_line(t->dev, line);
	struct json_object *o;

	assert_non_null(reply);
	o = json_tokener_parse(reply);
	assert_non_null(o);
	free(reply);
	return o;
}

static bool ctl_ok(struct t *t, const char *line)
{
	struct json_object *o = ctl(t, line), *ok;
	bool r;

	assert_true(json_object_object_get_ex(o, "ok", &ok));
	r = json_object_get_boolean(ok);
	json_object_put(o);
	return r;
}

static const char *ctl_error(struct t *t, const char *line, char *buf, size_t n)
{
	struct json_object *o = ctl(t, line), *e;

	buf[0] = '\0';
	if (json_object_object_get_ex(o, "error", &e))
		snprintf(buf, n, "%s", json_object_get_string(e));
	json_object_put(o);
	return buf;
}

/* ---- tests ---- */

static void test_config_space(void **state)
{
	struct sim_profile p;
	struct t *t;
	uint8_t c[SIM_CONFIG_SIZE], junk[SIM_CONFIG_SIZE];
	uint16_t v16;
	uint32_t v32;

	sim_profile_init_default(&p);
	p.readless = false;
	p.queues = 4;
	t = *state = t_new(&p);
	assert_int_equal(sim_device_region_read(t->dev, VFU_CONFIG_REGION, 0, c, sizeof(c)), 0);
	memcpy(&v16, c, 2);
	assert_int_equal(v16, 0x1d0f);
	memcpy(&v16, c + 2, 2);
	assert_int_equal(v16, 0xec20);
	assert_int_equal(c[8] & 1, 1); /* readless off */
	assert_int_equal(c[0x0b], 0x02);
	assert_int_equal(c[0x0a], 0x00);
	assert_int_equal(c[0x09], 0x00);
	assert_true(c[6] & 0x10);
	memcpy(&v32, c + 0x10, 4);
	assert_int_equal(v32, 0);
	memcpy(&v32, c + 0x18, 4);
	assert_int_equal(v32, 0xC);
	memcpy(&v32, c + 0x1c, 4);
	assert_int_equal(v32, 0);
	assert_int_equal(c[0x34], 0x40);
	assert_int_equal(c[0x40], 0x11);
	memcpy(&v16, c + 0x42, 2);
	assert_int_equal(v16 & 0x7ff, 4); /* 5 vectors */
	memcpy(&v32, c + 0x44, 4);
	assert_int_equal(v32, 0x2000);
	memcpy(&v32, c + 0x48, 4);
	assert_int_equal(v32, 0x4000);

	/* writes to read-only bits succeed and change nothing */
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(sim_device_region_write(t->dev, VFU_CONFIG_REGION, 0, junk, sizeof(junk)), 0);
	assert_int_equal(sim_device_region_read(t->dev, VFU_CONFIG_REGION, 0, junk, sizeof(junk)), 0);
	memcpy(&v16, junk + 4, 2);
	assert_int_equal(v16, 0x6); /* memory + bus master stored */
	memcpy(&v16, junk + 0x42, 2);
	assert_int_equal(v16, 0xC004);
	junk[4] = c[4];
	junk[5] = c[5];
	junk[0x43] = c[0x43];
	assert_memory_equal(junk, c, sizeof(c));
	assert_int_not_equal(sim_device_region_read(t->dev, VFU_CONFIG_REGION, 250, c, 8), 0);
}

static void test_regions(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct vfu_region r;
	struct vfu_ioeventfd fds[VFU_MAX_IOEVENTFDS];
	unsigned int n;

	assert_int_equal(sim_device_region(t->dev, 0, &r), 0);
	assert_int_equal(r.size, 0x10000);
	assert_true(r.flags & VFU_REGION_MMAP);
	assert_true(r.fd >= 0);
	assert_int_equal(r.nr_areas, 1);
	assert_int_equal(r.areas[0].offset, 0x8000);
	assert_int_equal(r.areas[0].size, 0x8000);
	assert_int_equal(sim_device_region(t->dev, 2, &r), 0);
	assert_int_equal(r.size, 8 * 1024 * 256);
	assert_int_equal(sim_device_region(t->dev, 3, &r), 0);
	assert_int_equal(r.size, 0);
	assert_int_equal(sim_device_region(t->dev, 7, &r), 0);
	assert_int_equal(r.size, 256);
	assert_false(r.flags & VFU_REGION_MMAP);
	n = sim_device_ioeventfds(t->dev, fds, VFU_MAX_IOEVENTFDS);
	assert_int_equal(n, 16);
	assert_int_equal(fds[2].offset, 0x8008);
	assert_int_equal(fds[3].offset, 0xA008);
	assert_int_equal(fds[2].fd, fds[3].fd);
	assert_int_equal(fds[2].size, 8);
	/* MSI-X table trapped and stored, PBA reads 0 */
	wr(t, 0x2010, 0x12345678);
	assert_int_equal(rd(t, 0x2010), 0x12345678);
	assert_int_equal(rd(t, 0x4000), 0);
	/* doorbell area goes to the shared memory */
	wr(t, 0x8010, 77);
	assert_int_equal(rd(t, 0x8010), 77);
	t_free(t);
	*state = NULL;

	{
		struct sim_profile p;

		sim_profile_init_default(&p);
		p.llq = false;
		p.queues = 3;
		t = *state = t_new(&p);
		assert_int_equal(sim_device_region(t->dev, 2, &r), 0);
		assert_int_equal(r.size, 0);
		n = sim_device_ioeventfds(t->dev, fds, VFU_MAX_IOEVENTFDS);
		assert_int_equal(n, 6);
	}
}

static void test_probe_and_show(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_aenq_entry *e;
	struct json_object *o, *hi, *v, *rr;
	uint32_t flags;

	probe_linux(t);
	/* link up arrives right after the first head write, on vector 0 */
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_LINK_CHANGE);
	memcpy(&flags, e->data, 4);
	assert_int_equal(flags & 1, 1);
	assert_true(t->irqs[0] >= 1);
	assert_null(aenq_next(t));

	o = ctl(t, "{\"verb\":\"show\"}");
	assert_true(json_object_object_get_ex(o, "host_info", &hi));
	assert_true(json_object_object_get_ex(hi, "os_dist_str", &v));
	assert_string_equal(json_object_get_string(v), "Debian 12");
	assert_true(json_object_object_get_ex(hi, "bdf", &v));
	assert_string_equal(json_object_get_string(v), "03:06.1");
	assert_true(json_object_object_get_ex(hi, "num_cpus", &v));
	assert_int_equal(json_object_get_int(v), 4);
	assert_true(json_object_object_get_ex(o, "reset_reasons", &rr));
	assert_int_equal(json_object_array_length(rr), 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(rr, 0), "name", &v));
	assert_string_equal(json_object_get_string(v), "normal");
	assert_true(json_object_object_get_ex(o, "mac", &v));
	assert_string_equal(json_object_get_string(v), "02:00:00:ee:00:01");
	assert_true(json_object_object_get_ex(o, "llq", &v));
	assert_true(json_object_object_get_ex(v, "entry_size", &v));
	assert_int_equal(json_object_get_int(v), 128);
	json_object_put(o);
}

static void test_readless(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_mmio_read_resp *r = mem(t, OFF_RESP);

	/* no address: nothing written */
	r->req_id = 0x1111;
	wr(t, ENA_REG_MMIO_REG_READ, (ENA_REG_CAPS << 16) | 5);
	assert_int_equal(r->req_id, 0x1111);

	set_resp_addr(t);
	/* direct reads return the same values */
	assert_int_equal(readless(t, ENA_REG_CAPS), rd(t, ENA_REG_CAPS));
	assert_int_equal(readless(t, ENA_REG_VERSION), rd(t, ENA_REG_VERSION));
	assert_int_equal(readless(t, ENA_REG_DEV_STS), rd(t, ENA_REG_DEV_STS));
	assert_int_equal(readless(t, ENA_REG_CONTROLLER_VERSION), rd(t, ENA_REG_CONTROLLER_VERSION));
	assert_int_equal(rd(t, ENA_REG_DEV_STS), ENA_DEV_STS_READY);

	/* reset forgets the address; served again once re-written, during reset */
	wr(t, ENA_REG_DEV_CTL, ENA_DEV_CTL_DEV_RESET);
	assert_int_equal(readless(t, ENA_REG_DEV_STS), ENA_MMIO_READ_TIMEOUT);
	set_resp_addr(t);
	assert_int_equal(readless(t, ENA_REG_DEV_STS),
			 ENA_DEV_STS_READY | ENA_DEV_STS_RESET_IN_PROGRESS);
	wr(t, ENA_REG_DEV_CTL, 0);
	assert_int_equal(readless(t, ENA_REG_DEV_STS), ENA_DEV_STS_READY);

	/* teardown 0/0 stops responses */
	wr(t, ENA_REG_MMIO_RESP_LO, 0);
	wr(t, ENA_REG_MMIO_RESP_HI, 0);
	assert_int_equal(readless(t, ENA_REG_DEV_STS), ENA_MMIO_READ_TIMEOUT);

	/* an unmapped response address is survived */
	wr(t, ENA_REG_MMIO_RESP_LO, 0x1000);
	wr(t, ENA_REG_MMIO_RESP_HI, 0);
	wr(t, ENA_REG_MMIO_REG_READ, (ENA_REG_CAPS << 16) | 9);
	/* misaligned register access is refused, not crashed on */
	{
		uint16_t v = 0;

		assert_int_not_equal(sim_device_region_write(t->dev, 0, 2, &v, 2), 0);
	}
}

static void test_reset_reasons(void **state)
{
	struct t *t = *state = t_new(NULL);
	char expect[] = "normal,device_request,miss_first_interrupt,keep_alive_to";
	struct json_object *o, *rr;
	char got[256] = "";

	set_resp_addr(t);
	dev_reset(t, ENA_RESET_NORMAL, false);
	dev_reset(t, ENA_RESET_DEVICE_REQUEST, true);
	dev_reset(t, ENA_RESET_MISS_FIRST_INTERRUPT, true);
	dev_reset(t, ENA_RESET_KEEP_ALIVE_TO, true);
	assert_int_equal(t->dev->nr_reset_reasons, 4);
	assert_int_equal(t->dev->reset_reasons[1], 19);
	assert_int_equal(t->dev->reset_reasons[2], 20);
	o = ctl(t, "{\"verb\":\"show\"}");
	assert_true(json_object_object_get_ex(o, "reset_reasons", &rr));
	for (size_t i = 0; i < json_object_array_length(rr); i++) {
		struct json_object *n, *v;

		json_object_object_get_ex(json_object_array_get_idx(rr, i), "name", &n);
		json_object_object_get_ex(json_object_array_get_idx(rr, i), "value", &v);
		if (i)
			strcat(got, ",");
		strcat(got, json_object_get_string(n));
		assert_int_equal(json_object_get_int(v), t->dev->reset_reasons[i]);
	}
	assert_string_equal(got, expect);
	json_object_put(o);
	t_free(t);
	*state = NULL;

	/* without EXTENDED_RESET_REASONS only bits 31:28 count */
	{
		struct sim_profile p;

		sim_profile_init_default(&p);
		p.capabilities &= ~(1u << ENA_CAP_EXTENDED_RESET_REASONS);
		t = *state = t_new(&p);
		set_resp_addr(t);
		dev_reset(t, ENA_RESET_DEVICE_REQUEST, true);
		assert_int_equal(t->dev->reset_reasons[0], ENA_RESET_DEVICE_REQUEST & 0xf);
	}
}

static void test_reset_discards(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_create_cq_resp cq;
	struct ena_acq_create_sq_resp sq;
	struct ena_feat_mtu mtu = { 9000 };
	struct ena_aenq_entry *e;

	probe_linux(t);
	assert_non_null(aenq_next(t)); /* link up */
	assert_int_equal(create_cq(t, 2, 1024, 1, 0, &cq), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 1024, cq.cq_idx, 0, &sq), 0);
	assert_int_equal(set_feature(t, ENA_FEAT_MTU, &mtu, sizeof(mtu), 0), 0);
	t->dev->stats.rx_drops = 5;
	assert_int_equal(t->dev->mtu, 9000);

	/* reset without DESTROY commands */
	dev_reset(t, ENA_RESET_MISS_TX_CMPL, true);
	assert_false(t->dev->tx_sq[0].used);
	assert_false(t->dev->cq[0].used);
	assert_false(t->dev->llq.enabled);
	assert_false(t->dev->host.valid);
	assert_int_equal(t->dev->aenq.enabled_groups, 0);
	assert_int_equal(t->dev->mtu, 1500);
	assert_int_equal(t->dev->stats.rx_drops, 0);
	assert_int_equal(t->dev->admin.aq_base, 0);
	assert_int_equal(rd(t, ENA_REG_INTR_MASK), 0);
	assert_int_equal(t->dev->profile.max_mtu, 9216);
	assert_memory_equal(t->dev->profile.mac, "\x02\x00\x00\xee\x00\x01", 6);

	/* re-init: link up again after re-enable + head write */
	memset(mem(t, OFF_AENQ), 0, 16 * 64);
	admin_init(t);
	assert_int_equal(set_aenq_groups(t, 0xDF), 0);
	assert_null(aenq_next(t));
	wr(t, ENA_REG_AENQ_HEAD_DB, 16);
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_LINK_CHANGE);
	/* LLQ placement refused until SET LLQ again */
	assert_int_equal(create_cq(t, 2, 1024, 1, 0, &cq), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 1024, cq.cq_idx, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
}

static void test_queue_commands(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_create_cq_resp cq, cq2, cq3;
	struct ena_acq_create_sq_resp sq;
	uint8_t stale[64];

	set_resp_addr(t);
	admin_init(t);

	/* CQ validation */
	assert_int_equal(create_cq(t, 2, 1000, 1, 0, &cq), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_cq(t, 3, 1024, 1, 0, &cq), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_cq(t, 4, 32768, 1, 0, &cq), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_cq(t, 4, 1024, 9, 0, &cq), ENA_ADMIN_ILLEGAL_PARAMETER);
	{
		struct ena_aq_create_cq c = { .common.opcode = ENA_ADMIN_CREATE_CQ };

		c.cq_caps_2 = 4;
		c.cq_depth = 64;
		ena_mem_addr_set(&c.cq_ba, 0x5000); /* not mapped */
		assert_int_equal(admin(t, &c, sizeof(c), NULL), ENA_ADMIN_MALFORMED_REQUEST);
	}
	/* DPDK: no vector */
	assert_int_equal(create_cq(t, 2, 1024, ENA_MSIX_VECTOR_NONE, 0, &cq), 0);
	assert_int_equal(cq.cq_idx, 0);
	assert_int_equal(cq.cq_interrupt_unmask_register_offset, 0xA000);
	assert_int_equal(cq.numa_node_register_offset, 0xC000);
	assert_int_equal(cq.cq_actual_depth, 1024);

	/* SQ validation */
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 1024, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* before SET LLQ */
	assert_int_equal(create_sq(t, 3, ENA_PLACEMENT_HOST, 1024, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, 2, 1024, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, 7, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* unknown cq */
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1000, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 2048, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* beyond TX max */
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_HOST, 1024, 0, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* RX with 2-word CQ */
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, 0, 0, &sq), 0);
	assert_int_equal(sq.sq_idx, 0);
	assert_int_equal(sq.sq_doorbell_offset, 0x8000);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, 0, 1, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* CQ already bound */

	/* RX pair; entry size 8 words; RX DEV placement refused */
	assert_int_equal(create_cq(t, 8, 16384, 1, 1, &cq2), 0);
	assert_int_equal(cq2.cq_idx, 1);
	assert_int_equal(cq2.cq_interrupt_unmask_register_offset, 0xA004);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_DEV, 1024, 1, 1, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, 1, 1, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER); /* TX with 8-word CQ */
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_HOST, 16384, 1, 1, &sq), 0);
	assert_int_equal(sq.sq_idx, 0);
	assert_int_equal(sq.sq_doorbell_offset, 0x8004);

	/* LLQ 256 B: wide-LLQ rule halves the depth */
	assert_int_equal(set_llq(t, ENA_LLQ_ENTRY_SIZE_256B), 0);
	assert_int_equal(create_cq(t, 4, 1024, 2, 2, &cq3), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 1024, cq3.cq_idx, 0, &sq),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 512, cq3.cq_idx, 0, &sq), 0);
	assert_int_equal(sq.sq_idx, 1);
	assert_int_equal(sq.sq_doorbell_offset, 0x8008);
	assert_int_equal(sq.llq_descriptors_offset, 1 * 1024 * 256);

	/* bad LLQ negotiations */
	assert_int_equal(set_llq(t, ENA_LLQ_ENTRY_SIZE_192B), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(set_llq(t, ENA_LLQ_ENTRY_SIZE_128B | ENA_LLQ_ENTRY_SIZE_256B),
			 ENA_ADMIN_ILLEGAL_PARAMETER);

	/* destroy: CQ busy while bound, unknown ids refused, stale trailing
	 * bytes in the slot ignored (only 8 bytes are parsed) */
	assert_int_equal(destroy_cq(t, cq.cq_idx), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(destroy_sq(t, ENA_SQ_DIRECTION_RX, 5), ENA_ADMIN_ILLEGAL_PARAMETER);
	memset(stale, 0xee, sizeof(stale));
	memcpy(mem(t, OFF_AQ + (t->aq_tail & 31) * 64), stale, 64);
	assert_int_equal(destroy_sq(t, ENA_SQ_DIRECTION_TX, 0), 0);
	assert_int_equal(destroy_cq(t, cq.cq_idx), 0);
	assert_int_equal(destroy_cq(t, cq.cq_idx), ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(destroy_sq(t, ENA_SQ_DIRECTION_TX, 0), ENA_ADMIN_ILLEGAL_PARAMETER);

	/* unknown opcode and unsupported features */
	{
		struct ena_aq_common c = { .opcode = 42 };
		struct ena_acq_get_feature_resp r;

		assert_int_equal(admin(t, &c, sizeof(c), NULL), ENA_ADMIN_UNSUPPORTED_OPCODE);
		assert_int_equal(get_feature(t, ENA_FEAT_MAX_QUEUES_NUM, 0, 0, &r),
				 ENA_ADMIN_UNSUPPORTED_OPCODE);
		assert_int_equal(get_feature(t, ENA_FEAT_PHC_CONFIG, 0, 0, &r),
				 ENA_ADMIN_UNSUPPORTED_OPCODE);
		assert_int_equal(set_feature(t, ENA_FEAT_FLOW_STEERING_CONFIG, "\x01", 1, 0),
				 ENA_ADMIN_UNSUPPORTED_OPCODE);
		assert_int_equal(set_feature(t, ENA_FEAT_FRAG_BYPASS, "\x01", 1, 0), 0);
		assert_true(t->dev->frag_bypass);
		assert_int_equal(get_feature(t, ENA_FEAT_LINK_CONFIG, 0, 0, &r), 0);
		assert_int_equal(r.u.link.speed, 25000);
	}
	assert_true(t->dev->admin.errors > 10);
	assert_int_equal(t->dev->admin.commands[ENA_ADMIN_CREATE_SQ], 14);
}

static void test_mtu_host_attr(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_feat_mtu m;
	struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_SET_FEATURE };

	set_resp_addr(t);
	admin_init(t);
	m.mtu = 9217;
	assert_int_equal(set_feature(t, ENA_FEAT_MTU, &m, sizeof(m), 0), ENA_ADMIN_ILLEGAL_PARAMETER);
	m.mtu = 127;
	assert_int_equal(set_feature(t, ENA_FEAT_MTU, &m, sizeof(m), 0), ENA_ADMIN_ILLEGAL_PARAMETER);
	m.mtu = 128;
	assert_int_equal(set_feature(t, ENA_FEAT_MTU, &m, sizeof(m), 0), 0);
	assert_int_equal(t->dev->mtu, 128);

	/* unmapped host info page: MALFORMED, no crash */
	assert_int_equal(set_host_attr(t, 0x7000), ENA_ADMIN_MALFORMED_REQUEST);
	assert_false(t->dev->host.valid);
	fill_host_info(t);
	assert_int_equal(set_host_attr(t, DMA_BASE + OFF_HOST), 0);
	assert_true(t->dev->host.valid);
	assert_int_equal(t->dev->host.info.driver_supported_features, 0x12);

	/* second time with a debug area */
	cmd.feat_common.feature_id = ENA_FEAT_HOST_ATTR_CONFIG;
	ena_mem_addr_set(&cmd.u.host_attr.os_info_ba, DMA_BASE + OFF_HOST);
	ena_mem_addr_set(&cmd.u.host_attr.debug_ba, DMA_BASE + 0x8000);
	cmd.u.host_attr.debug_area_size = 4096;
	assert_int_equal(admin(t, &cmd, sizeof(cmd), NULL), 0);
	assert_int_equal(t->dev->host.debug_ba, DMA_BASE + 0x8000);
	assert_int_equal(t->dev->host.debug_size, 4096);

	/* AENQ groups must be a subset of the supported ones */
	assert_int_equal(set_aenq_groups(t, 0x1FF), ENA_ADMIN_ILLEGAL_PARAMETER);
}

static void test_acq_phase_wrap(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_get_feature_resp r;

	set_resp_addr(t);
	admin_init(t);
	wr(t, ENA_REG_INTR_MASK, 0);
	/* 3 laps of the 32-entry rings; admin() checks phase, id and head */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(get_feature(t, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, &r), 0);
		assert_int_equal(r.u.dev_attr.max_mtu, 9216);
	}
	assert_int_equal(t->irqs[0], 100);
	/* polling mode: no interrupt */
	wr(t, ENA_REG_INTR_MASK, ENA_INTR_MASK_ADMIN);
	assert_int_equal(get_feature(t, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, &r), 0);
	assert_int_equal(t->irqs[0], 100);

	/* batch: several entries before one doorbell are consumed in order */
	{
		uint16_t first = t->acq_head;

		for (int i = 0; i < 3; i++) {
			struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };
			uint8_t *slot = mem(t, OFF_AQ + ((t->aq_tail + i) & 31) * 64);

			cmd.feat_common.feature_id = ENA_FEAT_LINK_CONFIG;
			cmd.common.command_id = (uint16_t)(20 + i);
			cmd.common.flags = ((t->aq_tail + i) / 32) & 1 ? 0 : 1;
			memcpy(slot, &cmd, sizeof(cmd));
		}
		t->aq_tail += 3;
		wr(t, ENA_REG_AQ_DB, t->aq_tail);
		for (int i = 0; i < 3; i++) {
			struct ena_acq_entry *c = mem(t, OFF_ACQ + ((first + i) & 31) * 64);

			assert_int_equal(c->common.command, 20 + i);
			assert_int_equal(c->common.flags & 1, ((first + i) / 32) & 1 ? 0 : 1);
		}
		t->acq_head += 3;
	}

	/* an entry with a stale phase is not executed */
	{
		uint8_t *slot = mem(t, OFF_AQ + (t->aq_tail & 31) * 64);
		uint64_t bad = t->dev->admin.bad_entries;
		uint16_t acq_tail = t->dev->admin.acq_tail;

		slot[3] = ((t->aq_tail / 32) & 1) ? 1 : 0; /* wrong phase */
		wr(t, ENA_REG_AQ_DB, (uint16_t)(t->aq_tail + 1));
		assert_int_equal(t->dev->admin.bad_entries, bad + 1);
		assert_int_equal(t->dev->admin.acq_tail, acq_tail);
	}
}

static void test_aenq_flow_control(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_aenq_entry *e;

	set_resp_addr(t);
	admin_init(t);
	assert_int_equal(set_aenq_groups(t, 0xDF), 0);
	/* nothing before the first head write: keep-alives are not even due */
	sim_device_keepalive_tick(t->dev);
	assert_int_equal(sim_aenq_post(t->dev, ENA_AENQ_FATAL_ERROR, 0, NULL, 0), -ENOSPC);
	assert_int_equal(t->dev->aenq.dropped, 1);
	assert_null(aenq_next(t));
	/* groups outside enabled_groups are filtered, not dropped */
	assert_int_equal(sim_aenq_post(t->dev, ENA_AENQ_REFRESH_CAPABILITIES, 0, NULL, 0), -ENOENT);
	assert_int_equal(t->dev->aenq.dropped, 1);

	wr(t, ENA_REG_AENQ_HEAD_DB, 16);
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_LINK_CHANGE);
	assert_int_equal(e->common.timestamp_low, 1000);
	/* 15 more fit, the 17th is dropped and does not overwrite slot 0 */
	for (int i = 0; i < 15; i++) {
		t->now++;
		sim_device_keepalive_tick(t->dev);
	}
	assert_int_equal(t->dev->aenq.sent[ENA_AENQ_KEEP_ALIVE], 15);
	sim_device_keepalive_tick(t->dev);
	assert_int_equal(t->dev->aenq.dropped, 2);
	e = mem(t, OFF_AENQ);
	assert_int_equal(e->common.group, ENA_AENQ_LINK_CHANGE);
	/* the driver consumes 3 and says so: exactly 3 more fit, with phase 0 */
	for (int i = 0; i < 15; i++)
		assert_non_null(aenq_next(t));
	assert_null(aenq_next(t));
	wr(t, ENA_REG_AENQ_HEAD_DB, 19);
	for (int i = 0; i < 4; i++)
		sim_device_keepalive_tick(t->dev);
	assert_int_equal(t->dev->aenq.dropped, 3);
	for (int i = 0; i < 3; i++) {
		e = aenq_next(t);
		assert_non_null(e);
		assert_int_equal(e->common.flags & 1, 0);
		assert_int_equal(e->common.group, ENA_AENQ_KEEP_ALIVE);
	}
	assert_null(aenq_next(t));
	/* an owed link event waits for room instead of being dropped */
	assert_true(ctl_ok(t, "{\"verb\":\"link\",\"args\":[\"down\"]}"));
	assert_true(t->dev->aenq.link_pending);
	wr(t, ENA_REG_AENQ_HEAD_DB, 20);
	assert_false(t->dev->aenq.link_pending);
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_LINK_CHANGE);
	assert_int_equal(e->data[0] & 1, 0);
}

static void test_keepalive_contents(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_aenq_keep_alive *ka;
	unsigned int irqs;

	probe_linux(t);
	assert_non_null(aenq_next(t));
	t->dev->stats.rx_drops = 0x100000002ull;
	t->dev->stats.tx_drops = 7;
	t->dev->stats.rx_overruns = 9;
	irqs = t->irqs[0];
	sim_device_keepalive_tick(t->dev);
	ka = (struct ena_aenq_keep_alive *)aenq_next(t);
	assert_non_null(ka);
	assert_int_equal(ka->common.group, ENA_AENQ_KEEP_ALIVE);
	assert_int_equal(ka->rx_drops_low, 2);
	assert_int_equal(ka->rx_drops_high, 1);
	assert_int_equal(ka->tx_drops_low, 7);
	assert_int_equal(ka->tx_drops_high, 0);
	assert_int_equal(ka->rx_overruns_low, 9);
	assert_int_equal(t->irqs[0], irqs + 1);

	assert_true(ctl_ok(t, "{\"verb\":\"keepalive\",\"args\":[\"off\"]}"));
	sim_device_keepalive_tick(t->dev);
	assert_null(aenq_next(t));
	assert_true(ctl_ok(t, "{\"verb\":\"keepalive\",\"args\":[\"on\"]}"));
	/* keep-alive written, vector 0 not fired */
	assert_true(ctl_ok(t, "{\"verb\":\"no-admin-irq\",\"args\":[\"on\"]}"));
	irqs = t->irqs[0];
	sim_device_keepalive_tick(t->dev);
	assert_non_null(aenq_next(t));
	assert_int_equal(t->irqs[0], irqs);
	/* reset zeroes the drop counters */
	assert_true(ctl_ok(t, "{\"verb\":\"no-admin-irq\",\"args\":[\"off\"]}"));
	dev_reset(t, ENA_RESET_KEEP_ALIVE_TO, true);
	assert_int_equal(t->dev->stats.rx_drops, 0);
}

static void test_rss(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_create_cq_resp cq;
	struct ena_acq_create_sq_resp sq;
	struct ena_acq_get_feature_resp r;
	struct ena_rss_hash_key *key = mem(t, OFF_BUF);
	struct ena_rss_ind_entry *ent = mem(t, OFF_BUF);
	struct ena_rss_hash_control *hc = mem(t, OFF_BUF);
	struct ena_feat_rss_hash_function hf;
	struct ena_feat_rss_ind_table it;
	struct ena_feat_rss_hash_input hin;
	uint16_t rxq[2];

	probe_linux(t);
	for (int q = 0; q < 2; q++) {
		assert_int_equal(create_cq(t, 4, 1024, 1 + q, q, &cq), 0);
		assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_HOST, 1024, cq.cq_idx, q, &sq), 0);
		rxq[q] = sq.sq_idx;
	}

	/* key round trip through the control buffer */
	assert_int_equal(get_feature(t, ENA_FEAT_RSS_HASH_FUNCTION, 0, 0, &r), 0);
	assert_int_equal(r.u.hash_func.supported_func, 0x6);
	memset(key, 0, sizeof(*key));
	key->key_parts = 10;
	for (int i = 0; i < 10; i++)
		key->key[i] = 0x01020304u * (uint32_t)(i + 1);
	memset(&hf, 0, sizeof(hf));
	hf.selected_func = 1u << ENA_HASH_TOEPLITZ;
	hf.init_val = 0xFFFFFFFF;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_FUNCTION, &hf, sizeof(hf), 48), 0);
	memset(key, 0, 48);
	assert_int_equal(get_feature(t, ENA_FEAT_RSS_HASH_FUNCTION, 0, 48, &r), 0);
	assert_int_equal(r.u.hash_func.selected_func, 2);
	assert_int_equal(r.u.hash_func.init_val, 0xFFFFFFFF);
	assert_int_equal(key->key_parts, 10);
	assert_int_equal(key->key[9], 0x01020304u * 10);
	hf.selected_func = 0x6; /* two functions at once */
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_FUNCTION, &hf, sizeof(hf), 0),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	hf.selected_func = 1u << ENA_HASH_CRC32;
	hf.init_val = 0;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_FUNCTION, &hf, sizeof(hf), 0), 0);
	assert_int_equal(t->dev->rss.function, ENA_HASH_CRC32);
	assert_int_equal(t->dev->rss.key.key[0], 0x01020304u); /* key kept */

	/* indirection table */
	assert_int_equal(get_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, 1, 0, &r), 0);
	assert_int_equal(r.u.ind_table.min_size, 7);
	assert_int_equal(r.u.ind_table.max_size, 7);
	memset(&it, 0, sizeof(it));
	it.size = 7;
	it.inline_index = ENA_RSS_IND_INLINE_INDEX_NONE;
	for (int i = 0; i < 128; i++)
		ent[i] = (struct ena_rss_ind_entry){ rxq[i % 2], 0 };
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, &it, sizeof(it), 512), 0);
	memset(ent, 0xff, 512);
	assert_int_equal(get_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, 1, 512, &r), 0);
	for (int i = 0; i < 128; i++)
		assert_int_equal(ent[i].cq_idx, rxq[i % 2]);
	ent[5].cq_idx = 7; /* no such RX SQ */
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, &it, sizeof(it), 512),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	assert_int_equal(t->dev->rss.table[5], rxq[1]); /* unchanged */
	it.size = 8;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, &it, sizeof(it), 1024),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	it.size = 7;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, &it, sizeof(it), 64),
			 ENA_ADMIN_MALFORMED_REQUEST);

	/* hash input */
	memset(hc, 0xee, sizeof(*hc));
	assert_int_equal(get_feature(t, ENA_FEAT_RSS_HASH_INPUT, 0, 256, &r), 0);
	assert_int_equal(r.u.hash_input.supported_input_sort, 0x6);
	assert_int_equal(hc->supported_fields[ENA_RSS_TCP4].fields, 0x3C);
	assert_int_equal(hc->supported_fields[ENA_RSS_IP4_FRAG].fields, 0x0C);
	assert_int_equal(hc->supported_fields[ENA_RSS_NOT_IP].fields, 0x03);
	assert_int_equal(hc->supported_fields[12].fields, 0);
	assert_int_equal(hc->reserved2[0], 0);
	hc->selected_fields[ENA_RSS_UDP4].fields = ENA_RSS_L3_SA | ENA_RSS_L3_DA;
	hin.supported_input_sort = 0;
	hin.enabled_input_sort = 0x6;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_INPUT, &hin, sizeof(hin), 256), 0);
	assert_int_equal(t->dev->rss.selected_fields[ENA_RSS_UDP4], 0x0C);
	assert_int_equal(t->dev->rss.enabled_input_sort, 0x6);
	hc->selected_fields[ENA_RSS_NOT_IP].fields = ENA_RSS_L4_DP;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_INPUT, &hin, sizeof(hin), 256),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
	hin.enabled_input_sort = 0x1;
	assert_int_equal(set_feature(t, ENA_FEAT_RSS_HASH_INPUT, &hin, sizeof(hin), 0),
			 ENA_ADMIN_ILLEGAL_PARAMETER);
}

static void test_stats(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_aq_get_stats st = { .common.opcode = ENA_ADMIN_GET_STATS };
	struct ena_acq_get_stats_resp s;
	uint64_t *vals = mem(t, OFF_BUF);

	set_resp_addr(t);
	admin_init(t);
	for (unsigned int i = 0; i < ENA_METRIC__COUNT; i++)
		t->dev->stats.eni[i] = 100 + i;
	t->dev->stats.rx_pkts = 0x500000001ull;

	st.type = ENA_STATS_BASIC;
	st.device_id = 0xFFFF;
	assert_int_equal(admin(t, &st, sizeof(st), &s), 0);
	assert_int_equal(s.u.basic.rx_pkts_low, 1);
	assert_int_equal(s.u.basic.rx_pkts_high, 5);

	st.type = ENA_STATS_ENI;
	assert_int_equal(admin(t, &st, sizeof(st), &s), 0);
	assert_int_equal(s.u.eni.pps_allowance_exceeded, 102);

	/* packed in ascending id order: ids 0, 2, 3, 5 */
	st.type = ENA_STATS_CUSTOMER_METRICS;
	st.requested_metrics = 0x2D;
	st.u.control_buffer.length = 512;
	ena_mem_addr_set(&st.u.control_buffer.address, DMA_BASE + OFF_BUF);
	memset(vals, 0xff, 64);
	assert_int_equal(admin(t, &st, sizeof(st), &s), 0);
	assert_int_equal(vals[0], 100);
	assert_int_equal(vals[1], 102);
	assert_int_equal(vals[2], 103);
	assert_int_equal(vals[3], 105);
	assert_int_equal(vals[4], UINT64_MAX); /* untouched */
	st.u.control_buffer.length = 16;
	assert_int_equal(admin(t, &st, sizeof(st), &s), ENA_ADMIN_MALFORMED_REQUEST);
	st.u.control_buffer.length = 512;
	ena_mem_addr_set(&st.u.control_buffer.address, 0x2000); /* unmapped */
	assert_int_equal(admin(t, &st, sizeof(st), &s), ENA_ADMIN_MALFORMED_REQUEST);

	st.type = ENA_STATS_ENA_SRD;
	assert_int_equal(admin(t, &st, sizeof(st), &s), ENA_ADMIN_UNSUPPORTED_OPCODE);
	t_free(t);
	*state = NULL;

	/* --eni-stats off: no ENI_STATS, no CUSTOMER_METRICS */
	{
		struct sim_profile p;
		struct ena_acq_get_feature_resp r;

		sim_profile_init_default(&p);
		p.eni_stats = false;
		t = *state = t_new(&p);
		set_resp_addr(t);
		admin_init(t);
		assert_int_equal(get_feature(t, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, &r), 0);
		assert_int_equal(r.u.dev_attr.capabilities, 0x18);
		memset(&st, 0, sizeof(st));
		st.common.opcode = ENA_ADMIN_GET_STATS;
		st.type = ENA_STATS_ENI;
		assert_int_equal(admin(t, &st, sizeof(st), &s), ENA_ADMIN_UNSUPPORTED_OPCODE);
		st.type = ENA_STATS_CUSTOMER_METRICS;
		assert_int_equal(admin(t, &st, sizeof(st), &s), ENA_ADMIN_UNSUPPORTED_OPCODE);
	}
}

static void test_ctl_faults(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_get_feature_resp r;
	struct ena_acq_create_cq_resp cq;
	struct ena_acq_create_sq_resp sq;
	struct ena_aenq_entry *e;
	char err[512];

	probe_linux(t);
	assert_non_null(aenq_next(t));

	/* fail-next */
	assert_true(ctl_ok(t, "{\"verb\":\"fail-next\",\"args\":[\"create-sq\"]}"));
	assert_int_equal(create_cq(t, 2, 1024, 1, 0, &cq), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, cq.cq_idx, 0, &sq),
			 ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_HOST, 1024, cq.cq_idx, 0, &sq), 0);
	assert_true(ctl_ok(t, "{\"verb\":\"fail-next\",\"args\":[\"create-cq\"]}"));
	assert_int_equal(create_cq(t, 2, 1024, 1, 1, &cq), ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE);

	/* bad-max-queues, bad-dev-attr */
	assert_true(ctl_ok(t, "{\"verb\":\"acq-fault\",\"args\":[\"bad-max-queues\"]}"));
	assert_int_equal(get_feature(t, ENA_FEAT_MAX_QUEUES_EXT, 1, 0, &r), 0);
	assert_int_equal(r.u.max_queues_ext.version, 0);
	assert_int_equal(r.u.max_queues_ext.max_tx_sq_num, UINT32_MAX);
	assert_int_equal(get_feature(t, ENA_FEAT_MAX_QUEUES_EXT, 1, 0, &r), 0);
	assert_int_equal(r.u.max_queues_ext.version, 1);
	assert_true(ctl_ok(t, "{\"verb\":\"acq-fault\",\"args\":[\"bad-dev-attr\"]}"));
	assert_int_equal(get_feature(t, ENA_FEAT_DEVICE_ATTRIBUTES, 0, 0, &r), 0);
	assert_int_equal(r.u.dev_attr.max_mtu, 0);
	assert_true(r.u.dev_attr.phys_addr_width > 48);

	/* unknown-id: the completion carries an id nobody sent */
	assert_true(ctl_ok(t, "{\"verb\":\"acq-fault\",\"args\":[\"unknown-id\"]}"));
	{
		struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };
		uint8_t *slot = mem(t, OFF_AQ + (t->aq_tail & 31) * 64);
		struct ena_acq_entry *c = mem(t, OFF_ACQ + (t->acq_head & 31) * 64);

		cmd.feat_common.feature_id = ENA_FEAT_LINK_CONFIG;
		cmd.common.command_id = t->cmd_id;
		cmd.common.flags = (t->aq_tail / 32) & 1 ? 0 : 1;
		memcpy(slot, &cmd, sizeof(cmd));
		wr(t, ENA_REG_AQ_DB, ++t->aq_tail);
		assert_int_equal(c->common.flags & 1, (t->acq_head / 32) & 1 ? 0 : 1);
		assert_true(c->common.command >= 32);
		t->acq_head++;
		t->cmd_id = (t->cmd_id + 1) & 31;
	}
	/* stale-phase: the completion is written but looks empty */
	assert_true(ctl_ok(t, "{\"verb\":\"acq-fault\",\"args\":[\"stale-phase\"]}"));
	{
		struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };
		uint8_t *slot = mem(t, OFF_AQ + (t->aq_tail & 31) * 64);
		struct ena_acq_entry *c = mem(t, OFF_ACQ + (t->acq_head & 31) * 64);

		cmd.feat_common.feature_id = ENA_FEAT_LINK_CONFIG;
		cmd.common.command_id = t->cmd_id;
		cmd.common.flags = (t->aq_tail / 32) & 1 ? 0 : 1;
		memcpy(slot, &cmd, sizeof(cmd));
		wr(t, ENA_REG_AQ_DB, ++t->aq_tail);
		assert_int_not_equal(c->common.flags & 1, (t->acq_head / 32) & 1 ? 0 : 1);
	}
	/* the driver would reset now */
	dev_reset(t, ENA_RESET_ADMIN_TO, true);
	admin_init(t);
	memset(mem(t, OFF_AENQ), 0, 16 * 64);

	/* admin-drop: never completed */
	assert_true(ctl_ok(t, "{\"verb\":\"admin-drop\",\"args\":[\"on\"]}"));
	{
		struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };
		struct ena_acq_entry *c = mem(t, OFF_ACQ);

		cmd.feat_common.feature_id = ENA_FEAT_LINK_CONFIG;
		cmd.common.flags = 1;
		memcpy(mem(t, OFF_AQ), &cmd, sizeof(cmd));
		wr(t, ENA_REG_AQ_DB, 1);
		assert_int_equal(c->common.flags & 1, 0);
		assert_int_equal(t->dev->admin.dropped, 1);
	}
	dev_reset(t, ENA_RESET_ADMIN_TO, true);
	admin_init(t);
	assert_true(ctl_ok(t, "{\"verb\":\"admin-drop\",\"args\":[\"off\"]}"));

	/* admin-delay: completions written MS later, in ring order */
	assert_true(ctl_ok(t, "{\"verb\":\"admin-delay\",\"args\":[\"250\"]}"));
	{
		struct ena_aq_feature cmd = { .common.opcode = ENA_ADMIN_GET_FEATURE };
		struct ena_acq_entry *c = mem(t, OFF_ACQ);

		cmd.feat_common.feature_id = ENA_FEAT_LINK_CONFIG;
		cmd.common.flags = 1;
		for (int i = 0; i < 2; i++) {
			cmd.common.command_id = (uint16_t)i;
			memcpy(mem(t, OFF_AQ + 64 * i), &cmd, sizeof(cmd));
		}
		wr(t, ENA_REG_AQ_DB, 2);
		assert_int_equal(t->scheduled, 2);
		assert_int_equal(c[0].common.flags & 1, 0);
		t->now += 249;
		assert_int_equal(sim_device_run_timers(t->dev), 1);
		assert_int_equal(c[0].common.flags & 1, 0);
		t->now += 1;
		assert_int_equal(sim_device_run_timers(t->dev), -1);
		assert_int_equal(c[0].common.flags & 1, 1);
		assert_int_equal(c[1].common.flags & 1, 1);
		assert_int_equal(c[1].common.command, 1);
		assert_int_equal(c[1].common.status, 0);
		t->acq_head = 2;
		t->aq_tail = 2;
		t->cmd_id = 2;
	}
	assert_true(ctl_ok(t, "{\"verb\":\"admin-delay\",\"args\":[\"0\"]}"));
	assert_int_equal(get_feature(t, ENA_FEAT_LINK_CONFIG, 0, 0, &r), 0);

	/* fatal, request-reset, notify-hints through the AENQ */
	assert_int_equal(set_aenq_groups(t, 0xDF), 0);
	wr(t, ENA_REG_AENQ_HEAD_DB, 16);
	assert_non_null(aenq_next(t)); /* link */
	assert_true(ctl_ok(t, "{\"verb\":\"fatal\"}"));
	assert_true(rd(t, ENA_REG_DEV_STS) & ENA_DEV_STS_FATAL_ERROR);
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_FATAL_ERROR);
	assert_true(ctl_ok(t, "{\"verb\":\"request-reset\"}"));
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_DEVICE_REQUEST_RESET);
	assert_true(ctl_ok(t, "{\"verb\":\"notify-hints\",\"args\":[\"driver_watchdog_timeout=3000\",\"mmio_read_timeout=0x20\"]}"));
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_NOTIFICATION);
	assert_int_equal(e->common.syndrome, ENA_AENQ_SYNDROME_UPDATE_HINTS);
	{
		struct ena_hw_hints h;

		memcpy(&h, e->data, sizeof(h));
		assert_int_equal(h.driver_watchdog_timeout, 3000);
		assert_int_equal(h.mmio_read_timeout, 32);
	}
	assert_true(ctl_ok(t, "{\"verb\":\"notify-hints\",\"args\":[\"{\\\"admin_completion_tx_timeout\\\":500}\"]}"));
	e = aenq_next(t);
	assert_non_null(e);
	{
		struct ena_hw_hints h;

		memcpy(&h, e->data, sizeof(h));
		assert_int_equal(h.admin_completion_tx_timeout, 500);
		assert_int_equal(h.driver_watchdog_timeout, 3000); /* partial update */
	}
	assert_int_equal(get_feature(t, ENA_FEAT_HW_HINTS, 0, 0, &r), 0);
	assert_int_equal(r.u.hw_hints.admin_completion_tx_timeout, 500);
	assert_int_equal(sim_aenq_conf_notification(t->dev, 0x5), 0);
	e = aenq_next(t);
	assert_non_null(e);
	assert_int_equal(e->common.group, ENA_AENQ_CONF_NOTIFICATIONS);
	assert_int_equal(e->data[0], 0x5);

	/* errors name what was wrong and what is allowed */
	ctl_error(t, "{\"verb\":\"link\",\"args\":[\"sideways\"]}", err, sizeof(err));
	assert_string_equal(err, "link: 'sideways' is not allowed; use up or down");
	ctl_error(t, "{\"verb\":\"acq-fault\",\"args\":[\"x\"]}", err, sizeof(err));
	assert_non_null(strstr(err, "stale-phase, unknown-id, bad-max-queues or bad-dev-attr"));
	ctl_error(t, "{\"verb\":\"admin-delay\",\"args\":[\"-5\"]}", err, sizeof(err));
	assert_non_null(strstr(err, "0..600000"));
	ctl_error(t, "{\"verb\":\"admin-delay\"}", err, sizeof(err));
	assert_string_equal(err, "admin-delay: missing arguments; usage: admin-delay MS");
	ctl_error(t, "{\"verb\":\"show\",\"args\":[\"x\"]}", err, sizeof(err));
	assert_non_null(strstr(err, "wrong number of arguments"));
	ctl_error(t, "{\"verb\":\"warp\"}", err, sizeof(err));
	assert_non_null(strstr(err, "unknown verb 'warp'; use one of show, keepalive"));
	ctl_error(t, "not json", err, sizeof(err));
	assert_non_null(strstr(err, "not valid JSON"));
	ctl_error(t, "{\"verb\":\"notify-hints\",\"args\":[\"bogus=1\"]}", err, sizeof(err));
	assert_non_null(strstr(err, "unknown hint 'bogus'"));
	ctl_error(t, "{\"verb\":\"notify-hints\",\"args\":[\"netdev_wd_timeout=70000\"]}", err,
		  sizeof(err));
	assert_non_null(strstr(err, "0..65535"));
	ctl_error(t, "{\"verb\":\"fail-next\",\"args\":[\"destroy-sq\"]}", err, sizeof(err));
	assert_string_equal(err, "fail-next: 'destroy-sq' is not allowed; use create-sq or create-cq");
	ctl_error(t, "[1,2]", err, sizeof(err));
	assert_non_null(strstr(err, "\"verb\""));
}

static void test_ctl_show_queues(void **state)
{
	struct t *t = *state = t_new(NULL);
	struct ena_acq_create_cq_resp cq;
	struct ena_acq_create_sq_resp sq;
	struct json_object *o, *q, *arr, *v, *c;

	probe_linux(t);
	assert_int_equal(create_cq(t, 2, 1024, 1, 0, &cq), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_TX, ENA_PLACEMENT_DEV, 1024, cq.cq_idx, 0, &sq), 0);
	assert_int_equal(create_cq(t, 4, 4096, 1, 1, &cq), 0);
	assert_int_equal(create_sq(t, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_HOST, 4096, cq.cq_idx, 1, &sq), 0);
	/* the driver writes the doorbell and unmask registers in the mapped page */
	memcpy(t->dev->bar0 + sq.sq_doorbell_offset, &(uint32_t){ 4095 }, 4);
	memcpy(t->dev->bar0 + 0xA000, &(uint32_t){ ENA_INTR_REG_UNMASK }, 4);
	sim_device_drain_doorbells(t->dev);
	assert_int_equal(t->dev->rx_sq[0].db_tail, 4095);
	assert_int_equal(t->dev->cq[0].intr_reg, ENA_INTR_REG_UNMASK);

	o = ctl(t, "{\"verb\":\"show\"}");
	assert_true(json_object_object_get_ex(o, "queues", &q));
	assert_true(json_object_object_get_ex(q, "sq", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	v = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(v, "placement", &c));
	assert_string_equal(json_object_get_string(c), "dev");
	v = json_object_array_get_idx(arr, 1);
	assert_true(json_object_object_get_ex(v, "direction", &c));
	assert_string_equal(json_object_get_string(c), "rx");
	assert_true(json_object_object_get_ex(v, "depth", &c));
	assert_int_equal(json_object_get_int(c), 4096);
	assert_true(json_object_object_get_ex(q, "cq", &arr));
	v = json_object_array_get_idx(arr, 1);
	assert_true(json_object_object_get_ex(v, "entry_size", &c));
	assert_int_equal(json_object_get_int(c), 16);
	assert_true(json_object_object_get_ex(v, "msix_vector", &c));
	assert_int_equal(json_object_get_int(c), 1);
	assert_true(json_object_object_get_ex(o, "counters", &c));
	assert_true(json_object_object_get_ex(c, "admin_commands", &v));
	assert_true(json_object_object_get_ex(v, "create_sq", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "rss", &c));
	assert_true(json_object_object_get_ex(c, "key", &v));
	assert_int_equal(strlen(json_object_get_string(v)), 80);
	assert_true(json_object_object_get_ex(c, "table", &v));
	assert_int_equal(json_object_array_length(v), 128);
	assert_true(json_object_object_get_ex(o, "aenq", &c));
	assert_true(json_object_object_get_ex(c, "sent", &v));
	assert_true(json_object_object_get_ex(v, "link_change", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(o);
}

/* ---- options ---- */

struct opt_case {
	int ret;
	const char *argv[8];
	const char *err; /* substring, or NULL */
};

static void test_options(void **state)
{
	static const struct opt_case cases[] = {
		{ 0, { "enasim", "--socket", "/tmp/x.sock" }, NULL },
		{ 0, { "enasim", "--socket=/tmp/x.sock", "--queues=128", "--llq", "off" }, NULL },
		{ 0, { "enasim", "--help" }, NULL },
		{ -EINVAL, { "enasim" }, "--socket PATH is required" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--queues", "0" },
		  "--queues: '0' is not allowed; use an integer in 1..128" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--queues", "12x" }, "in 1..128" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--rx-depth", "1000" },
		  "--rx-depth: '1000' is not allowed; use a power of 2 in 64..32768" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--llq", "maybe" },
		  "--llq: 'maybe' is not allowed; use on or off" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--llq-entry", "192" }, "use 128, 256 or both" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--mac", "01:00:00:00:00:01" }, "unicast" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--mac", "zz" }, "xx:xx:xx:xx:xx:xx" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--tx-offloads", "0x100" }, "0x0..0xff" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--admin-cmd-to", "16" }, "0..15" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--device-id", "0" }, "--device-id" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--poll-us", "1000001" },
		  "--poll-us: '1000001' is not allowed; use an integer in 0..1000000" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--poll-us", "-1" }, "0..1000000" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--wire", "tcp:1" },
		  "use loop, tap:NAME[,netns=NS] or pair:PATH" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--wire", "tap:" }, "interface name" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--wire", "tap:ena0,ns=x" }, "unknown tap option" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--bogus" }, "unknown option '--bogus'" },
		{ -EINVAL, { "enasim", "--socket" }, "--socket needs a value" },
		{ -EINVAL, { "enasim", "--socket", "/s", "extra" }, "unexpected argument 'extra'" },
		{ -EINVAL, { "enasim", "--socket", "/s", "--ctl", "/s" }, "must differ" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_options o;
		int argc = 0;

		while (cases[i].argv[argc])
			argc++;
		err[0] = '\0';
		if (sim_options_parse(argc, (char **)cases[i].argv, &o, err, sizeof(err)) !=
		    cases[i].ret)
			fail_msg("case %zu: unexpected result (%s)", i, err);
		if (cases[i].err && !strstr(err, cases[i].err))
			fail_msg("case %zu: error '%s' lacks '%s'", i, err, cases[i].err);
	}

	{
		struct sim_options o;
		const char *argv[] = { "enasim", "--socket", "/run/e.sock", "--wire",
				       "tap:ena0,netns=ns1", "--mac", "02:aa:bb:cc:dd:ee",
				       "--device-id", "ec21", "--llq-entry", "256",
				       "--readless", "off", "--keepalive-ms", "100",
				       "--poll-us", "5000" };

		assert_int_equal(sim_options_parse(17, (char **)argv, &o, err, sizeof(err)), 0);
		assert_int_equal(o.poll_us, 5000);
		assert_string_equal(o.ctl_path, "/run/e.sock.ctl");
		assert_int_equal(o.wire.kind, SIM_WIRE_TAP);
		assert_string_equal(o.wire.ifname, "ena0");
		assert_string_equal(o.wire.netns, "ns1");
		assert_int_equal(o.profile.mac[1], 0xaa);
		assert_int_equal(o.profile.device_id, 0xec21);
		assert_int_equal(o.profile.llq_entry_sizes, ENA_LLQ_ENTRY_SIZE_256B);
		assert_int_equal(o.profile.llq_entry_recommended, ENA_LLQ_ENTRY_SIZE_256B);
		assert_false(o.profile.readless);
		assert_int_equal(o.profile.keepalive_ms, 100);
		assert_int_equal(o.profile.queues, 8);
		assert_int_equal(o.profile.rx_depth, 16384);
	}
	{
		struct sim_wire w;

		assert_int_equal(sim_wire_parse("pair:/tmp/p", &w, err, sizeof(err)), 0);
		assert_int_equal(w.kind, SIM_WIRE_PAIR);
		assert_string_equal(w.path, "/tmp/p");
		assert_int_equal(sim_wire_parse("loop", &w, err, sizeof(err)), 0);
		assert_int_equal(w.kind, SIM_WIRE_LOOP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_config_space, teardown),
		cmocka_unit_test_teardown(test_regions, teardown),
		cmocka_unit_test_teardown(test_probe_and_show, teardown),
		cmocka_unit_test_teardown(test_readless, teardown),
		cmocka_unit_test_teardown(test_reset_reasons, teardown),
		cmocka_unit_test_teardown(test_reset_discards, teardown),
		cmocka_unit_test_teardown(test_queue_commands, teardown),
		cmocka_unit_test_teardown(test_mtu_host_attr, teardown),
		cmocka_unit_test_teardown(test_acq_phase_wrap, teardown),
		cmocka_unit_test_teardown(test_aenq_flow_control, teardown),
		cmocka_unit_test_teardown(test_keepalive_contents, teardown),
		cmocka_unit_test_teardown(test_rss, teardown),
		cmocka_unit_test_teardown(test_stats, teardown),
		cmocka_unit_test_teardown(test_ctl_faults, teardown),
		cmocka_unit_test_teardown(test_ctl_show_queues, teardown),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
