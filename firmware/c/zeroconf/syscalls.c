/* The newlib system calls for the zero-config images: a heap after .bss, stdout on CMSDK UART0. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include "hw.h"

extern char __heap_start[], __heap_end[];
static char *brk = __heap_start;

void *_sbrk(int incr)
{
    if (brk + incr > __heap_end) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = brk;
    brk += incr;
    return old;
}

int _write(int fd, const char *buf, int len)
{
    (void)fd;
    for (int i = 0; i < len; i++)
        putc_(buf[i]);
    return len;
}

int _read(int fd, char *buf, int len) { (void)fd; (void)buf; (void)len; return 0; }
int _close(int fd) { (void)fd; return -1; }
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
void _exit(int code) { (void)code; semihost_exit(0x20026); for (;;) {} }
