/* Signals delivered for real (gcc -static, i386 and x86-64): signal() and sigaction
 * handlers run by raise and kill, SA_SIGINFO with si_code and si_pid, a blocked signal
 * pending until sigprocmask unblocks it, recovering from SIGSEGV and SIGFPE through
 * siglongjmp, alarm and pause, a periodic setitimer, nanosleep cut short by a timer,
 * SIGPIPE ignored, a handler on an alternate stack, sigsuspend, getitimer, and SIGTERM
 * by default ending the process (status 143). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
static volatile sig_atomic_t got, alarms;
static sigjmp_buf env;
static void on_usr1(int sig) { got = sig; }
static void on_info(int sig, siginfo_t *info, void *uc) { got = sig * 100 + info->si_code + (info->si_pid == getpid()); }
static void on_segv(int sig, siginfo_t *info, void *uc) { got = (int)(long)info->si_addr; siglongjmp(env, 1); }
static void on_fpe(int sig) { siglongjmp(env, 2); }
static void on_alarm(int sig) { alarms++; }
static char altstack[65536];
static void on_alt(int sig) { char here; got = &here >= altstack && &here < altstack + sizeof altstack; }
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("usr1 %d\n", got);
    struct sigaction sa; memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    printf("usr2 %d\n", got);
    sigset_t block, old; sigemptyset(&block); sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    got = 0; raise(SIGUSR1);
    printf("blocked %d\n", got);
    sigset_t pend; sigpending(&pend); printf("pending %d\n", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked %d\n", got);
    sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) { *(volatile int *)0x1234 = 5; puts("not here"); }
    else printf("segv at %#x\n", got);
    signal(SIGFPE, on_fpe);
    volatile int zero = 0;
    int r = sigsetjmp(env, 1);
    if (r == 0) printf("%d\n", 5 / zero); else printf("fpe %d\n", r);
    signal(SIGALRM, on_alarm);
    alarm(1);
    pause();
    printf("alarms %d\n", alarms);
    struct itimerval it = {{0, 100000}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 4) pause();
    it.it_value.tv_usec = 0; it.it_interval.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    printf("ticks %d\n", alarms);
    alarm(5);
    struct timespec ts = {10, 0};
    int s = nanosleep(&ts, &ts);
    printf("nanosleep %d rem-about-5 %d alarms %d\n", s, ts.tv_sec >= 4 && ts.tv_sec <= 5, alarms);
    struct itimerval now;
    getitimer(ITIMER_REAL, &now);
    printf("itimer-off %d\n", now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    printf("sigaltstack %d\n", sigaltstack(&ss, NULL));
    sa.sa_handler = on_alt; sa.sa_flags = SA_ONSTACK; sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    got = 0; raise(SIGUSR1);
    printf("on-altstack %d\n", got);
    signal(SIGUSR1, on_usr1);
    sigprocmask(SIG_BLOCK, &block, &old);
    got = 0; raise(SIGUSR1);
    sigset_t none; sigemptyset(&none);
    int r2 = sigsuspend(&none);
    printf("sigsuspend %d got %d\n", r2, got);
    sigset_t after; sigprocmask(SIG_SETMASK, NULL, &after);
    printf("still-blocked %d\n", sigismember(&after, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_IGN);
    int p[2]; pipe(p); close(p[0]);
    printf("write %zd\n", write(p[1], "x", 1));
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    puts("not reached");
    return 0;
}
