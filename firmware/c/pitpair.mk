# PIT pair image (issue 21): PIT0 and PIT1 time out a few cycles apart, so IVOR4 is entered
# for PIT0 and IACKR acknowledges PIT1.  Included by the Makefile (PPC_CC, PPC_CFLAGS, ...).
PITPAIR_SRC := $(addprefix $(HERE)/ppc/,start.S lib.c pitpair.c)
PITPAIR_DEP := $(PITPAIR_SRC) $(HERE)/ppc/hw.h $(HERE)/ppc/link.ld $(HERE)/pitpair.mk

PPC_IMAGES += $(OUT)/ppc/pitpair.elf

$(OUT)/ppc/pitpair.elf: $(PITPAIR_DEP)
	@mkdir -p $(@D)
	$(PPC_CC) $(PPC_CFLAGS) $(PITPAIR_SRC) $(PPC_LDFLAGS) -lgcc -o $@
