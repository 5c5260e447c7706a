/* Processes (gcc -static, i386 and x86-64): fork with a pipe between parent and child,
 * wait4/waitpid statuses (exit codes, a child killed by a fault, by a signal), execve of
 * this same program in another role, a tiny shell running `producer | consumer` with
 * pipe/dup2/fork/exec/wait, kill between processes with a handler in the child, SIGCHLD
 * in the parent, getppid, process groups, and ECHILD at the end. Run from the directory
 * that holds it (it execs ./processes). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld, usr1;
static void on_chld(int sig) { chld++; }
static void on_usr1(int sig) { usr1 = 1; }

static int role(int argc, char **argv) {
    if (strcmp(argv[1], "echo") == 0) { printf("exec'd: %s\n", argv[2]); return 7; }
    if (strcmp(argv[1], "producer") == 0) {            /* writes lines to stdout */
        for (int i = 1; i <= 5; i++) printf("line %d of %s\n", i, argv[2]);
        return 0;
    }
    if (strcmp(argv[1], "consumer") == 0) {            /* counts bytes and lines of stdin */
        int c, bytes = 0, lines = 0;
        while ((c = getchar()) != EOF) { bytes++; lines += c == '\n'; }
        printf("consumer: %d lines, %d bytes\n", lines, bytes);
        return lines;
    }
    return 100;
}

static pid_t spawn(char *const args[], int in, int out, int other) {
    pid_t pid = fork();
    if (pid == 0) {
        if (other >= 0) close(other);               /* the pipe's other end */
        if (in >= 0) { dup2(in, 0); close(in); }
        if (out >= 0) { dup2(out, 1); close(out); }
        execv("./processes", args);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv) {
    if (argc > 1) return role(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGCHLD, on_chld);
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        printf("child: parent is the one that forked me: %d\n", getppid() == getpgrp() ||
               getppid() > 0);
        write(p[1], "through the pipe", 17);
        _exit(3);
    }
    close(p[1]);
    char buf[32] = {0};
    printf("read %zd: %s\n", read(p[0], buf, sizeof buf), buf);
    int status;
    printf("waitpid is the child: %d\n", waitpid(pid, &status, 0) == pid);
    printf("exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));

    char *echo[] = {"processes", "echo", "hi", NULL};
    pid = spawn(echo, -1, -1, -1);
    waitpid(pid, &status, 0);
    printf("exec'd child exited %d\n", WEXITSTATUS(status));

    if ((pid = fork()) == 0) { volatile int *bad = 0; *bad = 1; _exit(0); }
    waitpid(pid, &status, 0);
    printf("fault: signaled %d by %d\n", WIFSIGNALED(status), WTERMSIG(status));

    int q[2];
    pipe(q);
    char *producer[] = {"processes", "producer", "the shell", NULL};
    char *consumer[] = {"processes", "consumer", NULL};
    pid_t a = spawn(producer, -1, q[1], q[0]);
    pid_t b = spawn(consumer, q[0], -1, q[1]);
    close(q[0]);
    close(q[1]);
    int sa, sb;
    waitpid(a, &sa, 0);
    waitpid(b, &sb, 0);
    printf("pipeline: producer %d, consumer %d\n", WEXITSTATUS(sa), WEXITSTATUS(sb));

    int ready[2];
    pipe(ready);
    if ((pid = fork()) == 0) {
        signal(SIGUSR1, on_usr1);
        write(ready[1], "r", 1);
        while (!usr1) pause();
        _exit(42);
    }
    char r;
    read(ready[0], &r, 1);
    kill(pid, SIGUSR1);
    waitpid(pid, &status, 0);
    printf("handler in the child: exited %d\n", WEXITSTATUS(status));
    if ((pid = fork()) == 0) { for (;;) pause(); }
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    printf("terminated: %d by %d\n", WIFSIGNALED(status), WTERMSIG(status));
    if ((pid = vfork()) == 0) _exit(6);                 /* vfork: the child runs first */
    waitpid(pid, &status, 0);
    printf("vfork child exited %d\n", WEXITSTATUS(status));
    if ((pid = syscall(SYS_fork)) == 0) _exit(5);        /* the plain fork call */
    waitpid(pid, &status, 0);
    printf("fork child exited %d\n", WEXITSTATUS(status));
    printf("sigchld seen: %d\n", chld > 0);
    printf("no more children: %d\n", wait(&status));
    return 0;
}
