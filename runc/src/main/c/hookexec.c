/*
 * dockyard-hookexec PATH ARGV0 [ARG...]: executes PATH with the argument vector ARGV0 ARG...,
 * keeping the environment and every descriptor as they are.
 *
 * The runtime's hooks (prestart, createRuntime, poststart, poststop) run from the JVM, whose
 * ProcessBuilder always makes the program's path its argv[0]. An OCI hook's `path` is the
 * program and `args[0]` its argv[0], and they may differ: dockerd's network hook is
 * path=/proc/PID/exe with args[0]="libnetwork-setkey", and dockerd picks what to do by argv[0].
 * This trampoline is the one exec in between that can set argv[0] freely.
 *
 * When the exec fails it writes Go's exec.Cmd wording ("fork/exec PATH: reason", lower case) to stderr and
 * exits 127, so the runtime can report it as runc would.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dockyard-hookexec PATH ARGV0 [ARG...]\n");
		return 2;
	}
	execv(argv[1], argv + 2);
	const char *why = strerror(errno);
	fprintf(stderr, "fork/exec %s: %c%s", argv[1], tolower((unsigned char)why[0]), why + 1);
	return 127;
}
