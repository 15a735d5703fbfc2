/* SPDX-License-Identifier: MIT */
/* GET_FEATURE / SET_FEATURE: MTU, link, hints, AENQ groups, LLQ and RSS. */
#include <errno.h>
#include <string.h>

#include "ena_dev.h"
#include "error.h"

bool ena_feature_supported(const struct ena_dev *dev, uint8_t id)
{
	/* DEVICE_ATTRIBUTES is never gated; the rest follow supported_features. */
	return id == ENA_FEAT_DEVICE_ATTRIBUTES ||
	       (id < 32 && (dev->attrs.supported_features & ENA_FEAT_BIT(id)));
}

static void feature_cmd_init(struct ena_aq_feature *cmd, uint8_t opcode, uint8_t id, uint8_t version,
			     uint64_t buf_iova, uint32_t buf_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->common.opcode = opcode;
	cmd->feat_common.feature_id = id;
	cmd->feat_common.feature_version = version;
	if (buf_len) {
		/* The drivers flag it indirect although the address points
		 * straight at the data; devices treat it as a direct buffer. */
		cmd->common.flags = ENA_AQ_FLAGS_CTRL_DATA_INDIRECT;
		cmd->control_buffer.length = buf_len;
		ena_mem_addr_set(&cmd->control_buffer.address, buf_iova);
	}
}

int ena_get_feature(struct ena_dev *dev, uint8_t id, uint8_t version, uint64_t buf_iova,
		    uint32_t buf_len, struct ena_acq_get_feature_resp *resp)
{
	struct ena_aq_feature cmd;

	if (!ena_feature_supported(dev, id))
		return ena_error_set(-EOPNOTSUPP, "device does not support feature %s",
				     ena_feature_name(id) ? ena_feature_name(id) : "?");
	feature_cmd_init(&cmd, ENA_ADMIN_GET_FEATURE, id, version, buf_iova, buf_len);
	return ena_admin_exec(dev, &cmd, sizeof(cmd), (struct ena_acq_entry *)resp);
}

int ena_set_feature(struct ena_dev *dev, uint8_t id, uint8_t version, const void *payload,
		    size_t payload_size, uint64_t buf_iova, uint32_t buf_len)
{
	struct ena_aq_feature cmd;

	if (payload_size > sizeof(cmd.u))
		return -EINVAL;
	/* HOST_ATTR_CONFIG, LLQ and AENQ_CONFIG SETs are not gated. */
	if (id != ENA_FEAT_HOST_ATTR_CONFIG && id != ENA_FEAT_LLQ &&
	    id != ENA_FEAT_AENQ_CONFIG && !ena_feature_supported(dev, id))
		return ena_error_set(-EOPNOTSUPP, "device does not support feature %s",
				     ena_feature_name(id) ? ena_feature_name(id) : "?");
	feature_cmd_init(&cmd, ENA_ADMIN_SET_FEATURE, id, version, buf_iova, buf_len);
	memcpy(&cmd.u, payload, payload_size);
	return ena_admin_exec(dev, &cmd, sizeof(cmd), NULL);
}

int ena_dev_set_mtu(struct ena_dev *dev, uint32_t mtu)
{
	struct ena_feat_mtu m = { .mtu = mtu };

	if (mtu < ENA_MIN_MTU || mtu > dev->attrs.max_mtu)
		return ena_error_set(-EINVAL, "mtu %u outside [%u, %u]", mtu, ENA_MIN_MTU,
				     dev->attrs.max_mtu);
	return ena_set_feature(dev, ENA_FEAT_MTU, 0, &m, sizeof(m), 0, 0);
}

int ena_dev_set_frag_bypass(struct ena_dev *dev, bool enable)
{
	struct ena_feat_frag_bypass f = { .enable = enable };

	if (!(dev->attrs.supported_features & ENA_FEAT_BIT(ENA_FEAT_FRAG_BYPASS)))
		return ena_error_set(-EOPNOTSUPP, "device does not support frag_bypass");
	return ena_set_feature(dev, ENA_FEAT_FRAG_BYPASS, 0, &f, sizeof(f), 0, 0);
}

