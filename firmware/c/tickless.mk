# Tickless-idle image (issue 14): SysTick as the RTOS tick with SYST_RVR rewritten mid-period,
# CMSDK TIMER0 waking the core 4x per tick.  Included by the Makefile (ARM_CC, ARM_CFLAGS, ...).
TICKLESS_SRC := $(addprefix $(HERE)/arm/,startup.c lib.c tickless.c)
TICKLESS_DEP := $(TICKLESS_SRC) $(HERE)/arm/hw.h $(HERE)/arm/link.ld $(HERE)/tickless.mk

ARM_IMAGES += $(OUT)/arm/tickless.elf

$(OUT)/arm/tickless.elf: $(TICKLESS_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) $(TICKLESS_SRC) $(ARM_LDFLAGS) -lgcc -o $@
