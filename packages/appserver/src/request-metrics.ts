/**
 * A worker's request figures for `--metrics-bind`, counted in the worker with prom-client and sent
 * to the master as prom-client JSON once a second: the master does no per-request work and a
 * scrape never waits on a worker (a blocked one is shown as it last reported). Only loaded and
 * wired when --metrics-bind is set; otherwise no request is wrapped.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { wrapHandler, type RequestHandler } from './request-handler.js';
import type { MetricsMessage } from './ipc.js';

/** How often a worker reports: a scrape interval is 15 s or more, so a second behind is fresh enough. */
export const REPORT_INTERVAL_MS = 1000;

/** Latency buckets (seconds): prom-client's defaults, which span a 5 ms API call to a 10 s report. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counts requests, responses by status class, requests in flight and latency; reports them with
 * the worker's RSS.
 *
 * @example
 * ```ts
 * const metrics = new RequestMetrics();
 * server.on('request', metrics.wrap(handler));
 * metrics.startReporting((m) => process.send?.(m));
 * ```
 */
export class RequestMetrics {
  readonly #registry = new Registry();
  readonly #requests = new Counter({ name: 'tsgi_appserver_requests_total', help: 'Requests that reached the app (after the request-head gate).', registers: [this.#registry] });
  readonly #responses = new Counter({ name: 'tsgi_appserver_responses_total', help: 'Responses by status class (1xx-5xx; "none" when the client left before a head was sent).', labelNames: ['status_class'], registers: [this.#registry] });
  readonly #inFlight = new Gauge({ name: 'tsgi_appserver_requests_in_flight', help: 'Requests being served now.', registers: [this.#registry] });
  readonly #duration = new Histogram({ name: 'tsgi_appserver_request_duration_seconds', help: 'Time from the request reaching the app to the end of its response.', buckets: DURATION_BUCKETS, registers: [this.#registry] });
  readonly #rss = new Gauge({ name: 'tsgi_appserver_rss_bytes', help: 'Resident set size of the worker processes.', registers: [this.#registry] });
  #timer: NodeJS.Timeout | undefined;

  /** Wraps a request handler so each request is counted. */
  wrap(handler: RequestHandler): RequestHandler {
    return wrapHandler(handler, (inner) => (req, res) => {
      this.#requests.inc();
      this.#inFlight.inc();
      const start = process.hrtime.bigint();
      res.once('close', () => {
        this.#inFlight.dec();
        this.#responses.inc({ status_class: res.headersSent ? `${Math.floor(res.statusCode / 100)}xx` : 'none' });
        this.#duration.observe(Number(process.hrtime.bigint() - start) / 1e9);
      });
      inner(req, res);
    });
  }

  /** The figures now, as prom-client JSON (RSS read now). */
  async snapshot(): Promise<MetricsMessage> {
    this.#rss.set(process.memoryUsage.rss());
    return { type: 'metrics', metrics: await this.#registry.getMetricsAsJSON() };
  }

  /** Sends a snapshot every {@link REPORT_INTERVAL_MS} (the timer does not keep the process alive). */
  startReporting(send: (message: MetricsMessage) => void): void {
    const report = () => void this.snapshot().then(send, () => {});
    report();
    this.#timer = setInterval(report, REPORT_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops the reports (the worker is exiting). */
  stopReporting(): void {
    clearInterval(this.#timer);
  }
}