int ena_dev_get_link(struct ena_dev *dev, struct ena_feat_link *ret)
{
	struct ena_acq_get_feature_resp resp;
	int r = ena_get_feature(dev, ENA_FEAT_LINK_CONFIG, 0, 0, 0, &resp);

	if (r < 0)
		return r;
	*ret = resp.u.link;
	return 0;
}

int ena_dev_get_hw_hints(struct ena_dev *dev, struct ena_hw_hints *ret)
{
	struct ena_acq_get_feature_resp resp;
	int r = ena_get_feature(dev, ENA_FEAT_HW_HINTS, 0, 0, 0, &resp);

	if (r < 0)
		return r;
	*ret = resp.u.hw_hints;
	return 0;
}

int ena_dev_set_aenq_groups(struct ena_dev *dev, uint32_t groups)
{
	struct ena_feat_aenq a = { .enabled_groups = groups };
	int r;

	if (groups & ~dev->attrs.aenq.supported_groups)
		return ena_error_set(-EINVAL, "AENQ groups %#x not a subset of supported %#x", groups,
				     dev->attrs.aenq.supported_groups);
	r = ena_set_feature(dev, ENA_FEAT_AENQ_CONFIG, 0, &a, sizeof(a), 0, 0);
	if (r == 0)
		dev->attrs.aenq.enabled_groups = groups;
	return r;
}

int ena_dev_set_llq(struct ena_dev *dev, unsigned int entry_size)
{
	const struct ena_feat_llq *caps = &dev->attrs.llq;
	struct ena_feat_llq set;
	uint16_t size_code;

	if (!dev->attrs.has_llq || caps->max_llq_num == 0)
		return ena_error_set(-EOPNOTSUPP, "device offers no LLQ");
	if (entry_size == ENA_LLQ_ENTRY_SIZE_NORMAL)
		size_code = ENA_LLQ_ENTRY_SIZE_128B;
	else if (entry_size == ENA_LLQ_ENTRY_SIZE_LARGE)
		size_code = ENA_LLQ_ENTRY_SIZE_256B;
	else
		return ena_error_set(-EINVAL, "LLQ entry size %u, allowed 128 or 256", entry_size);
	if (!(caps->header_location_ctrl_supported & ENA_LLQ_HEADER_INLINE) ||
	    !(caps->descriptors_stride_ctrl_supported & ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY) ||
	    !(caps->desc_num_before_header_supported & ENA_LLQ_DESCS_BEFORE_HEADER_2) ||
	    !(caps->entry_size_ctrl_supported & size_code))
		return ena_error_set(-EOPNOTSUPP,
				     "device LLQ options (header %#x, stride %#x, descs %#x, sizes %#x) lack inline/multiple/2/%u",
				     caps->header_location_ctrl_supported,
				     caps->descriptors_stride_ctrl_supported,
				     caps->desc_num_before_header_supported,
				     caps->entry_size_ctrl_supported, entry_size);
	memset(&set, 0, sizeof(set));
	set.header_location_ctrl_enabled = ENA_LLQ_HEADER_INLINE;
	set.entry_size_ctrl_enabled = size_code;
	set.desc_num_before_header_enabled = ENA_LLQ_DESCS_BEFORE_HEADER_2;
	set.descriptors_stride_ctrl_enabled = ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY;
	set.accel_mode.set.enabled_flags = ENA_LLQ_ACCEL_DISABLE_META_CACHING | ENA_LLQ_ACCEL_LIMIT_TX_BURST;
	return ena_set_feature(dev, ENA_FEAT_LLQ, 0, &set, sizeof(set), 0, 0);
}

/* ---- RSS ---- */

static int func_from_mask(uint32_t selected, enum ena_hash_function *ret)
{
	switch (selected & 0xff) {
	case 1u << ENA_HASH_TOEPLITZ:
		*ret = ENA_HASH_TOEPLITZ;
		return 0;
	case 1u << ENA_HASH_CRC32:
		*ret = ENA_HASH_CRC32;
		return 0;
	default:
		return ena_error_set(-EPROTO, "device reports hash function mask %#x", selected);
	}
}

