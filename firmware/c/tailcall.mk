# Tail-call images (issue 14): an RTOS-style heap whose free ends in a tail call, at -O2 and
# -Os on both ISAs (tailcall/, {arm,ppc}/tailcall.c), caught through rules/tailcall.toml.
TC_SRC := $(HERE)/tailcall/tcheap.c $(HERE)/tailcall/tcdemo.c
TC_DEP := $(TC_SRC) $(HERE)/tailcall/tcheap.h $(HERE)/tailcall/tcdemo.h $(HERE)/tailcall.mk
ARM_TC_SRC := $(addprefix $(HERE)/arm/,startup.c lib.c tailcall.c) $(TC_SRC)
PPC_TC_SRC := $(addprefix $(HERE)/ppc/,start.S lib.c tailcall.c) $(TC_SRC)

ARM_IMAGES += $(OUT)/arm/tailcall_o2.elf $(OUT)/arm/tailcall_os.elf
PPC_IMAGES += $(OUT)/ppc/tailcall_o2.elf $(OUT)/ppc/tailcall_os.elf

$(OUT)/arm/tailcall_%.elf: $(ARM_TC_SRC) $(TC_DEP) $(HERE)/arm/hw.h $(HERE)/arm/rtos.ld
	@mkdir -p $(@D)
	cd $(ROOT) && $(ARM_CC) $(ARM_CFLAGS) -O$(subst o,,$*) $(RTOS_CFLAGS) -I$(HERE)/arm \
	    $(ARM_TC_SRC) -nostdlib -nostartfiles -T $(HERE)/arm/rtos.ld -Wl,--gc-sections \
	    -Wl,--no-warn-rwx-segments -lgcc -o $@

$(OUT)/ppc/tailcall_%.elf: $(PPC_TC_SRC) $(TC_DEP) $(HERE)/ppc/hw.h $(HERE)/ppc/rtos.ld
	@mkdir -p $(@D)
	cd $(ROOT) && $(PPC_CC) $(PPC_CFLAGS) -O$(subst o,,$*) $(RTOS_CFLAGS) -I$(HERE)/ppc \
	    $(PPC_TC_SRC) -nostdlib -nostartfiles -static -no-pie -T $(HERE)/ppc/rtos.ld \
	    -Wl,--gc-sections -Wl,--no-warn-rwx-segments -Wl,--build-id=none -lgcc -o $@
