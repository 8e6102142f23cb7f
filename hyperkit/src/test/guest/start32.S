/* 32-bit entry: protected mode, flat segments, no paging. EDI=cmdline, ESI=cpu, EDX=ncpus, ECX=RAM. */
    .section .text.start, "ax", @progbits
    .code32
    .globl _start
_start:
    cli
    cld
    testl %esi, %esi
    jnz 1f
    movl %edi, %ebx
    movl %ecx, %ebp
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl %ebx, %edi
    movl %ebp, %ecx
1:  andl $-16, %esp
    pushl %ecx
    pushl %edx
    pushl %esi
    pushl %edi
    xorl %ebp, %ebp
    call main32
    addl $16, %esp
    subl $12, %esp
    pushl %eax
    call exit
2:  cli
    hlt
    jmp 2b

/* PVH entry (Xen ELF note 18), so qemu -kernel runs this same guest for comparison: qemu enters in
 * flat 32-bit protected mode with EBX pointing at its start info and no stack; present ourselves
 * as vCPU 0 of 1 with an empty command line and unknown RAM. */
    .globl _pvh_start
_pvh_start:
    movl $0x80000, %esp
    movl $empty_cmdline, %edi
    xorl %esi, %esi
    movl $1, %edx
    xorl %ecx, %ecx
    jmp _start

    .section .rodata
empty_cmdline:
    .asciz "(pvh)"

    .section .note.pvh, "a", @note
    .p2align 2
    .long 4          /* name size */
    .long 4          /* desc size */
    .long 18         /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _pvh_start

    .section .note.GNU-stack, "", @progbits