int ena_rss_get_function(struct ena_dev *dev, enum ena_hash_function *ret_func,
			 uint8_t ret_key[ENA_RSS_KEY_SIZE], uint32_t *ret_init_val)
{
	struct ena_acq_get_feature_resp resp;
	struct ena_rss_hash_key *k = dev->ctrl.va;
	enum ena_hash_function func = ENA_HASH_TOEPLITZ;
	const uint8_t *wire;
	int r;

	memset(k, 0, sizeof(*k));
	r = ena_get_feature(dev, ENA_FEAT_RSS_HASH_FUNCTION, 0, dev->ctrl.iova, sizeof(*k), &resp);
	if (r < 0)
		return r;
	r = func_from_mask(resp.u.hash_func.selected_func, &func);
	if (r < 0)
		return r;
	if (k->key_parts != ENA_RSS_KEY_PARTS)
		return ena_error_set(-EPROTO, "device RSS key has %u parts, expected %u", k->key_parts,
				     ENA_RSS_KEY_PARTS);
	/* The device holds the key byte-reversed (see ena_rss_set_function). */
	wire = (const uint8_t *)k->key;
	if (ret_key)
		for (unsigned int i = 0; i < ENA_RSS_KEY_SIZE; i++)
			ret_key[i] = wire[ENA_RSS_KEY_SIZE - 1 - i];
	*ret_func = func;
	if (ret_init_val)
		*ret_init_val = resp.u.hash_func.init_val;
	return 0;
}

int ena_rss_set_function(struct ena_dev *dev, enum ena_hash_function func,
			 const uint8_t key[ENA_RSS_KEY_SIZE], uint32_t init_val)
{
	struct ena_acq_get_feature_resp resp;
	struct ena_feat_rss_hash_function f;
	struct ena_rss_hash_key *k = dev->ctrl.va;
	uint8_t *wire;
	int r;

	if (func != ENA_HASH_TOEPLITZ && func != ENA_HASH_CRC32)
		return ena_error_set(-EINVAL, "hash function %d, allowed toeplitz(1) or crc32(2)", func);
	/* Ask what the device supports before asking it to switch. */
	r = ena_get_feature(dev, ENA_FEAT_RSS_HASH_FUNCTION, 0, 0, 0, &resp);
	if (r < 0)
		return r;
	if (!(resp.u.hash_func.supported_func & (1u << func)))
		return ena_error_set(-EOPNOTSUPP, "device hash functions %#x lack %s",
				     resp.u.hash_func.supported_func,
				     func == ENA_HASH_TOEPLITZ ? "toeplitz" : "crc32");

	memset(k, 0, sizeof(*k));
	k->key_parts = ENA_RSS_KEY_PARTS;
	/* The hardware reads the key in reverse byte order (the DPDK and
	 * FreeBSD drivers reverse it too): storing it reversed makes the
	 * user's key give the standard Toeplitz hash. */
	wire = (uint8_t *)k->key;
	for (unsigned int i = 0; i < ENA_RSS_KEY_SIZE; i++)
		wire[i] = key[ENA_RSS_KEY_SIZE - 1 - i];
	memset(&f, 0, sizeof(f));
	f.selected_func = 1u << func;
	f.init_val = init_val;
	return ena_set_feature(dev, ENA_FEAT_RSS_HASH_FUNCTION, 0, &f, sizeof(f), dev->ctrl.iova,
			       sizeof(*k));
}

int ena_rss_get_hash_input(struct ena_dev *dev, uint16_t ret_selected[ENA_RSS_PROTO_NUM],
			   uint16_t ret_supported[ENA_RSS_PROTO_NUM], uint16_t *ret_sort)
{
	struct ena_acq_get_feature_resp resp;
	struct ena_rss_hash_control *c = dev->ctrl.va;
	int r;

	memset(c, 0, sizeof(*c));
	r = ena_get_feature(dev, ENA_FEAT_RSS_HASH_INPUT, 0, dev->ctrl.iova, sizeof(*c), &resp);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < ENA_RSS_PROTO_NUM; i++) {
		if (ret_selected)
			ret_selected[i] = c->selected_fields[i].fields;
		if (ret_supported)
			ret_supported[i] = c->supported_fields[i].fields;
	}
	if (ret_sort)
		*ret_sort = resp.u.hash_input.enabled_input_sort;
	return 0;
}

