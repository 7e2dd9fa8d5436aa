/*
 * ordered.c: inputs read on a pool of threads, output in input order.
 *
 * The output of a run must not depend on thread timing, so each input owns
 * a sink. The input at the head (every one before it finished) writes
 * straight to the output; the others write matches to a temporary file and
 * diagnostics to memory, which are copied out, in input order, when the
 * head reaches them. A huge first file thus streams as it is read, and
 * only inputs waiting behind it are held back. Threads take inputs at most
 * WINDOW ahead of the head, which bounds the temporary files open at once.
 *
 * A thread with no input left to take helps with one being read: the
 * thread reading an input offers it (pool_offer) once it can be shared,
 * and idle threads call work->help on the first input on offer until it
 * is withdrawn, so a single large file keeps every thread busy.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

enum { WINDOW = 256 };

typedef struct pool pool;

struct sink {
    pool *pool;
    size_t index;
    FILE *rows; /* at the head, out a terminal: one event's matches, in rows_text */
    char *rows_text;
    size_t rows_len;
    FILE *spill; /* matches held back */
    FILE *diag;  /* diagnostics held back, in diag_text */
    char *diag_text;
    size_t diag_len;
    bool direct; /* at the head: writing straight out */
    bool done;
    void *job;       /* on offer to idle threads (pool_offer), or NULL */
    unsigned helpers; /* threads inside work->help for it */
};

struct pool {
    run_input *inputs;
    size_t n;
    FILE *out;
    bool out_is_term; /* shared with the progress line */
    const pool_work *work;
    sink *sinks;
    pthread_mutex_t mu;
    pthread_cond_t moved; /* the head moved */
    size_t next;          /* the next input to take */
    _Atomic size_t head;  /* the first input not yet finished */
};

static void write_out(pool *p, const char *s, size_t n) {
    if (p->out_is_term)
        term_out(p->out, s, n);
    else
        fwrite(s, 1, n, p->out);
}

static void copy_out(FILE *from, pool *p) {
    char buf[1 << 16];
    rewind(from);
    for (size_t n; (n = fread(buf, 1, sizeof buf, from)) > 0;)
        write_out(p, buf, n);
}

/* Writes what s held back; caller holds the pool's lock. */
static void release(sink *s) {
    if (s->spill) {
        copy_out(s->spill, s->pool);
        fclose(s->spill);
        s->spill = NULL;
    }
    if (s->diag) {
        fclose(s->diag);
        term_write(s->diag_text, s->diag_len);
        free(s->diag_text);
        s->diag = NULL;
    }
}

static void go_direct(sink *s) {
    pthread_mutex_lock(&s->pool->mu);
    release(s);
    s->direct = true;
    pthread_mutex_unlock(&s->pool->mu);
}

static bool at_head(sink *s) {
    if (!s->direct && atomic_load(&s->pool->head) == s->index) go_direct(s);
    return s->direct;
}

FILE *sink_out(sink *s) {
    if (at_head(s) && !s->pool->out_is_term) return s->pool->out;
    if (s->direct) {
        if (!s->rows && !(s->rows = open_memstream(&s->rows_text, &s->rows_len))) abort();
        return s->rows;
    }
    if (!s->spill && !(s->spill = tmpfile())) {
        perror("sigvm run: temporary file for an input's matches");
        abort();
    }
    return s->spill;
}

void sink_flush(sink *s) {
    if (!s->rows) return;
    fclose(s->rows);
    write_out(s->pool, s->rows_text, s->rows_len);
    free(s->rows_text);
    s->rows = NULL;
}

void sink_say(sink *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg;
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if (at_head(s)) {
        term_write(msg, (size_t)n);
    } else {
        if (!s->diag && !(s->diag = open_memstream(&s->diag_text, &s->diag_len))) abort();
        fwrite(msg, 1, (size_t)n, s->diag);
    }
    free(msg);
}

/* Input i is finished: if it is the head, its successors that are finished
   too are written out and the head moves past them. */
static void finish(pool *p, size_t i) {
    pthread_mutex_lock(&p->mu);
    p->sinks[i].done = true;
    size_t head = atomic_load(&p->head);
    if (head == i) {
        while (head < p->n && p->sinks[head].done)
            release(&p->sinks[head++]);
        fflush(p->out);
        atomic_store(&p->head, head);
        pthread_cond_broadcast(&p->moved);
    }
    pthread_mutex_unlock(&p->mu);
}

/* The first input on offer, or NULL; caller holds the pool's lock. */
static sink *offered(pool *p) {
    for (size_t i = atomic_load(&p->head); i < p->next; i++)
        if (p->sinks[i].job) return &p->sinks[i];
    return NULL;
}

/* What a thread does next: read input *i (true), or help with *job of
   input *with (true, *i SIZE_MAX), or stop (false) once every input is
   finished. */
static bool take(pool *p, size_t *i, sink **with, void **job) {
    pthread_mutex_lock(&p->mu);
    *i = SIZE_MAX;
    *with = NULL;
    for (;;) {
        size_t head = atomic_load(&p->head);
        if (p->next < p->n && p->next < head + WINDOW) {
            *i = p->next++;
            break;
        }
        if ((*with = offered(p))) {
            (*with)->helpers++;
            *job = (*with)->job; /* withdrawn once the lock is let go, perhaps */
            break;
        }
        if (head == p->n) break;
        pthread_cond_wait(&p->moved, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return *i != SIZE_MAX || *with;
}

void pool_offer(sink *s, void *job) {
    pthread_mutex_lock(&s->pool->mu);
    s->job = job;
    pthread_cond_broadcast(&s->pool->moved);
    pthread_mutex_unlock(&s->pool->mu);
}

void pool_withdraw(sink *s) {
    pthread_mutex_lock(&s->pool->mu);
    s->job = NULL;
    while (s->helpers)
        pthread_cond_wait(&s->pool->moved, &s->pool->mu);
    pthread_mutex_unlock(&s->pool->mu);
}

static void *thread_main(void *arg) {
    pool *p = arg;
    void *state = p->work->start(p->work->arg);
    size_t i;
    sink *with;
    void *job;
    while (take(p, &i, &with, &job)) {
        if (with) {
            p->work->help(state, job);
            pthread_mutex_lock(&p->mu);
            with->helpers--;
            pthread_cond_broadcast(&p->moved);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        p->work->input(state, &p->inputs[i], &p->sinks[i]);
        finish(p, i);
    }
    p->work->stop(state);
    return NULL;
}

void pool_run(run_input *inputs, size_t n, unsigned jobs, FILE *out, const pool_work *work) {
    pool p = {
        .inputs = inputs, .n = n, .out = out, .out_is_term = isatty(fileno(out)), .work = work};
    p.sinks = calloc(n ? n : 1, sizeof *p.sinks);
    pthread_t *threads = calloc(jobs ? jobs : 1, sizeof *threads);
    if (!p.sinks || !threads) abort();
    for (size_t i = 0; i < n; i++)
        p.sinks[i] = (sink){.pool = &p, .index = i};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.moved, NULL);
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, thread_main, &p) != 0) break;
    if (started == 0) thread_main(&p); /* no thread to be had: read them here */
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_cond_destroy(&p.moved);
    pthread_mutex_destroy(&p.mu);
    free(threads);
    free(p.sinks);
}
