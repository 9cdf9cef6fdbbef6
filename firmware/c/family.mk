# The Cortex-M family (issue 16): the irq demo per core, and the hard-float demo on FPv5-D16,
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
