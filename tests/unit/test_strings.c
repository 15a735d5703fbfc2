/* SPDX-License-Identifier: MIT */
/* String tables round-trip and device status maps to errno in one place. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <ena/ena.h>

static void test_reset_reason_round_trip(void **state)
{
	for (unsigned int i = 0; i < ENA_RESET__COUNT; i++) {
		const char *name = ena_reset_reason_name(i);

		assert_non_null(name);
		assert_int_equal(ena_reset_reason_from_name(name), i);
	}
	assert_null(ena_reset_reason_name(ENA_RESET__COUNT));
	assert_null(ena_reset_reason_name(0xffffffffu));
	assert_int_equal(ena_reset_reason_from_name("no_such_reason"), -EINVAL);
	assert_int_equal(ena_reset_reason_from_name(NULL), -EINVAL);
	/* The names the Linux driver counts under. */
	assert_string_equal(ena_reset_reason_name(ENA_RESET_KEEP_ALIVE_TO), "keep_alive_to");
	assert_string_equal(ena_reset_reason_name(ENA_RESET_MISS_TX_CMPL), "miss_tx_cmpl");
	assert_string_equal(ena_reset_reason_name(ENA_RESET_USER_TRIGGER), "user_trigger");
}

static void test_names_are_unique(void **state)
{
	for (unsigned int i = 0; i < ENA_RESET__COUNT; i++)
		for (unsigned int j = i + 1; j < ENA_RESET__COUNT; j++)
			assert_string_not_equal(ena_reset_reason_name(i), ena_reset_reason_name(j));
	for (unsigned int i = 0; i < ENA_AENQ_GROUPS_NUM; i++)
		assert_non_null(ena_aenq_group_name(i));
	assert_null(ena_aenq_group_name(ENA_AENQ_GROUPS_NUM));
	assert_string_equal(ena_feature_name(ENA_FEAT_MAX_QUEUES_EXT), "max_queues_ext");
	assert_null(ena_feature_name(9));
	assert_null(ena_feature_name(200));
}

static void test_status_to_errno(void **state)
{
	static const struct { unsigned int status; int err; } table[] = {
		{ ENA_ADMIN_SUCCESS, 0 },
		{ ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE, -ENOMEM },
		{ ENA_ADMIN_BAD_OPCODE, -EINVAL },
		{ ENA_ADMIN_UNSUPPORTED_OPCODE, -EOPNOTSUPP },
		{ ENA_ADMIN_MALFORMED_REQUEST, -EINVAL },
		{ ENA_ADMIN_ILLEGAL_PARAMETER, -EINVAL },
		{ ENA_ADMIN_UNKNOWN_ERROR, -EINVAL },
		{ ENA_ADMIN_RESOURCE_BUSY, -EAGAIN },
		{ 200, -EINVAL }, /* a status we do not know is still an error */
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(ena_admin_status_to_errno(table[i].status), table[i].err);
	for (unsigned int s = 0; s < ENA_ADMIN_STATUS__COUNT; s++)
		assert_non_null(ena_admin_status_name(s));
	assert_null(ena_admin_status_name(ENA_ADMIN_STATUS__COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_reason_round_trip),
		cmocka_unit_test(test_names_are_unique),
		cmocka_unit_test(test_status_to_errno),
	};

	return cmocka_run_group_tests_name("strings", tests, NULL, NULL);
}
