# SPDX-License-Identifier: MIT
# enad: userspace ENA driver, its library and its device emulator.
#
#   make              build everything into build/
#   make check        install deps, build, run every test (unit + integration)
#   make SAN=address  sanitizer build (address, undefined or thread) in build-SAN/
#   make demo         a guided tour: enad moving traffic through enasim (KEEP=1 keeps it)
#   make install      PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc (and uninstall)

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
# B=build-NAME gives a private build tree (parallel work on one checkout).
B ?= build
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
	sim/io.c sim/io_poll.c sim/io_tx.c sim/io_rx.c sim/frame.c sim/offload.c sim/eni.c sim/ctl_io.c \
	sim/wire.c sim/wire_loop.c sim/wire_tap.c sim/wire_pair.c
SIM_LIB_SRCS := $(SIM_SERVER_SRCS) $(SIM_DEVICE_SRCS)
SIM_MAIN_SRCS := sim/main.c sim/ctl_client.c

# enad's core (all of the daemon but main.c) goes into libenad.a, which the
# unit tests link; each daemon engineer appends their sources here.
DAEMON_CORE_SRCS := daemon/params.c daemon/config.c
DAEMON_CORE_SRCS += daemon/tap.c daemon/link.c daemon/log.c daemon/notify.c
DAEMON_CORE_SRCS += daemon/worker.c daemon/txprep.c
DAEMON_CORE_SRCS += daemon/port.c daemon/port_rss.c daemon/port_watchdog.c daemon/port_reset.c \
	daemon/port_link.c daemon/port_apply.c daemon/manager.c
DAEMON_CORE_SRCS += daemon/control.c daemon/rpc.c daemon/rpc_decode.c daemon/rpc_methods.c

# enactl (cli/): main.c is the program; the rest goes into libenactl.a, which
# test_enactl links. It needs json-c only, never libena.
ENACTL_SRCS := cli/enactl.c cli/args.c cli/call.c cli/client.c cli/print.c \
	cli/cmd_list.c cli/cmd_show.c cli/cmd_stats.c cli/cmd_set.c cli/cmd_rss.c \
	cli/cmd_reset.c cli/cmd_watch.c cli/cmd_version.c
ENACTL_MAIN_SRCS := cli/main.c

# Unit tests: tests/unit/NAME.c -> $(B)/tests/NAME, linked with libena.a and
# libenasim.a. Each owner lists its tests here.
UNIT_TESTS_BUS := test_vfio_user
UNIT_TESTS_KERNEL := test_vfio_kernel test_dma
UNIT_TESTS_SIM := test_sim_device test_sim_io
UNIT_TESTS_COM := test_strings test_rss test_libena_sim test_datapath test_wires
UNIT_TESTS_ETH := test_eth
UNIT_TESTS_DAEMON := test_config
UNIT_TESTS_DAEMON += test_tap_link test_log_notify
UNIT_TESTS_DAEMON += test_worker test_txprep
UNIT_TESTS_DAEMON += test_rpc test_control
UNIT_TESTS_DAEMON += test_port
UNIT_TESTS := $(UNIT_TESTS_BUS) $(UNIT_TESTS_KERNEL) $(UNIT_TESTS_SIM) $(UNIT_TESTS_COM) \
	$(UNIT_TESTS_ETH) $(UNIT_TESTS_DAEMON)
UNIT_TESTS_CLI := test_enactl
UNIT_TESTS += $(UNIT_TESTS_CLI)

LIBENA_OBJS := $(LIBENA_SRCS:%.c=$(B)/obj/%.o)
SIM_LIB_OBJS := $(SIM_LIB_SRCS:%.c=$(B)/obj/%.o)
SIM_MAIN_OBJS := $(SIM_MAIN_SRCS:%.c=$(B)/obj/%.o)
DAEMON_CORE_OBJS := $(DAEMON_CORE_SRCS:%.c=$(B)/obj/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(B)/tests/%)

LIBENA_SO := $(B)/libena.so.$(SOVERSION)
PROGRAMS := $(B)/enasim
PROGRAMS += $(B)/enactl
PROGRAMS += $(B)/enad
# Helpers the integration scripts (tests/integration/*.t) run.
INTEGRATION_BINS := $(B)/tests/notify_listen
INTEGRATION_BINS += $(B)/tests/rpc_client

