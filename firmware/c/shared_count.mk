# A lost-update image for `fwsandbox explore --window count_event` (issue 17): a counter that
# thread code and the SysTick handler both increment.  Included by the Makefile.
SHARED_COUNT_SRC := $(addprefix $(HERE)/arm/,startup.c lib.c shared_count.c)
SHARED_COUNT_DEP := $(SHARED_COUNT_SRC) $(HERE)/arm/hw.h $(HERE)/arm/link.ld $(HERE)/shared_count.mk

ARM_IMAGES += $(OUT)/arm/shared_count.elf

$(OUT)/arm/shared_count.elf: $(SHARED_COUNT_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) $(SHARED_COUNT_SRC) $(ARM_LDFLAGS) -lgcc -o $@
