/* SPDX-License-Identifier: MIT */
/* Printable names for ENA enums, and device admin status -> errno. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <ena/ena.h>

static const char *const reset_reason_names[ENA_RESET__COUNT] = {
	[ENA_RESET_NORMAL] = "normal",
	[ENA_RESET_KEEP_ALIVE_TO] = "keep_alive_to",
	[ENA_RESET_ADMIN_TO] = "admin_to",
	[ENA_RESET_MISS_TX_CMPL] = "miss_tx_cmpl",
	[ENA_RESET_INV_RX_REQ_ID] = "inv_rx_req_id",
	[ENA_RESET_INV_TX_REQ_ID] = "inv_tx_req_id",
	[ENA_RESET_TOO_MANY_RX_DESCS] = "too_many_rx_descs",
	[ENA_RESET_INIT_ERR] = "init_err",
	[ENA_RESET_DRIVER_INVALID_STATE] = "driver_invalid_state",
	[ENA_RESET_OS_TRIGGER] = "os_trigger",
	[ENA_RESET_OS_NETDEV_WD] = "os_netdev_wd",
	[ENA_RESET_SHUTDOWN] = "shutdown",
	[ENA_RESET_USER_TRIGGER] = "user_trigger",
	[ENA_RESET_GENERIC] = "generic",
	[ENA_RESET_MISS_INTERRUPT] = "miss_interrupt",
	[ENA_RESET_SUSPECTED_POLL_STARVATION] = "suspected_poll_starvation",
	[ENA_RESET_RX_DESCRIPTOR_MALFORMED] = "rx_descriptor_malformed",
	[ENA_RESET_TX_DESCRIPTOR_MALFORMED] = "tx_descriptor_malformed",
	[ENA_RESET_MISSING_ADMIN_INTERRUPT] = "missing_admin_interrupt",
	[ENA_RESET_DEVICE_REQUEST] = "device_request",
	[ENA_RESET_MISS_FIRST_INTERRUPT] = "miss_first_interrupt",
};

static const char *const admin_status_names[ENA_ADMIN_STATUS__COUNT] = {
	[ENA_ADMIN_SUCCESS] = "success",
	[ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE] = "resource_allocation_failure",
	[ENA_ADMIN_BAD_OPCODE] = "bad_opcode",
	[ENA_ADMIN_UNSUPPORTED_OPCODE] = "unsupported_opcode",
	[ENA_ADMIN_MALFORMED_REQUEST] = "malformed_request",
	[ENA_ADMIN_ILLEGAL_PARAMETER] = "illegal_parameter",
	[ENA_ADMIN_UNKNOWN_ERROR] = "unknown_error",
	[ENA_ADMIN_RESOURCE_BUSY] = "resource_busy",
};

static const char *const aenq_group_names[ENA_AENQ_GROUPS_NUM] = {
	[ENA_AENQ_LINK_CHANGE] = "link_change",
	[ENA_AENQ_FATAL_ERROR] = "fatal_error",
	[ENA_AENQ_WARNING] = "warning",
	[ENA_AENQ_NOTIFICATION] = "notification",
	[ENA_AENQ_KEEP_ALIVE] = "keep_alive",
	[ENA_AENQ_REFRESH_CAPABILITIES] = "refresh_capabilities",
	[ENA_AENQ_CONF_NOTIFICATIONS] = "conf_notifications",
	[ENA_AENQ_DEVICE_REQUEST_RESET] = "device_request_reset",
};

static const char *const feature_names[ENA_FEAT__COUNT] = {
	[ENA_FEAT_DEVICE_ATTRIBUTES] = "device_attributes",
	[ENA_FEAT_MAX_QUEUES_NUM] = "max_queues_num",
	[ENA_FEAT_HW_HINTS] = "hw_hints",
	[ENA_FEAT_LLQ] = "llq",
	[ENA_FEAT_EXTRA_PROPERTIES_STRINGS] = "extra_properties_strings",
	[ENA_FEAT_EXTRA_PROPERTIES_FLAGS] = "extra_properties_flags",
	[ENA_FEAT_MAX_QUEUES_EXT] = "max_queues_ext",
	[ENA_FEAT_FRAG_BYPASS] = "frag_bypass",
	[ENA_FEAT_RSS_HASH_FUNCTION] = "rss_hash_function",
	[ENA_FEAT_STATELESS_OFFLOAD_CONFIG] = "stateless_offload_config",
	[ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG] = "rss_indirection_table_config",
	[ENA_FEAT_MTU] = "mtu",
	[ENA_FEAT_RSS_HASH_INPUT] = "rss_hash_input",
	[ENA_FEAT_INTERRUPT_MODERATION] = "interrupt_moderation",
	[ENA_FEAT_AENQ_CONFIG] = "aenq_config",
	[ENA_FEAT_LINK_CONFIG] = "link_config",
	[ENA_FEAT_HOST_ATTR_CONFIG] = "host_attr_config",
	[ENA_FEAT_PHC_CONFIG] = "phc_config",
	[ENA_FEAT_FLOW_STEERING_CONFIG] = "flow_steering_config",
	[ENA_FEAT_HW_TIMESTAMP] = "hw_timestamp",
};

static const char *table_name(const char *const *table, size_t n, unsigned int i)
{
	return i < n && table[i] ? table[i] : NULL;
}

const char *ena_reset_reason_name(unsigned int reason)
{
	return table_name(reset_reason_names, ENA_RESET__COUNT, reason);
}

int ena_reset_reason_from_name(const char *name)
{
	for (unsigned int i = 0; name && i < ENA_RESET__COUNT; i++)
		if (strcmp(reset_reason_names[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *ena_admin_status_name(unsigned int status)
{
	return table_name(admin_status_names, ENA_ADMIN_STATUS__COUNT, status);
}

const char *ena_aenq_group_name(unsigned int group)
{
	return table_name(aenq_group_names, ENA_AENQ_GROUPS_NUM, group);
}

const char *ena_feature_name(unsigned int feature_id)
{
	return table_name(feature_names, ENA_FEAT__COUNT, feature_id);
}

int ena_admin_status_to_errno(unsigned int status)
{
	switch (status) {
	case ENA_ADMIN_SUCCESS:
		return 0;
	case ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE:
		return -ENOMEM;
	case ENA_ADMIN_UNSUPPORTED_OPCODE:
		return -EOPNOTSUPP;
	case ENA_ADMIN_RESOURCE_BUSY:
		return -EAGAIN;
	case ENA_ADMIN_BAD_OPCODE:
	case ENA_ADMIN_MALFORMED_REQUEST:
	case ENA_ADMIN_ILLEGAL_PARAMETER:
	case ENA_ADMIN_UNKNOWN_ERROR:
	default:
		return -EINVAL;
	}
}
