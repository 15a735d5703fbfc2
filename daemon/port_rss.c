/* SPDX-License-Identifier: MIT */
/* RSS on a port: hash function and key, and the indirection table from the user's spec. */
#include <errno.h>
#include <string.h>

#include "port_priv.h"

void port_rss_fill_table(const struct param_indir *indir, unsigned int nq, uint16_t *table,
			 unsigned int entries)
{
	uint64_t total = 0, acc = 0;
	unsigned int q = 0;

	if (!nq)
		nq = 1;
	switch (indir->kind) {
	case PARAM_INDIR_EQUAL:
		for (unsigned int i = 0; i < entries; i++)
			table[i] = (uint16_t)(i % (indir->n && indir->n <= nq ? indir->n : nq));
		return;
	case PARAM_INDIR_LIST:
		for (unsigned int i = 0; i < entries; i++)
			table[i] = indir->n ? indir->v[i % indir->n] : (uint16_t)(i % nq);
		return;
	case PARAM_INDIR_WEIGHT:
		/* entry i goes to the queue whose share of the cumulative weight
		 * covers i, as ethtool's "weight" does */
		for (unsigned int k = 0; k < indir->n; k++)
			total += indir->v[k];
		if (!total)
			break;
		acc = indir->n ? indir->v[0] : 0;
		for (unsigned int i = 0; i < entries; i++) {
			while (q + 1 < indir->n && (uint64_t)i * total >= acc * entries)
				acc += indir->v[++q];
			table[i] = (uint16_t)q;
		}
		return;
	case PARAM_INDIR_DEFAULT:
		break;
	}
	for (unsigned int i = 0; i < entries; i++)
		table[i] = (uint16_t)(i % nq);
}

static enum ena_hash_function port_hfunc(enum param_hfunc f)
{
	return f == PARAM_HFUNC_CRC32 ? ENA_HASH_CRC32 : ENA_HASH_TOEPLITZ;
}

/* Send the function/key and/or the table the configuration asks for. With
 * the table, the queue numbers become the device's RX SQ indices. */
int port_rss_apply(struct port *p, bool function, bool table)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(p->dev);
	uint16_t dev_table[PARAM_INDIR_MAX];
	unsigned int log = PORT_RSS_LOG_SIZE, entries;
	int r;

	if (!a->rss_ind_table_max_log) {
		p->rss_log_size = 0;
		return 0; /* no RSS: everything arrives on queue 0 */
	}
	if (log < a->rss_ind_table_min_log)
		log = a->rss_ind_table_min_log;
	if (log > a->rss_ind_table_max_log)
		log = a->rss_ind_table_max_log;
	if ((1u << log) > PARAM_INDIR_MAX)
		log = 10;
	if (function) {
		if (p->cfg.has & PARAM_HAS(PARAM_RSS_KEY))
			memcpy(p->rss_key, p->cfg.rss_key, sizeof(p->rss_key));
		r = ena_rss_set_function(p->dev, port_hfunc(p->cfg.rss_hash_function), p->rss_key,
					 0xffffffffu);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "RSS function %s: %s",
					     p->cfg.rss_hash_function == PARAM_HFUNC_CRC32 ? "crc32" : "toeplitz",
					     ena_error_last());
	}
	if (!table)
		return 0;
	entries = 1u << log;
	port_rss_fill_table(&p->cfg.rss_indir, p->nq, p->rss_table, entries);
	for (unsigned int i = 0; i < entries; i++) {
		unsigned int q = p->rss_table[i];

		if (q >= p->nq || !p->q[q].qp)
			return log_dev_errno(LOG_ERR, &p->log, NULL, EINVAL,
					     "RSS entry %u -> queue %u, but %u queue(s)", i, q, p->nq);
		dev_table[i] = ena_qpair_rx_sq_idx(p->q[q].qp);
	}
	r = ena_rss_set_indir(p->dev, dev_table, log);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "RSS table: %s", ena_error_last());
	p->rss_log_size = log;
	return 0;
}

void port_get_rss(const struct port *p, struct port_rss *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->table_size = p->rss_log_size ? 1u << p->rss_log_size : 0;
	memcpy(ret->table, p->rss_table, ret->table_size * sizeof(ret->table[0]));
	memcpy(ret->key, p->rss_key, sizeof(ret->key));
	ret->hfunc = p->cfg.rss_hash_function;
	ret->crc32_supported = true; /* the device answers SET with an error otherwise */
}
