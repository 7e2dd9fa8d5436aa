/* vnetflow.h: Azure VNet flow-log records cut into one event per flow tuple
   (inside runtime/ only; reader.c uses it, README describes the events). */
#ifndef SIGVM_RUNTIME_VNETFLOW_H
#define SIGVM_RUNTIME_VNETFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_vnet_event {
    size_t off, len; /* in rt_vnet_events.text: the event, or the message when bad */
    uint64_t tuple;  /* 1-based, over the whole record */
    bool bad;        /* a tuple that could not be read: text holds why (NUL-terminated) */
} rt_vnet_event;

typedef struct rt_vnet_events {
    char *text;
    size_t len, cap;
    rt_vnet_event *ev;
    size_t n, evcap;
} rt_vnet_events;

/* Whether doc is a flow-log record: it has a top-level flowLogVersion, or
   its category or operationName is FlowLogFlowEvent. */
bool rt_vnet_is_record(const char *doc, size_t len);

/* Replaces out's events with those of the record doc, one per flow tuple,
   whether the tuples are listed under flowRecords.flows[].flowGroups[]
   (flow log version 4) or flattened into members "flow.0", "flow.1", ...
   False when doc holds no flow tuples (it is then used as it is). */
bool rt_vnet_expand(const char *doc, size_t len, rt_vnet_events *out);

void rt_vnet_events_free(rt_vnet_events *e);

#endif
