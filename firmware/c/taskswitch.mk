# Two threads on PSP switched by PendSV (issue 14, cycles per allocation under an RTOS): the rtos
# heap and pool, watched through rules/taskswitch.toml.  Included by the Makefile.
TASKSWITCH_SRC := $(addprefix $(HERE)/arm/,startup.c lib.c taskswitch.c) $(HERE)/rtos/heap.c \
                  $(HERE)/rtos/pool.c
TASKSWITCH_DEP := $(TASKSWITCH_SRC) $(HERE)/rtos/rtos.h $(addprefix $(HERE)/arm/,hw.h rtos.ld) \
                  $(HERE)/taskswitch.mk

ARM_IMAGES += $(OUT)/arm/taskswitch.elf

$(OUT)/arm/taskswitch.elf: $(TASKSWITCH_DEP)
	@mkdir -p $(@D)
	cd $(ROOT) && $(ARM_CC) $(ARM_CFLAGS) $(RTOS_CFLAGS) -I$(HERE)/arm $(TASKSWITCH_SRC) \
	    -nostdlib -nostartfiles -T $(HERE)/arm/rtos.ld -Wl,--gc-sections \
	    -Wl,--no-warn-rwx-segments -lgcc -o $@