.PHONY: all check unit integration deps install uninstall clean bench
all: $(B)/libena.a $(LIBENA_SO) $(B)/libena.pc $(PROGRAMS) $(UNIT_BINS) $(INTEGRATION_BINS)

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

$(B)/enad: $(B)/obj/daemon/main.o $(B)/libenad.a $(B)/libena.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL)

$(B)/tests/notify_listen: $(B)/obj/tests/integration/notify_listen.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^

$(B)/tests/rpc_client: $(B)/obj/tests/integration/rpc_client.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^

ENACTL_OBJS := $(ENACTL_SRCS:%.c=$(B)/obj/%.o)
LDLIBS_ENACTL = $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)
$(B)/libenactl.a: $(ENACTL_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/enactl: $(ENACTL_MAIN_SRCS:%.c=$(B)/obj/%.o) $(B)/libenactl.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(LDLIBS_ENACTL)

# test_enactl runs enactl in-process against a fake server thread.
$(B)/obj/tests/unit/test_enactl.o: CPPFLAGS += -Icli
$(B)/tests/test_enactl: $(B)/obj/tests/unit/test_enactl.o $(B)/libenactl.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ENACTL) -lcmocka

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

# Does io_uring win for TAP reads? Needs liburing-dev (bench-deps).
$(B)/bench/tap_read_bench: $(B)/obj/tests/bench/tap_read_bench.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ -luring

bench: all bench-deps
	$(MAKE) B=$(B) $(B)/bench/loop_bench $(B)/bench/tap_read_bench
	B=$(B) tests/bench/loop.sh
	$(B)/bench/tap_read_bench
	B=$(B) tests/bench/tap_bench.sh

# issue 7: enad's TAP datapath against veth and DPDK testpmd (root; QUICK=1
# for a smoke run). Its tools are installed here, not by `make deps`.
BENCH_PACKAGES := dpdk-dev netsniff-ng iperf3 iputils-ping jq linux-perf liburing-dev
.PHONY: bench-tap bench-deps
bench-tap: all bench-deps
	B=$(B) tests/bench/tap_bench.sh
bench-deps:
	$(call apt_ensure,bench-deps,$(BENCH_PACKAGES))

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

# The control API's request parser and dispatcher with the parameter decoding
# (no port: the harness has its own method table over a default device config).
FUZZ_RPC_SRCS := tests/fuzz/fuzz_rpc.c daemon/rpc.c daemon/rpc_decode.c daemon/params.c \
	daemon/config.c libena/pci_sysfs.c
fuzz: build-fuzz/fuzz_rpc

build-fuzz/fuzz_rpc: $(FUZZ_RPC_SRCS) daemon/rpc.h daemon/rpc_decode.h daemon/params.h daemon/config.h
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address $(WARNFLAGS) $(CPPFLAGS) \
		$(shell $(PKG_CONFIG) --cflags json-c) \
		-o $@ $(FUZZ_RPC_SRCS) $(shell $(PKG_CONFIG) --libs json-c inih)

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
	iproute2 iputils-ping iperf3 procps psmisc valgrind mandoc perl clang libclang-rt-14-dev jq
# vfio-guest-test: the guest, its kernel and initramfs tools; linux-source and
# the headers rebuild vfio.ko with noiommu (Debian builds it without).
DEB_PACKAGES += qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source \
	busybox-static cpio kmod xz-utils
# $(call apt_ensure,LABEL,PACKAGES): install the missing ones (idempotent).
define apt_ensure
	@missing=""; for p in $(2); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "$(1): installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "$(1): all installed"; fi
endef
deps:
	$(call apt_ensure,deps,$(DEB_PACKAGES))

