/* SPDX-License-Identifier: MIT */
/* Register access (readless or direct) and the device reset handshake. */
#include <errno.h>
#include <string.h>

#include "ena_dev.h"
#include "error.h"
#include "plat.h"

/* The driver marks the response stale with this offset before each read. */
#define MMIO_STALE_MARK 0xDEAD

int ena_mmio_setup(struct ena_dev *dev)
{
	int r;

	if (!dev->readless)
		return 0;
	if (!dev->mmio_resp.va) {
		r = ena_dma_alloc(dev->bus, sizeof(struct ena_mmio_read_resp), dev->numa_node,
				  &dev->mmio_resp);
		if (r < 0)
			return ena_error_set(r, "readless response buffer: %s", strerror(-r));
	}
	memset(dev->mmio_resp.va, 0, sizeof(struct ena_mmio_read_resp));
	dev->mmio_seq = 0;
	r = ena_reg_write(dev, ENA_REG_MMIO_RESP_LO, (uint32_t)dev->mmio_resp.iova);
	if (r == 0)
		r = ena_reg_write(dev, ENA_REG_MMIO_RESP_HI, (uint32_t)(dev->mmio_resp.iova >> 32));
	return r;
}

void ena_mmio_teardown(struct ena_dev *dev)
{
	if (dev->readless && dev->mmio_resp.va) {
		/* Tell the device to stop writing responses before the memory goes. */
		ena_reg_write(dev, ENA_REG_MMIO_RESP_LO, 0);
		ena_reg_write(dev, ENA_REG_MMIO_RESP_HI, 0);
	}
	ena_dma_free(&dev->mmio_resp);
}

int ena_reg_write(struct ena_dev *dev, uint32_t off, uint32_t val)
{
	return ena_bus_write32(dev->bus, ENA_REG_BAR, off, val);
}

static int reg_read_readless(struct ena_dev *dev, uint32_t off, uint32_t *ret)
{
	volatile struct ena_mmio_read_resp *resp = dev->mmio_resp.va;
	uint64_t deadline;
	uint16_t seq = ++dev->mmio_seq;
	int r;

	resp->req_id = (uint16_t)(seq + MMIO_STALE_MARK);
	ena_wmb();
	r = ena_reg_write(dev, ENA_REG_MMIO_REG_READ,
			  (off << ENA_MMIO_REG_READ_REG_OFF_SHIFT) | seq);
	if (r < 0)
		return r;
	dev->stats.readless_reads++;

	deadline = ena_now_us() + dev->mmio_timeout_us;
	for (;;) {
		if (resp->req_id == seq) {
			ena_rmb();
			break;
		}
		if (ena_now_us() > deadline) {
			dev->stats.readless_timeouts++;
			*ret = ENA_MMIO_READ_TIMEOUT;
			return ena_error_set(-ETIME, "register %#x: no readless response within %u us",
					     off, dev->mmio_timeout_us);
		}
		ena_sleep_us(1);
	}
	if (resp->reg_off != off) {
		dev->stats.readless_timeouts++;
		*ret = ENA_MMIO_READ_TIMEOUT;
		return ena_error_set(-ETIME, "register %#x: readless response is for offset %#x",
				     off, resp->reg_off);
	}
	*ret = resp->reg_val;
	return 0;
}

int ena_reg_read(struct ena_dev *dev, uint32_t off, uint32_t *ret)
{
	uint32_t v;
	int r;

	if (dev->readless)
		return reg_read_readless(dev, off, ret);
	r = ena_bus_read32(dev->bus, ENA_REG_BAR, off, &v);
	if (r < 0)
		return ena_error_set(r, "register %#x: %s", off, strerror(-r));
	*ret = v;
	return 0;
}

static int wait_reset_bit(struct ena_dev *dev, bool want_set, uint32_t timeout_ms)
{
	uint64_t deadline = ena_now_us() + (uint64_t)timeout_ms * 1000;
	uint64_t backoff = 1;
	uint32_t sts;
	int r;

	for (;;) {
		r = ena_reg_read(dev, ENA_REG_DEV_STS, &sts);
		if (r < 0)
			return r;
		if (!!(sts & ENA_DEV_STS_RESET_IN_PROGRESS) == want_set)
			return 0;
		if (ena_now_us() > deadline)
			return ena_error_set(-ETIME, "reset indication didn't turn %s within %u ms",
					     want_set ? "on" : "off", timeout_ms);
		/* exponential backoff as the reference drivers, capped at 5 ms */
		ena_sleep_us(backoff);
		if (backoff < 5000)
			backoff *= 2;
	}
}

int ena_mmio_reset(struct ena_dev *dev, enum ena_reset_reason reason, uint32_t timeout_ms,
		   bool extended_reasons)
{
	uint32_t ctl;
	int r;

	if ((unsigned int)reason >= ENA_RESET__COUNT)
		return -EINVAL;
	if (reason >= 16 && !extended_reasons)
		reason = ENA_RESET_GENERIC;
	ctl = ENA_DEV_CTL_DEV_RESET | (((uint32_t)reason & 0xf) << ENA_DEV_CTL_RESET_REASON_SHIFT);
	if (extended_reasons)
		ctl |= (((uint32_t)reason >> 4) & 0xf) << ENA_DEV_CTL_RESET_REASON_EXT_SHIFT;

	r = ena_reg_write(dev, ENA_REG_DEV_CTL, ctl);
	if (r < 0)
		return ena_error_set(r, "write DEV_CTL: %s", strerror(-r));
	/* The device forgets the readless address on reset. */
	r = ena_mmio_setup(dev);
	if (r < 0)
		return r;
	r = wait_reset_bit(dev, true, timeout_ms);
	if (r < 0)
		return r;
	r = ena_reg_write(dev, ENA_REG_DEV_CTL, 0);
	if (r < 0)
		return ena_error_set(r, "release DEV_CTL: %s", strerror(-r));
	return wait_reset_bit(dev, false, timeout_ms);
}
