/**
 * Alerts (P16): failed-login volume, request spikes, refresh-token reuse and mass
 * deletion, counted in Redis off the request path and raised once per subject and
 * window as an `alert_raised` security event and an email. At the layer of db/redis:
 * modules and the pipeline call it; it imports only config, db, redis, clients, crypto and lib.
 */
export { ALERT_KINDS, kindsFedBy, type AlertKind, type AlertKindSpec, type AlertSource } from "./kinds";
export { counterKey, windowOf } from "./counters";
export { alertHash, networkOf, networkPseudonym } from "./subjects";
export { countDeletion, countSecurityEvent, requestCounters, type CountedEventFacts } from "./hooks";
