/* SPDX-License-Identifier: MIT */
/* GET_STATS: basic counters, ENI allowances and customer metrics. */
#include <errno.h>
#include <string.h>

#include "ena_dev.h"
#include "error.h"

static uint64_t u64_of(uint32_t lo, uint32_t hi)
{
	return ((uint64_t)hi << 32) | lo;
}

static int get_stats(struct ena_dev *dev, uint8_t type, uint64_t requested, uint64_t buf_iova,
		     uint32_t buf_len, struct ena_acq_get_stats_resp *resp)
{
	struct ena_aq_get_stats cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.common.opcode = ENA_ADMIN_GET_STATS;
	cmd.type = type;
	cmd.scope = 0;
	cmd.device_id = 0; /* "this function", as the drivers send */
	cmd.requested_metrics = requested;
	if (buf_len) {
		cmd.u.control_buffer.length = buf_len;
		ena_mem_addr_set(&cmd.u.control_buffer.address, buf_iova);
	}
	return ena_admin_exec(dev, &cmd, sizeof(cmd), (struct ena_acq_entry *)resp);
}

int ena_dev_get_basic_stats(struct ena_dev *dev, struct ena_basic_stats *ret)
{
	struct ena_acq_get_stats_resp resp;
	const struct ena_basic_stats_wire *b = &resp.u.basic;
	int r = get_stats(dev, ENA_STATS_BASIC, 0, 0, 0, &resp);

	if (r < 0)
		return r;
	*ret = (struct ena_basic_stats){
		.tx_bytes = u64_of(b->tx_bytes_low, b->tx_bytes_high),
		.tx_pkts = u64_of(b->tx_pkts_low, b->tx_pkts_high),
		.rx_bytes = u64_of(b->rx_bytes_low, b->rx_bytes_high),
		.rx_pkts = u64_of(b->rx_pkts_low, b->rx_pkts_high),
		.rx_drops = u64_of(b->rx_drops_low, b->rx_drops_high),
		.tx_drops = u64_of(b->tx_drops_low, b->tx_drops_high),
		.rx_overruns = u64_of(b->rx_overruns_low, b->rx_overruns_high),
	};
	return 0;
}

int ena_dev_get_eni_stats(struct ena_dev *dev, struct ena_eni_stats *ret)
{
	struct ena_acq_get_stats_resp resp;
	int r;

	if (!(dev->attrs.capabilities & (1u << ENA_CAP_ENI_STATS)))
		return ena_error_set(-EOPNOTSUPP, "device lacks the ENI_STATS capability");
	r = get_stats(dev, ENA_STATS_ENI, 0, 0, 0, &resp);
	if (r < 0)
		return r;
	*ret = (struct ena_eni_stats){
		.bw_in_allowance_exceeded = resp.u.eni.bw_in_allowance_exceeded,
		.bw_out_allowance_exceeded = resp.u.eni.bw_out_allowance_exceeded,
		.pps_allowance_exceeded = resp.u.eni.pps_allowance_exceeded,
		.conntrack_allowance_exceeded = resp.u.eni.conntrack_allowance_exceeded,
		.linklocal_allowance_exceeded = resp.u.eni.linklocal_allowance_exceeded,
	};
	return 0;
}

/* Which customer metrics the device reports (GET_STATS type 4 without a
 * buffer). Without the capability the drivers assume the ENI five. */
int ena_stats_query_customer_metrics(struct ena_dev *dev, uint64_t *ret_mask)
{
	struct ena_acq_get_stats_resp resp;
	int r;

	if (!(dev->attrs.capabilities & (1u << ENA_CAP_CUSTOMER_METRICS))) {
		*ret_mask = (dev->attrs.capabilities & (1u << ENA_CAP_ENI_STATS)) ?
				    ENA_CUSTOMER_METRICS_MIN_SUPPORT_MASK : 0;
		return 0;
	}
	r = get_stats(dev, ENA_STATS_CUSTOMER_METRICS, ENA_CUSTOMER_METRICS_SUPPORT_MASK, 0, 0, &resp);
	if (r < 0)
		return r;
	/* Ids we do not know cannot be named or stored: keep the known ones. */
	*ret_mask = resp.u.reported_metrics & ENA_CUSTOMER_METRICS_SUPPORT_MASK;
	return 0;
}

int ena_dev_get_customer_metrics(struct ena_dev *dev, struct ena_customer_metrics *ret)
{
	struct ena_acq_get_stats_resp resp;
	uint64_t mask = dev->attrs.customer_metrics_mask;
	const uint64_t *packed = dev->ctrl.va;
	struct ena_customer_metrics m;
	unsigned int k = 0;
	int r;

	if (!(dev->attrs.capabilities & (1u << ENA_CAP_CUSTOMER_METRICS)))
		return ena_error_set(-EOPNOTSUPP, "device lacks the CUSTOMER_METRICS capability");
	memset(dev->ctrl.va, 0, ENA_CUSTOMER_METRICS_BUF_SIZE);
	r = get_stats(dev, ENA_STATS_CUSTOMER_METRICS, mask, dev->ctrl.iova,
		      ENA_CUSTOMER_METRICS_BUF_SIZE, &resp);
	if (r < 0)
		return r;
	memset(&m, 0, sizeof(m));
	m.supported = mask;
	/* One u64 per requested metric, packed in ascending id order. */
	for (unsigned int id = 0; id < ENA_METRIC__COUNT; id++)
		if (mask & (1ull << id))
			m.value[id] = packed[k++];
	*ret = m;
	return 0;
}
