"""Cortex-M (ARMv7-M) specific models: NVIC, exception delivery, system control space."""
