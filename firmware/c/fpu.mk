# Hard-float (FPv4-SP) images: FP exception frames, lazy stacking, a PendSV switcher, NOCP.
FPU_CFLAGS := $(filter-out -mfloat-abi=soft,$(ARM_CFLAGS)) -mfloat-abi=hard -mfpu=fpv4-sp-d16 \
              -ffile-prefix-map=$(ROOT)=. -Wa,--debug-prefix-map=$(ROOT)=.
FPU_SRC := $(addprefix $(HERE)/arm/,fpu_demo.c fpu_asm.S lib.c)
FPU_DEP := $(FPU_SRC) $(HERE)/arm/hw.h $(HERE)/arm/link.ld $(HERE)/fpu.mk

ARM_IMAGES += $(OUT)/arm/fpudemo.elf $(OUT)/arm/fpu_nocp.elf

$(OUT)/arm/fpudemo.elf: $(FPU_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(FPU_CFLAGS) $(FPU_SRC) $(ARM_LDFLAGS) -lgcc -o $@

$(OUT)/arm/fpu_nocp.elf: $(FPU_DEP)
	@mkdir -p $(@D)
	$(ARM_CC) $(FPU_CFLAGS) -DNOCP_TEST $(FPU_SRC) $(ARM_LDFLAGS) -lgcc -o $@
