/* Another process's reply channel, spoken to the server directly (no shim): connects one channel, prints its token,
 * then waits up to two seconds for a message on it and prints "got" or "none". DrmServerTests uses it to check that a
 * request a different process sends naming this token never lands here. Argument: the server's socket path. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strncpy(addr.sun_path, argv[1], sizeof(addr.sun_path) - 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("connect");
		return 1;
	}
	unsigned char req[56 + 256] = { 0 };
	uint32_t magic = 0x4d495347, op = 2; /* SHIM_MAGIC, SHIM_OP_CHANNEL */
	int32_t pid = getpid();
	memcpy(req, &magic, 4);
	memcpy(req + 4, &op, 4);
	memcpy(req + 8, &pid, 4);
	memcpy(req + 12, &pid, 4);
	unsigned char reply[64 * 1024];
	if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req) || recv(fd, reply, sizeof(reply), 0) < 24) {
		perror("hello");
		return 1;
	}
	uint64_t token;
	memcpy(&token, reply + 16, 8);
	printf("token %llu\n", (unsigned long long)token);
	fflush(stdout);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, reply, sizeof(reply), 0);
	printf("%s\n", n > 0 ? "got" : "none");
	return 0;
}
