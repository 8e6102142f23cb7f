/* 64-bit entry. The VMM enters here in long mode with RDI=cmdline, RSI=cpu index, RDX=ncpus,
 * RCX=RAM bytes, RSP=per-vCPU stack. Only vCPU 0 clears .bss (the loader must zero it anyway). */
    .section .text.start, "ax", @progbits
    .code64
    .globl _start
_start:
    cli
    cld
    testl %esi, %esi
    jnz 1f
    movq %rdi, %r8
    movq %rcx, %r9
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movq %r8, %rdi
    movq %r9, %rcx
1:  andq $-16, %rsp
    xorl %ebp, %ebp
    call main64
    movl %eax, %edi
    call exit
2:  cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
