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

    .section .note.GNU-stack, "", @progbits
