# plinth: a minimal type-1 hypervisor for x86-64 with Intel VT-x.
#   make deps   install every package the project needs (Debian 12, apt-get, idempotent)
#   make        build/plinth.elf, build/plinth.efi, build/plinth.iso, build/plinth-usb.img
#   make run    boot plinth headless with COM1 on this terminal
#   make test   unit tests, fuzz smoke runs and boot scenarios; ends with "N passed, N failed"
#   make bench  exit-path and emulator benchmarks (not part of make test)

VERSION	:= 0.1.0
BUILD	:= build
CC	:= gcc
LD	:= ld
NASM	:= nasm
OBJCOPY	:= objcopy
CLANG	:= clang
PYTHON	:= python3


WARN	:= -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wvla
# Hypervisor code: freestanding, no red zone (interrupts and VM exits land on the same stack),
# no SSE/x87 (guest vector state is never clobbered), higher-half kernel code model.
KCFLAGS	:= -std=gnu11 $(WARN) -O2 -g -I. -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	   -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-80387 \
	   -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-common -fcf-protection=none \
	   -I$(BUILD)/gen
KASFLAGS := -f elf64 -g -F dwarf -I. -I$(BUILD)/gen/

# Sources of the core image (everything but the EFI front door and guests).
CORE_C	 := $(sort $(wildcard boot/*.c boot/multiboot2/*.c arch/x86/*.c arch/x86/vmx/*.c core/*.c drivers/*.c drivers/vdev/*.c emulate/*.c))
CORE_ASM := $(sort $(wildcard boot/multiboot2/*.asm arch/x86/*.asm arch/x86/vmx/*.asm))
CORE_OBJ := $(CORE_C:%.c=$(BUILD)/core/%.o) $(CORE_ASM:%.asm=$(BUILD)/core/%.asm.o)

# EFI front door: gnu-efi application carrying the core as a flat image.
EFI_INC	   := /usr/include/efi
EFI_CFLAGS := -std=gnu11 $(WARN) -Wno-strict-prototypes -Wno-missing-prototypes -O2 -I. -I$(EFI_INC) \
	      -I$(EFI_INC)/x86_64 -ffreestanding -fpic -fshort-wchar -fno-stack-protector -mno-red-zone \
	      -mgeneral-regs-only -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -DPLINTH_EFI \
	      -I$(BUILD)/gen
EFI_C	   := $(sort $(wildcard boot/efi/*.c)) core/config.c core/config_files.c core/printf.c \
	      core/string.c core/log_level.c boot/efi_memtype.c arch/x86/vmx/vmx_caps.c \
	      arch/x86/vmx/vmx_caps_read.c drivers/uart16550.c
EFI_OBJ	   := $(EFI_C:%.c=$(BUILD)/efi/%.o) $(BUILD)/efi/core_blob.o

.PHONY: all deps run run-uefi run-bochs test unit fuzz bench images clean format distclean
all: images

images: $(BUILD)/plinth.elf $(BUILD)/plinth.efi $(BUILD)/plinth.iso $(BUILD)/plinth-usb.img

# The version and git revision, rewritten only when they change so that nothing rebuilds for
# nothing; the objects that include it rebuild through their dependency files when it does.
.PHONY: FORCE
$(BUILD)/gen/plinth_build.h: FORCE
	@mkdir -p $(dir $@)
	@rev=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	git diff --quiet HEAD -- 2>/dev/null || rev="$$rev-dirty"; \
	printf '#define PLINTH_VERSION "%s"\n#define PLINTH_GIT_REV "%s"\n' '$(VERSION)' "$$rev" > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(CORE_OBJ) $(EFI_OBJ): | $(BUILD)/gen/plinth_build.h

$(BUILD)/core/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

# NASM cannot read C headers: layout.h's #define lines become %define lines.
$(BUILD)/gen/layout.inc: arch/x86/layout.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define[[:space:]]\+\([A-Z0-9_]\+\)[[:space:]]\+\([^/]*\).*/%define \1 \2/p' $< > $@

$(BUILD)/core/%.asm.o: %.asm $(BUILD)/gen/layout.inc
	@mkdir -p $(dir $@)
	$(NASM) $(KASFLAGS) -MD $(@:.o=.d) $< -o $@

$(BUILD)/plinth.elf: $(CORE_OBJ) linker.ld
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=sha1 -T linker.ld \
		-o $@ $(CORE_OBJ)
	@tools/check-image $@

# The flat image plinth.efi carries: the loaded bytes from the image start to the end of .data
# (.bss is zeroed by the loader, sized by the header in .head).
$(BUILD)/plinth.bin: $(BUILD)/plinth.elf
	$(OBJCOPY) -O binary --remove-section=.bss $< $@

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/efi/core_blob.o: boot/efi/core_blob.asm $(BUILD)/plinth.bin
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -DCORE_BIN='"$(BUILD)/plinth.bin"' $< -o $@

$(BUILD)/plinth-efi.so: $(EFI_OBJ)
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ -L/usr/lib -lefi -lgnuefi

$(BUILD)/plinth.efi: $(BUILD)/plinth-efi.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# Guests and configurations that ship in the images.
include guest/guests.mk

$(BUILD)/plinth.iso: $(BUILD)/plinth.elf tools/mkiso config/plinth.cfg $(GUEST_BINS)
	tools/mkiso $@ $(BUILD)/plinth.elf config/plinth.cfg "" $(GUEST_MEDIA)

$(BUILD)/plinth-usb.img: $(BUILD)/plinth.efi tools/mkusb config/plinth.cfg $(GUEST_BINS)
	tools/mkusb $@ $(BUILD)/plinth.efi config/plinth.cfg $(GUEST_MEDIA)

# ---- host unit tests -------------------------------------------------------------------------
UNIT_CFLAGS := -std=gnu11 $(WARN) -Wno-missing-prototypes -g -O1 -I. -DPLINTH_HOSTED \
	       -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))
