# Unaligned accesses (issue 21): an unaligned LDR runs, an unaligned LDRD takes UsageFault.
UNALIGNED_SRC := $(addprefix $(HERE)/arm/,startup.c lib.c unaligned.c)
UNALIGNED_DEP := $(UNALIGNED_SRC) $(HERE)/arm/hw.h $(HERE)/arm/link.ld $(HERE)/unaligned.mk

ARM_IMAGES += $(OUT)/arm/unaligned.elf

$(OUT)/arm/unaligned.elf: $(UNALIGNED_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) $(UNALIGNED_SRC) $(ARM_LDFLAGS) -lgcc -o $@
