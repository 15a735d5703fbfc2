/* SPDX-License-Identifier: MIT */
/* DMA memory: memfd-backed (hugepages when reserved), NUMA-bound, mapped on
 * the bus so the device can reach it. */
#ifndef ENA_DMA_H
#define ENA_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/ena.h> /* struct ena_dma_mem */

struct ena_bus;

#define ENA_DMA_NUMA_ANY (-1)

/**
 * ena_dma_alloc() - allocate zeroed DMA memory and map it for the device.
 * @bus: the device that will access it.
 * @size: bytes wanted (> 0, at most ENA_DMA_MAX_ALLOC).
 * @numa_node: node whose memory to prefer, or ENA_DMA_NUMA_ANY.
 * @ret: filled on success; untouched on failure.
 *
 * The memory is physically contiguous as the device sees it (one IOVA range).
 * Each allocation is its own memfd (so the vfio-user backend can pass it to
 * the device process), mapped MAP_SHARED and populated. 2 MiB hugepages are
 * used when enough are free and rounding the size up to 2 MiB wastes less
 * than half of it; otherwise (or when the hugetlb memfd or its mapping fails)
 * 4 KiB pages. If the bus refuses a 4 KiB-page allocation with -EINVAL (the
 * noiommu backend needs physically contiguous memory) and hugepages are
 * free, the allocation is retried once on hugepages. The pages are bound
 * to @numa_node with MPOL_PREFERRED (memory from another node beats a
 * failure) when libnuma reports NUMA support. @ret->size is @size;
 * @ret->map_size (a page multiple) is what is mapped for the device.
 *
 * Return: 0, -EINVAL, -ENOMEM, or the bus's dma_map error.
 */
int ena_dma_alloc(struct ena_bus *bus, size_t size, int numa_node, struct ena_dma_mem *ret);

/** ena_dma_free() - unmap from the device and release. Safe on a zeroed or freed mem. */
void ena_dma_free(struct ena_dma_mem *mem);

#define ENA_DMA_MAX_ALLOC (1ull << 30)

/**
 * ena_dma_hugepages_available() - whether 2 MiB hugepages are free now
 * (/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages > 0), so a
 * caller can say once that DMA memory falls back to 4 KiB pages.
 */
bool ena_dma_hugepages_available(void);

#endif /* ENA_DMA_H */
