/**
 * `--metrics-bind ADDR`: Prometheus text from the master. Each worker counts its own requests
 * (request-metrics.ts) and reports them once a second; the master keeps the last report of each
 * worker and answers a scrape from those, so it does no per-request work and a scrape never
 * waits on a worker.
 *
 * Exposed, all prefixed `tsgi_appserver_`:
 * - totals over the master's life, exited workers included (counters stay monotonic across
 *   reloads and recycles): `requests_total`, `responses_total{status_class}`,
 *   `request_duration_seconds` (histogram); and over the live workers: `requests_in_flight`,
 *   `rss_bytes` (summed);
 * - per live worker, the same with a `worker` label and `worker_` in the name:
 *   `worker_requests_total{worker="3"}`, ..., `worker_rss_bytes{worker="3"}`;
 * - the master's own: `workers` (live worker processes) and
 *   `worker_restarts_total{reason}` (reload, ttou, max-requests, max-memory, timeout, died).
 * @module
 */
import type { Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue, type PrometheusContentType } from 'prom-client';
import { formatBind, parseBind } from './bind-address.js';
import type { ServerLogger } from './logger.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { createServer } = process.getBuiltinModule('node:http');

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** Why a worker was replaced or stopped, for `worker_restarts_total{reason}`. */
export type RestartReason = 'reload' | 'ttou' | 'max-requests' | 'max-memory' | 'timeout' | 'died';

/** Gauges describe the live workers only; an exited worker's gauges leave the totals. */
function countersOnly(metrics: readonly MetricJson[]): MetricJson[] {
  return metrics.filter((m) => String(m.type) !== 'gauge');
}

/** The per-worker series: `tsgi_appserver_x` becomes `tsgi_appserver_worker_x{worker="id"}`. */
function perWorker(metrics: readonly MetricJson[], id: number): MetricJson[] {
  return metrics.map((m) => ({
    ...m,
    name: m.name.replace('tsgi_appserver_', 'tsgi_appserver_worker_'),
    values: m.values.map((v) => {
      const value = v as MetricValue<string> & { metricName?: string };
      return {
        ...value,
        labels: { ...value.labels, worker: String(id) },
        ...(value.metricName !== undefined ? { metricName: value.metricName.replace('tsgi_appserver_', 'tsgi_appserver_worker_') } : {}),
      };
    }),
  }));
}

/**
 * The master's metrics: the workers' last reports, the master's own figures, and the HTTP
 * endpoint that serves them.
 *
 * @example
 * ```ts
 * const metrics = new MasterMetrics(log, () => workers.size);
 * await metrics.listen('127.0.0.1:9100');
 * metrics.report(workerId, message.metrics);  // on each worker report
 * metrics.workerExited(workerId, 'timeout');
 * ```
 */
export class MasterMetrics {
  readonly #log: ServerLogger;
  /** The last report of each live worker. */
  readonly #live = new Map<number, MetricJson[]>();
  /** The counters of exited workers (summed into one at each scrape), so totals never go down. */
  #retired: MetricJson[][] = [];
  readonly #own = new Registry();
  readonly #restarts = new Counter({ name: 'tsgi_appserver_worker_restarts_total', help: 'Workers stopped or replaced, by reason.', labelNames: ['reason'], registers: [this.#own] });
  readonly #workers = new Gauge({ name: 'tsgi_appserver_workers', help: 'Live worker processes.', registers: [this.#own] });
  #server: Server | undefined;
  readonly #countWorkers: () => number;

  /** `countWorkers`: the live worker processes now (read at each scrape). */
  constructor(log: ServerLogger, countWorkers: () => number) {
    this.#log = log;
    this.#countWorkers = countWorkers;
  }

  /** Stores a worker's latest report. */
  report(workerId: number, metrics: MetricJson[]): void {
    this.#live.set(workerId, metrics);
  }

  /** A worker exited: its counters join the retired totals; `reason` counts when it was a replacement or stop. */
  workerExited(workerId: number, reason: RestartReason | undefined): void {
    if (reason !== undefined) this.#restarts.inc({ reason });
    const last = this.#live.get(workerId);
    this.#live.delete(workerId);
    if (last !== undefined) this.#retired.push(countersOnly(last));
  }

  /** The Prometheus text. */
  async render(): Promise<string> {
    this.#workers.set(this.#countWorkers());
    // Fold the exited workers' counters into one snapshot, so memory stays flat over recycles.
    const retired = this.#retired;
    this.#retired = [];
    const folded = await AggregatorRegistry.aggregate(retired).getMetricsAsJSON();
    this.#retired.unshift(folded);
    const live = [...this.#live.entries()];
    const totals = AggregatorRegistry.aggregate<PrometheusContentType>([...this.#retired, ...live.map(([, m]) => m)]);
    const workers = AggregatorRegistry.aggregate<PrometheusContentType>(live.map(([id, m]) => perWorker(m, id)));
    return Registry.merge([totals, workers, this.#own]).metrics();
  }

  /** Serves GET /metrics (and /) on `address`. */
  async listen(address: string): Promise<string> {
    const bound = parseBind(address);
    if (typeof bound === 'string') throw new Error(`--metrics-bind: ${bound}`);
    if (bound.kind === 'fd') throw new Error('--metrics-bind: fd:// is not supported; give host:port or unix:PATH');
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
        return;
      }
      this.render().then(
        (text) => res.writeHead(200, { 'content-type': this.#own.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => {
          this.#log.error('metrics: %s', err instanceof Error ? err.message : String(err));
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error\n');
        },
      );
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      if (bound.kind === 'unix') server.listen(bound.path, done);
      else server.listen(bound.port, bound.host, done);
    });
    const a = server.address();
    return typeof a === 'string' || a === null ? formatBind(bound) : formatBind({ kind: 'tcp', host: a.address, port: a.port });
  }

  /** Stops serving. */
  close(): void {
    this.#server?.close();
    this.#server?.closeAllConnections();
  }
}