# ---- install ----
# Programs, libena (shared, static, headers, .pc), systemd units, the
# sysusers.d entry, the config (never over an existing one), manual pages and
# enactl's bash completion. The unit and sysusers directories come from
# systemd's pkg-config file; units are written with this install's paths.
DATADIR ?= $(PREFIX)/share
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# Written by other parts of the tree; installed when present.
INSTALL_MAN8 := daemon/enad.8 sim/enasim.8 $(wildcard cli/enactl.8)
INSTALL_BASHCOMP := $(wildcard cli/enactl.bash-completion)
SUBST_PATHS = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all $(B)/enad $(B)/enactl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/ena $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/enad $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(B)/enad $(DESTDIR)$(SBINDIR)/enad
	install -m 0755 $(B)/enactl $(B)/enasim $(DESTDIR)$(BINDIR)/
	install -m 0644 $(B)/libena.a $(DESTDIR)$(LIBDIR)/libena.a
	install -m 0755 $(LIBENA_SO) $(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION)
	ln -sf libena.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libena.so
	install -m 0644 libena/include/ena/*.h $(DESTDIR)$(INCLUDEDIR)/ena/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' libena/libena.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libena.pc
	$(SUBST_PATHS) systemd/enad.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/enad.service
	$(SUBST_PATHS) systemd/enasim@.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/enasim@.service
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/libena.pc $(DESTDIR)$(SYSTEMDUNITDIR)/enad.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/enasim@.service
	install -m 0644 systemd/enad.socket $(DESTDIR)$(SYSTEMDUNITDIR)/enad.socket
	install -m 0644 systemd/enad.sysusers $(DESTDIR)$(SYSUSERSDIR)/enad.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/enad/enad.conf ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/enad/enad.conf"; \
	else \
		echo "install -m 0644 conf/enad.conf $(DESTDIR)$(SYSCONFDIR)/enad/enad.conf"; \
		install -m 0644 conf/enad.conf $(DESTDIR)$(SYSCONFDIR)/enad/enad.conf; \
	fi
	install -m 0644 conf/enad.conf.5 $(DESTDIR)$(MANDIR)/man5/enad.conf.5
	install -m 0644 $(INSTALL_MAN8) $(DESTDIR)$(MANDIR)/man8/
ifneq ($(INSTALL_BASHCOMP),)
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(INSTALL_BASHCOMP) $(DESTDIR)$(BASHCOMPDIR)/enactl
endif
	@# On the live system (no DESTDIR) create the `enad` group now, as a package would.
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null 2>&1; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/enad.conf"; systemd-sysusers $(SYSUSERSDIR)/enad.conf; \
	fi

# Removes what install wrote, except an enad.conf that differs from the
# shipped one (local changes are kept).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/enad $(DESTDIR)$(BINDIR)/enactl $(DESTDIR)$(BINDIR)/enasim \
		$(DESTDIR)$(LIBDIR)/libena.a $(DESTDIR)$(LIBDIR)/libena.so \
		$(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION) $(DESTDIR)$(PKGCONFIGDIR)/libena.pc \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/ena/,$(notdir $(wildcard libena/include/ena/*.h))) \
		$(DESTDIR)$(SYSTEMDUNITDIR)/enad.service $(DESTDIR)$(SYSTEMDUNITDIR)/enad.socket \
		$(DESTDIR)$(SYSTEMDUNITDIR)/enasim@.service $(DESTDIR)$(SYSUSERSDIR)/enad.conf \
		$(DESTDIR)$(MANDIR)/man5/enad.conf.5 $(DESTDIR)$(MANDIR)/man8/enad.8 \
		$(DESTDIR)$(MANDIR)/man8/enasim.8 $(DESTDIR)$(MANDIR)/man8/enactl.8 \
		$(DESTDIR)$(BASHCOMPDIR)/enactl
	@f=$(DESTDIR)$(SYSCONFDIR)/enad/enad.conf; \
	if [ -e "$$f" ] && ! cmp -s conf/enad.conf "$$f"; then \
		echo "uninstall: keeping $$f (changed locally)"; \
	else echo "rm -f $$f"; rm -f "$$f"; fi
	rmdir $(DESTDIR)$(SYSCONFDIR)/enad $(DESTDIR)$(INCLUDEDIR)/ena 2>/dev/null || true

# ---- demo ----
# A guided tour on this machine: enasim with its wire in a namespace, enad on
# it, ping, iperf3, enactl, a device reset and the recovery, then teardown.
# KEEP=1 leaves it running and prints how to explore and stop it.
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) KEEP=$(KEEP) tests/demo/demo.sh

clean:
	rm -rf build build-address build-undefined build-thread build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
