/**
 * What an operator sees of a running daemon: Prometheus metrics ({@link io.walship.replicator.metrics.PrometheusMetrics}),
 * and the HTTP endpoints that serve them with the probes and the status document
 * ({@link io.walship.replicator.metrics.MetricsServer}, {@link io.walship.replicator.metrics.DaemonStatus}).
 *
 * <p>Nothing here changes what the replicator does: counters listen to its
 * {@link io.walship.replicator.ReplicationEvents}, and everything else is read from the
 * {@link io.walship.replicator.Daemon} when asked, so a slow scraper can never hold back capture or shipping.
 */
package io.walship.replicator.metrics;
