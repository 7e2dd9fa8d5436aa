/* progress.c: one line on stderr, redrawn in place, while a run reads its
   inputs; only when stderr is a terminal, so logs and pipes never see it.
   Every other stderr write of a run goes through term_write, which takes
   the line away first and lets the next tick draw it again. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

progress_counts progress;

enum { TICK_MS = 250 };

static pthread_mutex_t term = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping, shown;
static struct timespec started;

static double seconds_since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* 1234567 -> "1.2 MB" */
static void human_bytes(char *out, size_t n, double b) {
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    for (; b >= 1000 && u < 4; u++)
        b /= 1000;
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

/* Caller holds term. */
static void draw(void) {
    double secs = seconds_since(&started);
    uint64_t bytes = atomic_load(&progress.bytes), events = atomic_load(&progress.events),
             matches = atomic_load(&progress.matches);
    char line[256], done[32], total[32], eta[48] = "";
    human_bytes(done, sizeof done, (double)bytes);
    int n = snprintf(line, sizeof line, "\r\033[K%s", done);
    if (progress.size >= 0) {
        human_bytes(total, sizeof total, (double)progress.size);
        int pct = progress.size ? (int)(100.0 * (double)bytes / (double)progress.size) : 100;
        n += snprintf(line + n, sizeof line - (size_t)n, " of %s (%d%%)", total, pct);
        if (bytes > 0 && secs > 0.5 && (uint64_t)progress.size > bytes) {
            long left = (long)((double)(progress.size - (int64_t)bytes) / ((double)bytes / secs));
            snprintf(eta, sizeof eta, ", ETA %ld:%02ld", left / 60, left % 60);
        }
    }
    snprintf(line + n, sizeof line - (size_t)n, ", %llu events, %.0f events/s, %llu matches%s",
             (unsigned long long)events, secs > 0 ? (double)events / secs : 0.0,
             (unsigned long long)matches, eta);
    fputs(line, stderr);
    fflush(stderr);
    shown = true;
}

static void erase(void) {
    if (!shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    shown = false;
}

static void *tick(void *arg) {
    (void)arg;
    pthread_mutex_lock(&term);
    while (!stopping) {
        draw();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!stopping && pthread_cond_timedwait(&wake, &term, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&term);
    return NULL;
}

void progress_start(void) {
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (!isatty(STDERR_FILENO)) return;
    running = pthread_create(&thread, NULL, tick, NULL) == 0;
}

void progress_stop(void) {
    if (!running) return;
    pthread_mutex_lock(&term);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&term);
    pthread_join(thread, NULL);
    running = false;
    draw(); /* the final counts, seen at least once however short the run */
    erase();
}

void term_write(const char *s, size_t n) {
    pthread_mutex_lock(&term);
    erase();
    fwrite(s, 1, n, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&term);
}

void term_out(FILE *out, const char *s, size_t n) {
    pthread_mutex_lock(&term);
    erase();
    fwrite(s, 1, n, out);
    fflush(out);
    pthread_mutex_unlock(&term);
}

void term_hold(void) {
    pthread_mutex_lock(&term);
    erase();
}

void term_release(void) {
    fflush(stderr);
    pthread_mutex_unlock(&term);
}
