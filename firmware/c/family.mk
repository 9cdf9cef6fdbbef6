# The Cortex-M family (issue 16): the irq demo per core, the hard-float demo on FPv5-D16 and the
# ARMv8-M stack limit on the M33,
# each for the board laid out like its QEMU peer (cortex-m3: mps2-an385, cortex-m7: mps2-an500).
FAMILY_CFLAGS = $(filter-out -mcpu=cortex-m4,$(ARM_CFLAGS)) -mcpu=$(1) '-DBOARD="$(1)"'

ARM_IMAGES += $(OUT)/arm/irqdemo_m3.elf $(OUT)/arm/irqdemo_m7.elf $(OUT)/arm/fpudemo_m7.elf

$(OUT)/arm/irqdemo_m3.elf: $(ARM_DEP) $(HERE)/family.mk
	@mkdir -p $(@D)
	$(ARM_CC) $(call FAMILY_CFLAGS,cortex-m3) $(ARM_SRC) $(ARM_LDFLAGS) -lgcc -o $@

$(OUT)/arm/irqdemo_m7.elf: $(ARM_DEP) $(HERE)/family.mk
	@mkdir -p $(@D)
	$(ARM_CC) $(call FAMILY_CFLAGS,cortex-m7) $(ARM_SRC) $(ARM_LDFLAGS) -lgcc -o $@

$(OUT)/arm/fpudemo_m7.elf: $(FPU_DEP) $(HERE)/family.mk
	@mkdir -p $(@D)
	$(ARM_CC) $(filter-out -mcpu=cortex-m4 -mfpu=fpv4-sp-d16,$(FPU_CFLAGS)) -mcpu=cortex-m7 \
	    -mfpu=fpv5-d16 '-DBOARD="cortex-m7"' $(FPU_SRC) $(ARM_LDFLAGS) -lgcc -o $@

# Cortex-M33 on the mps2-an505 map (Secure aliases): its UART, timer and link script.
M33_CFLAGS = $(call FAMILY_CFLAGS,cortex-m33) -DUART0_BASE=0x50200000u -DTIMER0_BASE=0x50000000u \
             -DTIMER0_IRQ=3u
M33_LDFLAGS = $(subst arm/link.ld,arm/an505.ld,$(ARM_LDFLAGS))
M33_DEP = $(HERE)/arm/an505.ld $(HERE)/arm/sections.ld $(HERE)/family.mk

ARM_IMAGES += $(OUT)/arm/irqdemo_m33.elf $(OUT)/arm/stacklimit_m33.elf

$(OUT)/arm/irqdemo_m33.elf: $(ARM_DEP) $(M33_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(M33_CFLAGS) $(ARM_SRC) $(M33_LDFLAGS) -lgcc -o $@

$(OUT)/arm/stacklimit_m33.elf: $(ARM_DEP) $(M33_DEP) $(HERE)/arm/stacklimit.c
	@mkdir -p $(@D)
	$(ARM_CC) $(M33_CFLAGS) $(addprefix $(HERE)/arm/,startup.c lib.c stacklimit.c) $(M33_LDFLAGS) \
	    -lgcc -o $@
