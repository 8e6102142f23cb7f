/* hello.bin16: flat real-mode binary loaded at 0x7c00, CS:IP = 0000:7c00, DS=ES=SS=0, SP=0x7000. */
    .code16
    .text
    .globl _start
_start:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw $msg, %si
1:  lodsb
    testb %al, %al
    jz 3f
    movb %al, %bl
    movw $0x3fd, %dx
    movw $0xffff, %cx
2:  inb %dx, %al
    testb $0x20, %al
    loopz 2b
    movw $0x3f8, %dx
    movb %bl, %al
    outb %al, %dx
    jmp 1b
3:  movb $0, %al
    outb %al, $0xf4
4:  cli
    hlt
    jmp 4b
msg:
    .asciz "hello from 16-bit guest\nOK hello16\n"

    .section .note.GNU-stack, "", @progbits
