# Zero-configuration images (issue 15): real toolchain conventions, no rules file needed.
#   arm/zc_newlib(_clean).elf   newlib-nano malloc/printf from SysTick (-DCLEAN: thread only)
#   arm/zc_printf.elf           newlib-nano printf from SysTick (reaching _malloc_r)
#   {arm,ppc}/zc_rtos(_clean).elf  FreeRTOS/CMSIS-RTOS2/Zephyr/ThreadX API names from an ISR
#   arm/zc_stack_cmsis.elf      MSP stack bounded by CMSIS __StackLimit, overflowed in SysTick
#   arm/zc_stack_stm32.elf      the same with STM32Cube _estack/_Min_Stack_Size
ZC := $(HERE)/zeroconf
ZC_ARM_BASE := $(addprefix $(HERE)/arm/,startup.c lib.c)
ZC_ARM_DEP := $(ZC_ARM_BASE) $(HERE)/arm/hw.h $(HERE)/arm/link.ld $(HERE)/zeroconf.mk
ZC_RTOS := $(ZC)/rtosapi.c $(ZC)/rtosapi_demo.c
ZC_HEAP := -Wl,--defsym=__heap_start=0x20008000 -Wl,--defsym=__heap_end=0x2000C000

ARM_IMAGES += $(OUT)/arm/zc_newlib.elf $(OUT)/arm/zc_newlib_clean.elf $(OUT)/arm/zc_printf.elf \
              $(OUT)/arm/zc_rtos.elf \
              $(OUT)/arm/zc_rtos_clean.elf $(OUT)/arm/zc_stack_cmsis.elf $(OUT)/arm/zc_stack_stm32.elf
PPC_IMAGES += $(OUT)/ppc/zc_rtos.elf $(OUT)/ppc/zc_rtos_clean.elf

$(OUT)/arm/zc_newlib.elf $(OUT)/arm/zc_newlib_clean.elf $(OUT)/arm/zc_printf.elf: $(ZC_ARM_DEP) \
	    $(ZC)/newlib_demo.c $(ZC)/syscalls.c
	@mkdir -p $(@D)
	cd $(ROOT) && $(ARM_CC) $(ARM_CFLAGS) -ffile-prefix-map=$(ROOT)=. -I$(HERE)/arm \
	    $(if $(findstring clean,$@),-DCLEAN) $(if $(findstring printf,$@),-DPRINTF_IN_ISR) -specs=nano.specs $(ZC_ARM_BASE) $(ZC)/newlib_demo.c \
	    $(ZC)/syscalls.c -nostartfiles -L $(HERE)/arm -T $(HERE)/arm/link.ld -Wl,--gc-sections \
	    -Wl,--no-warn-rwx-segments $(ZC_HEAP) -lc -lgcc -o $@

$(OUT)/arm/zc_rtos.elf $(OUT)/arm/zc_rtos_clean.elf: $(ZC_ARM_DEP) $(ZC_RTOS) $(ZC)/rtosapi.h $(ZC)/arm_main.c
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) -I$(HERE)/arm $(if $(findstring clean,$@),-DCLEAN) $(ZC_ARM_BASE) \
	    $(ZC_RTOS) $(ZC)/arm_main.c $(ARM_LDFLAGS) -lgcc -o $@

$(OUT)/ppc/zc_rtos.elf $(OUT)/ppc/zc_rtos_clean.elf: $(PPC_DEP) $(ZC_RTOS) $(ZC)/rtosapi.h $(ZC)/ppc_main.c
	@mkdir -p $(@D)
	$(PPC_CC) $(PPC_CFLAGS) -I$(HERE)/ppc $(if $(findstring clean,$@),-DCLEAN) \
	    $(addprefix $(HERE)/ppc/,start.S lib.c) $(ZC_RTOS) $(ZC)/ppc_main.c $(PPC_LDFLAGS) -lgcc -o $@

# MSP top = vector[0] = __msp_top (0x20010000, arm/link.ld); 1 KiB stack below it.
$(OUT)/arm/zc_stack_cmsis.elf: $(ZC_ARM_DEP) $(ZC)/stack_demo.c
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) -I$(HERE)/arm -DDEPTH=24 $(ZC_ARM_BASE) $(ZC)/stack_demo.c $(ARM_LDFLAGS) \
	    -Wl,--defsym=__StackTop=0x20010000 -Wl,--defsym=__StackLimit=0x2000FC00 -lgcc -o $@

$(OUT)/arm/zc_stack_stm32.elf: $(ZC_ARM_DEP) $(ZC)/stack_demo.c
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_CFLAGS) -I$(HERE)/arm -DDEPTH=24 $(ZC_ARM_BASE) $(ZC)/stack_demo.c $(ARM_LDFLAGS) \
	    -Wl,--defsym=_estack=0x20010000 -Wl,--defsym=_Min_Stack_Size=0x400 -lgcc -o $@