# Host binaries are built in one step from their sources; any header change rebuilds them all.
ALL_HEADERS := $(shell find . -name '*.h' -not -path './build/*')
define unit_rule
$(BUILD)/unit/$(1): $$($(1)_SRCS) $$(ALL_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(UNIT_CFLAGS) $$($(1)_CFLAGS) $$($(1)_SRCS) -o $$@ -lcmocka $$($(1)_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/%)

unit: $(UNIT_BINS)
	$(PYTHON) tests/run.py --only unit

# ---- fuzzing ---------------------------------------------------------------------------------
FUZZ_CFLAGS := -std=gnu11 -g -O1 -I. -DPLINTH_HOSTED -DPLINTH_FUZZ \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZERS :=
include $(sort $(wildcard tests/fuzz/*.mk))
define fuzz_rule
$(BUILD)/fuzz/$(1): $$($(1)_SRCS) $$(ALL_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(CLANG) $$(FUZZ_CFLAGS) $$($(1)_CFLAGS) $$($(1)_SRCS) -o $$@ $$($(1)_LDLIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))
FUZZ_BINS := $(FUZZERS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 300

fuzz: $(FUZZ_BINS)
	$(PYTHON) tests/run.py --only fuzz --fuzz-seconds $(FUZZ_SECONDS)

# ---- the two commands ------------------------------------------------------------------------
deps:
	tools/deps

test: images $(UNIT_BINS) $(FUZZ_BINS) $(BOOT_TEST_DEPS)
	$(PYTHON) tests/run.py

run: images
	tools/run $(BUILD)

run-bochs: images
	PLINTH_RUN=bochs tools/run $(BUILD)

run-uefi: images
	PLINTH_RUN=bochs-uefi tools/run $(BUILD)

# The emulator's host half of make bench: -O2, no sanitizers, against Zydis in the same run.
EMUL_SRCS := $(wildcard emulate/*.c)
$(BUILD)/bench/emul_bench: tests/bench/emul_bench.c $(EMUL_SRCS) $(ALL_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -Wno-missing-prototypes -O2 -g -I. -DPLINTH_HOSTED \
		tests/bench/emul_bench.c $(EMUL_SRCS) -o $@ -lZydis

bench: images $(BUILD)/bench/emul_bench
	$(PYTHON) tests/run.py --only bench

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