int ena_rss_set_hash_input(struct ena_dev *dev, const uint16_t selected[ENA_RSS_PROTO_NUM],
			   uint16_t sort)
{
	struct ena_feat_rss_hash_input in = { .enabled_input_sort = sort };
	struct ena_rss_hash_control *c = dev->ctrl.va;
	uint16_t supported[ENA_RSS_PROTO_NUM];
	int r;

	r = ena_rss_get_hash_input(dev, NULL, supported, NULL);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < ENA_RSS_PROTO_NUM; i++)
		if (selected[i] & ~supported[i])
			return ena_error_set(-EINVAL, "hash input %#x for protocol %u not in supported %#x",
					     selected[i], i, supported[i]);
	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < ENA_RSS_PROTO_NUM; i++)
		c->selected_fields[i].fields = selected[i];
	return ena_set_feature(dev, ENA_FEAT_RSS_HASH_INPUT, 0, &in, sizeof(in), dev->ctrl.iova,
			       sizeof(*c));
}

int ena_rss_get_indir(struct ena_dev *dev, uint16_t *ret_table, size_t max_entries,
		      unsigned int *ret_log_size)
{
	struct ena_acq_get_feature_resp resp;
	struct ena_rss_ind_entry *e = dev->ctrl.va;
	size_t bytes = ((size_t)1 << dev->attrs.rss_ind_table_max_log) * sizeof(*e);
	unsigned int log;
	int r;

	if (!dev->attrs.rss_ind_table_max_log)
		return ena_error_set(-EOPNOTSUPP, "device has no RSS indirection table");
	memset(e, 0, bytes);
	r = ena_get_feature(dev, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, ENA_RSS_FEATURE_VERSION_1,
			    dev->ctrl.iova, (uint32_t)bytes, &resp);
	if (r < 0)
		return r;
	log = resp.u.ind_table.size;
	if (log < dev->attrs.rss_ind_table_min_log || log > dev->attrs.rss_ind_table_max_log)
		return ena_error_set(-EPROTO, "device table size 2^%u outside [2^%u, 2^%u]", log,
				     dev->attrs.rss_ind_table_min_log, dev->attrs.rss_ind_table_max_log);
	if (((size_t)1 << log) > max_entries)
		return -ENOSPC;
	for (size_t i = 0; i < ((size_t)1 << log); i++)
		ret_table[i] = e[i].cq_idx;
	*ret_log_size = log;
	return 0;
}

int ena_rss_set_indir(struct ena_dev *dev, const uint16_t *table, unsigned int log_size)
{
	struct ena_feat_rss_ind_table t;
	struct ena_rss_ind_entry *e = dev->ctrl.va;
	size_t n = (size_t)1 << log_size;

	if (!dev->attrs.rss_ind_table_max_log)
		return ena_error_set(-EOPNOTSUPP, "device has no RSS indirection table");
	if (log_size < dev->attrs.rss_ind_table_min_log || log_size > dev->attrs.rss_ind_table_max_log)
		return ena_error_set(-EINVAL, "table size 2^%u outside [2^%u, 2^%u]", log_size,
				     dev->attrs.rss_ind_table_min_log, dev->attrs.rss_ind_table_max_log);
	for (size_t i = 0; i < n; i++)
		e[i] = (struct ena_rss_ind_entry){ .cq_idx = table[i] };
	memset(&t, 0, sizeof(t));
	t.size = (uint16_t)log_size;
	t.inline_index = ENA_RSS_IND_INLINE_INDEX_NONE;
	return ena_set_feature(dev, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG, 0, &t, sizeof(t),
			       dev->ctrl.iova, (uint32_t)(n * sizeof(*e)));
}
