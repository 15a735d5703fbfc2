# SPDX-License-Identifier: MIT
# enad: userspace ENA driver, its library and its device emulator.
#
#   make              build everything into build/
#   make check        install deps, build, run every test (unit + integration)
#   make SAN=address  sanitizer build (address, undefined or thread) in build-SAN/
#   make install      PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR ?= /etc
DESTDIR ?=

VERSION := 0.1.0
SOVERSION := 0

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libsystemd json-c libnl-3.0 libnl-route-3.0 numa libevent inih
LIBENA_PKGS := json-c numa

ifeq ($(SAN),)
B := build
SANFLAGS :=
else
B := build-$(SAN)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
ifeq ($(SAN),undefined)
SANFLAGS += -fno-sanitize-recover=undefined
endif
ifeq ($(SAN),thread)
# TSan does not model fences. libena's fences order stores to memory the
# device (another process, invisible to TSan) reads: nothing for it to check.
SANFLAGS += -Wno-tsan
endif
endif

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -DENAD_VERSION='"$(VERSION)"' -Ilibena/include -Ilibena -Isim -Idaemon
DEPFLAGS = -MMD -MP
ALL_CFLAGS = -std=gnu11 -fPIC -pthread $(WARNFLAGS) $(SANFLAGS) $(CFLAGS) $(CPPFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread
LDLIBS_LIBENA = $(shell $(PKG_CONFIG) --libs $(LIBENA_PKGS) 2>/dev/null) -lpthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

# ---- sources (explicit lists) ----
LIBENA_BUS_SRCS := libena/bus.c libena/error.c
LIBENA_VFIO_USER_SRCS := libena/vfio_user_msg.c libena/bus_vfio_user.c
LIBENA_VFIO_KERNEL_SRCS := libena/bus_vfio_kernel.c libena/pci_sysfs.c libena/pagemap.c
LIBENA_DMA_SRCS := libena/dma.c
LIBENA_COM_SRCS := libena/strings.c libena/mmio.c libena/admin.c libena/aenq.c \
	libena/device.c libena/features.c libena/stats.c libena/rss.c
LIBENA_ETH_SRCS := libena/eth_queue.c libena/eth_tx.c libena/eth_rx.c libena/eth_intr.c \
	libena/eth_stats.c
LIBENA_SRCS := $(LIBENA_BUS_SRCS) $(LIBENA_VFIO_USER_SRCS) $(LIBENA_VFIO_KERNEL_SRCS) \
	$(LIBENA_DMA_SRCS) $(LIBENA_COM_SRCS) $(LIBENA_ETH_SRCS)

SIM_SERVER_SRCS := sim/vfu_server.c
SIM_DEVICE_SRCS := sim/device.c sim/admin.c sim/aenq.c sim/ctl.c sim/options.c \
	sim/io.c sim/io_tx.c sim/io_rx.c sim/frame.c sim/offload.c sim/eni.c sim/ctl_io.c \
	sim/wire.c sim/wire_loop.c sim/wire_tap.c sim/wire_pair.c
SIM_LIB_SRCS := $(SIM_SERVER_SRCS) $(SIM_DEVICE_SRCS)
SIM_MAIN_SRCS := sim/main.c sim/ctl_client.c

# enad's core (all of the daemon but main.c) goes into libenad.a, which the
# unit tests link; each daemon engineer appends their sources here.
DAEMON_CORE_SRCS := daemon/params.c daemon/config.c
DAEMON_CORE_SRCS += daemon/tap.c daemon/link.c daemon/log.c daemon/notify.c

# Unit tests: tests/unit/NAME.c -> $(B)/tests/NAME, linked with libena.a and
# libenasim.a. Each owner lists its tests here.
UNIT_TESTS_BUS := test_vfio_user
UNIT_TESTS_KERNEL := test_vfio_kernel test_dma
UNIT_TESTS_SIM := test_sim_device test_sim_io
UNIT_TESTS_COM := test_strings test_rss test_libena_sim test_datapath test_wires
UNIT_TESTS_ETH := test_eth
UNIT_TESTS_DAEMON := test_config
UNIT_TESTS_DAEMON += test_tap_link test_log_notify
UNIT_TESTS := $(UNIT_TESTS_BUS) $(UNIT_TESTS_KERNEL) $(UNIT_TESTS_SIM) $(UNIT_TESTS_COM) \
	$(UNIT_TESTS_ETH) $(UNIT_TESTS_DAEMON)

LIBENA_OBJS := $(LIBENA_SRCS:%.c=$(B)/obj/%.o)
SIM_LIB_OBJS := $(SIM_LIB_SRCS:%.c=$(B)/obj/%.o)
SIM_MAIN_OBJS := $(SIM_MAIN_SRCS:%.c=$(B)/obj/%.o)
DAEMON_CORE_OBJS := $(DAEMON_CORE_SRCS:%.c=$(B)/obj/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(B)/tests/%)

LIBENA_SO := $(B)/libena.so.$(SOVERSION)
PROGRAMS := $(B)/enasim

.PHONY: all check unit integration deps install uninstall clean bench
all: $(B)/libena.a $(LIBENA_SO) $(B)/libena.pc $(PROGRAMS) $(UNIT_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/libena.a: $(LIBENA_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBENA_SO): $(LIBENA_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libena.so.$(SOVERSION) $(SANFLAGS) -o $@ $^ $(LDLIBS_LIBENA)
	$(Q)ln -sf libena.so.$(SOVERSION) $(B)/libena.so

$(B)/libena.pc: libena/libena.pc.in
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/libenad.a: $(DAEMON_CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/libenasim.a: $(SIM_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/enasim: $(SIM_MAIN_OBJS) $(B)/libenasim.a $(B)/libena.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL)

TEST_HARNESS_OBJS := $(B)/obj/tests/unit/sim_harness.o $(B)/obj/tests/unit/pkt.o
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_HARNESS_OBJS) $(B)/libenad.a $(B)/libenasim.a $(B)/libena.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL) -lcmocka

# ---- benchmarks (printed, never asserted) ----
$(B)/bench/loop_bench: $(B)/obj/tests/bench/loop_bench.o $(B)/obj/tests/unit/pkt.o $(B)/libena.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL)

bench: all $(B)/bench/loop_bench
	B=$(B) tests/bench/loop.sh

# ---- tests ----
# The plain build runs everything (unit, integration, memcheck); from a
# plain `make check` the unit binaries also run under ASan
# and TSan builds, and each fuzz harness runs for a bounded time.
ifeq ($(SAN),)
CHECK_SAN_BUILDS := build-address build-thread
endif
check: deps
	$(MAKE) all
	$(if $(CHECK_SAN_BUILDS),$(MAKE) SAN=address all && $(MAKE) SAN=thread all && $(MAKE) fuzz)
	B=$(B) SAN_BUILDS="$(CHECK_SAN_BUILDS)" FUZZ=$(if $(CHECK_SAN_BUILDS),1,0) tests/run

unit: all
	B=$(B) tests/run unit

integration: all
	B=$(B) tests/run integration

# libFuzzer harnesses (clang, ASan) in build-fuzz/; fuzz-check runs each for a
# bounded time on a scratch copy of its seed corpus.
FUZZ_CC ?= clang
FUZZ_CONFIG_SRCS := tests/fuzz/fuzz_config.c daemon/params.c daemon/config.c libena/pci_sysfs.c
.PHONY: fuzz fuzz-check
fuzz: build-fuzz/fuzz_config

build-fuzz/fuzz_config: $(FUZZ_CONFIG_SRCS) daemon/params.h daemon/config.h
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address $(WARNFLAGS) $(CPPFLAGS) \
		-o $@ $(FUZZ_CONFIG_SRCS) $(shell $(PKG_CONFIG) --libs inih)

fuzz-check: fuzz
	@rm -rf build-fuzz/corpus-config && mkdir -p build-fuzz/corpus-config
	build-fuzz/fuzz_config -max_total_time=20 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/ build-fuzz/corpus-config tests/fuzz/corpus/config

# libena's kernel-VFIO backend against vfio-pci in a QEMU guest (TCG), with an
# IOMMU (type1) and without (noiommu); tests/integration/vfio_guest.t runs it too.
.PHONY: vfio-guest-test
vfio-guest-test: all
	@rc=0; for mode in iommu noiommu; do B=$(B) tests/vfio-guest/run.sh $$mode || rc=1; done; exit $$rc

# Debian packages needed to build and test (idempotent).
DEB_PACKAGES := build-essential pkg-config libsystemd-dev libjson-c-dev libnl-3-dev \
	libnl-route-3-dev libnuma-dev libevent-dev libinih-dev libcmocka-dev \
	iproute2 iputils-ping iperf3 procps psmisc valgrind mandoc perl clang libclang-rt-14-dev
# vfio-guest-test: the guest, its kernel and initramfs tools; linux-source and
# the headers rebuild vfio.ko with noiommu (Debian builds it without).
DEB_PACKAGES += qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source \
	busybox-static cpio kmod xz-utils
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: all installed"; fi

# ---- install ----
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/ena $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(B)/enasim $(DESTDIR)$(BINDIR)/enasim
	install -m 0644 $(B)/libena.a $(DESTDIR)$(LIBDIR)/libena.a
	install -m 0755 $(LIBENA_SO) $(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION)
	ln -sf libena.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libena.so
	install -m 0644 libena/include/ena/*.h $(DESTDIR)$(INCLUDEDIR)/ena/
	install -m 0644 $(B)/libena.pc $(DESTDIR)$(PKGCONFIGDIR)/libena.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/enasim $(DESTDIR)$(LIBDIR)/libena.a \
		$(DESTDIR)$(LIBDIR)/libena.so $(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION) \
		$(DESTDIR)$(PKGCONFIGDIR)/libena.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/ena

clean:
	rm -rf build build-address build-undefined build-thread build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
